"""Recording attempts: their beginnings before the requests go out (`Beginnings`: nothing notify
sends is invisible, and a delivery whose claim was taken over is not begun), their ends in
batches of one transaction each (`Recorder`: attempt rows, next states, subscriber health,
outcome events). services/notify/README.md ("Two stages") says why in full.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg
from prometheus_client import Counter

from servicekit.db import Statement, is_connection_error
from servicekit.unit_of_work import UnitOfWork
from services.notify import events
from services.notify.domain import delivery as dm
from services.notify.domain import notices
from services.notify.jobs.job import DispatchStats, Ended, Job
from services.notify.runtime import SOURCE, NotifyRuntime
from services.notify.store import attempts as store
from services.notify.store import inbox

log = logging.getLogger("notify.dispatcher")

ATTEMPTS = Counter(
    "thidua_notify_attempts", "Delivery attempts, by channel and result", ["channel", "result"]
)
_RETRIED = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


class Beginnings:
    """Writes attempts down before their requests go out (see the module), grouped: an attempt
    beginning while a statement runs waits for the next, which takes every one that waited."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self._pool = pool
        self._waiting: list[tuple[Job, float, asyncio.Future[int | None]]] = []
        self._writer: asyncio.Task | None = None

    async def begin(self, job: Job, lease_s: float) -> int | None:
        """The attempt row's id, or None when the delivery is no longer this claim's."""
        done: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self._waiting.append((job, lease_s, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting(), name="notify-begin")
        return await done

    async def _write_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            try:
                begun = await store.begin(
                    self._pool,
                    [j.id for j, _, _ in group],
                    [j.claim for j, _, _ in group],
                    [lease for _, lease, _ in group],
                )
            except Exception as e:
                for _, _, done in group:
                    if not done.done():
                        done.set_exception(e)
                continue
            for job, _, done in group:
                if not done.done():
                    done.set_result(begun.get(job.id))


class Recorder:
    """Takes ended attempts (`put`) and records them in batches of up to `batch`; calls
    `on_recorded(ended)` for every attempt of a batch once it committed or failed."""

    def __init__(
        self,
        pool: asyncpg.Pool,
        runtime: NotifyRuntime,
        stats: DispatchStats,
        on_recorded: Callable[[list[Ended]], None],
        batch: int = 256,
    ) -> None:
        self._pool = pool
        self._runtime = runtime  # its policy is read at each attempt: it may be replaced
        self._stats = stats
        self._on_recorded = on_recorded
        self._batch = batch
        self._queue: asyncio.Queue[Ended | None] = asyncio.Queue()
        self._task: asyncio.Task | None = None

    def start(self) -> None:
        self._task = asyncio.create_task(self._run(), name="notify-dispatch-record")

    def put(self, ended: Ended) -> None:
        self._queue.put_nowait(ended)

    async def stop(self, grace_s: float) -> None:
        """Record what was queued before (within `grace_s`), then stop."""
        if self._task is None:
            return
        self._queue.put_nowait(None)
        try:
            async with asyncio.timeout(grace_s):
                await asyncio.shield(self._task)
        except TimeoutError:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._task = None

    async def _run(self) -> None:
        stopping = False
        while not stopping:
            first = await self._queue.get()
            batch = [] if first is None else [first]
            stopping = first is None
            while len(batch) < self._batch and not self._queue.empty():
                item = self._queue.get_nowait()
                if item is None:
                    stopping = True
                else:
                    batch.append(item)
            if batch:
                await self._record_logged(batch)

    async def _record_logged(self, batch: list[Ended]) -> None:
        try:
            for tries in (1, 2):
                try:
                    await self.record(batch)
                    break
                except _RETRIED:
                    if tries == 2:
                        raise
        except asyncio.CancelledError:
            raise
        except Exception as e:
            # Not recorded: the leases expire and the deliveries are tried again then.
            log.warning(
                "dispatcher: %d attempts not recorded (%s: %s); they are tried again when their "
                "leases expire",
                len(batch),
                type(e).__name__,
                e,
                exc_info=not is_connection_error(e),
            )
        finally:
            self._on_recorded(batch)

    async def record(self, batch: list[Ended]) -> None:
        topic_map = self._runtime.settings.topic_names
        async with UnitOfWork(self._pool, source=SOURCE, topic_map=topic_map) as uow:
            con = uow.con
            webhook_subs = {e.job.subscription_id for e in batch if e.job.channel == "webhook"}
            locked, subs = await store.lock(con, [e.job.id for e in batch], list(webhook_subs))
            health: dict[UUID, dict[str, Any]] = {
                sub["id"]: {"row": sub, "now": _health_of(sub)} for sub in subs
            }
            rows = {r["id"]: dict(r) for r in locked}
            results: list[tuple[Ended, str, dm.Delivery | None]] = []
            updates, attempts = [], []
            for ended in batch:
                row = rows[ended.job.id]
                duration_ms = round(ended.outcome.duration * 1000)
                after = self._next_state(row, ended)
                if after is None:
                    # The lease ran out (or the delivery was settled otherwise) meanwhile.
                    attempts.append(_attempt(ended, duration_ms, "late"))
                    results.append((ended, "late", None))
                    continue
                result = _RESULTS[after.status]
                updates.append((ended.job.id, *_state_columns(after), row["now"]))
                attempts.append(_attempt(ended, duration_ms, result))
                if ended.job.subscription_id in health:
                    h = health[ended.job.subscription_id]
                    await self._health(con, h, ended.outcome, row["now"])
                await _publish(uow, ended, after)
                results.append((ended, result, after))
            # Sent with the outcome events, in their statement (one round trip at commit).
            for statement in _writes(updates, attempts, health):
                uow.also(statement)
        self._count(results)

    def _next_state(self, row: dict[str, Any], ended: Ended) -> dm.Delivery | None:
        """The delivery's state after the attempt, None if it left this claim's hands. `row`
        is updated, so a second attempt of the same delivery in the batch finds it settled."""
        if row["claim"] != ended.job.claim or row["status"] != "pending":
            return None
        before = dm.Delivery(
            dm.Status(row["status"]),
            row["next_attempt_at"],
            attempts=row["attempts"],
            round_attempts=row["round_attempts"],
            last_status=row["last_status"],
            last_error=row["last_error"],
        )
        after = dm.end_attempt(before, ended.outcome, row["now"], self._runtime.policy)
        row.update(claim=None, status=after.status.value, attempts=after.attempts)
        return after

    async def _health(
        self, con: asyncpg.Connection, h: dict[str, Any], outcome: dm.Outcome, now: datetime
    ) -> None:
        before: dm.Health = h["now"]
        after = dm.after_subscriber_attempt(before, outcome, now, self._runtime.policy)
        h["now"] = after
        if after.suspended and not before.suspended:
            h["reason"] = outcome.error
            sub = h["row"]
            self._stats.suspended += 1
            log.warning(
                "dispatcher: subscription %s suspended after %d consecutive failures",
                sub["id"],
                after.consecutive_failures,
            )
            notice = notices.subscription_suspended(
                sub["id"], after.consecutive_failures, outcome.error
            )
            await inbox.add_client_notice(
                con, sub["client_id"], notice.event_type, notice.title, notice.body, now
            )

    def _count(self, results: list[tuple[Ended, str, dm.Delivery | None]]) -> None:
        stats = self._stats
        for ended, result, after in results:
            ATTEMPTS.labels(ended.job.channel, result).inc()
            if result == "late":
                stats.late += 1
                continue
            stats.attempts += 1
            if result == "delivered":
                stats.delivered += 1
            elif result == "parked":
                assert after is not None
                stats.parked += 1
                log.warning(
                    "dispatcher: %s delivery %s parked after %d attempts: %s",
                    ended.job.channel,
                    ended.job.id,
                    after.attempts,
                    after.last_error,
                )
            else:
                stats.retried += 1


_RESULTS = {
    dm.Status.DELIVERED: "delivered",
    dm.Status.PARKED: "parked",
    dm.Status.PENDING: "retry",
}


def _health_of(sub: asyncpg.Record) -> dm.Health:
    return dm.Health(sub["consecutive_failures"], sub["suspended_at"])


def _state_columns(after: dm.Delivery) -> tuple[Any, ...]:
    return (
        after.status.value,
        after.next_attempt_at,
        after.attempts,
        after.round_attempts,
        after.last_status,
        after.last_error,
    )


def _attempt(ended: Ended, duration_ms: int, result: str) -> tuple[Any, ...]:
    o = ended.outcome
    return (ended.attempt_id, duration_ms, o.status, o.error, result)


def _writes(
    updates: list[tuple[Any, ...]],
    attempts: list[tuple[Any, ...]],
    health: dict[UUID, dict[str, Any]],
) -> list[Statement]:
    """A batch's new states, ended attempts and changed subscriber health."""
    out = [store.end(attempts)]
    if updates:
        out.append(store.update_deliveries(updates))
    changed = [h for h in health.values() if h["now"] != _health_of(h["row"])]
    if changed:
        out.append(
            store.update_health(
                [
                    (
                        h["row"]["id"],
                        h["now"].consecutive_failures,
                        h["now"].suspended_at,
                        h.get("reason"),
                    )
                    for h in changed
                ]
            )
        )
    return out


async def _publish(uow: UnitOfWork, ended: Ended, after: dm.Delivery) -> None:
    job = ended.job
    event = events.outcome(
        after,
        delivery_id=job.id,
        subscription_id=job.subscription_id,
        channel=job.channel,
        event_id=job.envelope.id,
    )
    if event is not None:
        await uow.publish(event, trace=ended.trace)
