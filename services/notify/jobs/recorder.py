"""Recording attempts: their beginnings before the requests go out (`Beginnings`), their ends in
batches (`Recorder`).

An attempt is written down before its request goes out, so that nothing notify sends is
invisible: the delivery's counts go up, its lease is renewed for the attempt (the attempt's
timeout and a margin: after a crash it is claimable again that soon), and an attempt row says
'sending'. A row still 'sending' when its delivery is attempted again was cut short (notify or
its database died before the outcome was recorded): it becomes 'interrupted', its outcome
unknown, and the new attempt is the next one. Beginnings are fenced by the claim: a delivery
whose claim was taken over (its lease ran out and another dispatcher claimed it) is not begun,
so two dispatchers never send it at once. Attempts beginning together are written in one
statement (group commit), as audit rows are.

The ends of attempts wait in a queue, and each batch of them is recorded in one transaction with
a few set-based statements instead of a transaction of five statements per attempt (which, with
the claim, cost ~280 ms per delivery slot under load).

For each attempt: the attempt row completed, the delivery's next state
(`domain.delivery.end_attempt`), the subscriber's health (`after_subscriber_attempt`:
suspended at the threshold, its owner told through its inbox) and, for a final outcome,
NotificationDelivered or NotificationFailed through the outbox — all of a batch commit together.
An attempt whose delivery left its hands meanwhile (lease expired, settled otherwise) is
recorded as 'late' and changes nothing else.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any
from uuid import UUID

import asyncpg
from prometheus_client import Counter

from schemas.notify import NotificationDelivered, NotificationFailed
from servicekit.db import is_connection_error
from servicekit.unit_of_work import UnitOfWork
from services.notify.domain import delivery as dm
from services.notify.domain import notices
from services.notify.runtime import SOURCE, NotifyRuntime

if TYPE_CHECKING:
    from services.notify.jobs.dispatcher import DispatchStats, Job

log = logging.getLogger("notify.dispatcher")

ATTEMPTS = Counter(
    "thidua_notify_attempts", "Delivery attempts, by channel and result", ["channel", "result"]
)
_RETRIED = (asyncpg.DeadlockDetectedError, asyncpg.SerializationError)


INTERRUPTED = "unknown: interrupted before its outcome was recorded (the receiver may have had it)"

# $1 deliveries, $2 their claims, $3 their leases (s), $4 INTERRUPTED. Returns each begun
# delivery's new attempt row; a delivery whose claim is no longer the given one is left out.
_BEGIN = """
WITH started AS (
    UPDATE deliveries d
    SET attempts = d.attempts + 1, round_attempts = d.round_attempts + 1,
        claimed_until = now() + make_interval(secs => j.lease_s), updated_at = now()
    FROM unnest($1::uuid[], $2::uuid[], $3::float8[]) AS j(id, claim, lease_s)
    WHERE d.id = j.id AND d.claim = j.claim AND d.status = 'pending'
    RETURNING d.id, d.attempts
), interrupted AS (
    UPDATE delivery_attempts a SET result = 'interrupted', error = $4
    FROM started s WHERE a.delivery_id = s.id AND a.result = 'sending'
)
INSERT INTO delivery_attempts (delivery_id, number, started_at, result)
SELECT id, attempts, now(), 'sending' FROM started
RETURNING delivery_id, id
"""


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
                async with self._pool.acquire() as con:
                    rows = await con.fetch(
                        _BEGIN,
                        [j.id for j, _, _ in group],
                        [j.claim for j, _, _ in group],
                        [lease for _, lease, _ in group],
                        INTERRUPTED,
                    )
            except Exception as e:
                for _, _, done in group:
                    if not done.done():
                        done.set_exception(e)
                continue
            begun = {r["delivery_id"]: r["id"] for r in rows}
            for job, _, done in group:
                if not done.done():
                    done.set_result(begun.get(job.id))


@dataclass(frozen=True)
class Ended:
    """One attempt, as it ended: what the recorder needs."""

    job: Job
    attempt_id: int
    """Its row, written when it began."""
    outcome: dm.Outcome
    trace: dict[str, str]
    """The attempt span's context: the outcome event continues it."""


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
        results: list[tuple[Ended, str, dm.Delivery | None]] = []
        async with UnitOfWork(self._pool, source=SOURCE) as uow:
            con = uow.con
            # Subscriptions before deliveries, as every writer of both does, each in id order.
            webhook_subs = sorted(
                {e.job.subscription_id for e in batch if e.job.channel == "webhook"}
            )
            health: dict[UUID, dict[str, Any]] = {}
            if webhook_subs:
                for sub in await con.fetch(
                    "SELECT id, client_id, consecutive_failures, suspended_at"
                    " FROM webhook_subscriptions WHERE id = ANY($1::uuid[]) ORDER BY id"
                    " FOR UPDATE",
                    webhook_subs,
                ):
                    health[sub["id"]] = {"row": sub, "now": _health_of(sub)}
            rows = {
                r["id"]: dict(r)
                for r in await con.fetch(
                    "SELECT id, status, next_attempt_at, attempts, round_attempts, last_status,"
                    " last_error, claim, now() AS now FROM deliveries"
                    " WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
                    sorted({e.job.id for e in batch}),
                )
            }
            updates, attempts = [], []
            for ended in batch:
                job, outcome = ended.job, ended.outcome
                row = rows[job.id]
                now = row["now"]
                duration_ms = round(outcome.duration * 1000)
                if row["claim"] != job.claim or row["status"] != "pending":
                    # The lease ran out (or the delivery was settled otherwise) meanwhile.
                    attempts.append(_attempt(ended, duration_ms, "late"))
                    results.append((ended, "late", None))
                    continue
                before = dm.Delivery(
                    dm.Status(row["status"]),
                    row["next_attempt_at"],
                    attempts=row["attempts"],
                    round_attempts=row["round_attempts"],
                    last_status=row["last_status"],
                    last_error=row["last_error"],
                )
                after = dm.end_attempt(before, outcome, now, self._runtime.policy)
                result = {
                    dm.Status.DELIVERED: "delivered",
                    dm.Status.PARKED: "parked",
                    dm.Status.PENDING: "retry",
                }[after.status]
                # A second attempt of the same delivery in this batch finds it settled.
                row.update(claim=None, status=after.status.value, attempts=after.attempts)
                updates.append(
                    (
                        job.id,
                        after.status.value,
                        after.next_attempt_at,
                        after.attempts,
                        after.round_attempts,
                        after.last_status,
                        after.last_error,
                        now,
                    )
                )
                attempts.append(_attempt(ended, duration_ms, result))
                if job.subscription_id in health:
                    await self._health(con, health[job.subscription_id], outcome, now)
                await _publish(uow, ended, after)
                results.append((ended, result, after))
            if updates:
                await con.executemany(
                    "UPDATE deliveries SET status = $2, next_attempt_at = $3, attempts = $4,"
                    " round_attempts = $5, last_status = $6, last_error = $7, claim = NULL,"
                    " claimed_until = NULL, updated_at = $8,"
                    " delivered_at = CASE WHEN $2 = 'delivered' THEN $8 ELSE delivered_at END,"
                    " parked_at = CASE WHEN $2 = 'parked' THEN $8 ELSE NULL END"
                    " WHERE id = $1",
                    updates,
                )
            await con.executemany(
                "UPDATE delivery_attempts SET duration_ms = $2, status = $3, error = $4,"
                " result = $5 WHERE id = $1",
                attempts,
            )
            changed = [h for h in health.values() if h["now"] != _health_of(h["row"])]
            if changed:
                await con.executemany(
                    "UPDATE webhook_subscriptions SET consecutive_failures = $2,"
                    " suspended_at = $3, suspended_reason = coalesce($4, suspended_reason)"
                    " WHERE id = $1",
                    [
                        (
                            h["row"]["id"],
                            h["now"].consecutive_failures,
                            h["now"].suspended_at,
                            h.get("reason"),
                        )
                        for h in changed
                    ],
                )
        self._count(results)

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
            await notices.subscription_suspended(
                con, sub["client_id"], sub["id"], after.consecutive_failures, outcome.error, now
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


def _health_of(sub: asyncpg.Record) -> dm.Health:
    return dm.Health(sub["consecutive_failures"], sub["suspended_at"])


def _attempt(ended: Ended, duration_ms: int, result: str) -> tuple:
    o = ended.outcome
    return (ended.attempt_id, duration_ms, o.status, o.error, result)


async def _publish(uow: UnitOfWork, ended: Ended, after: dm.Delivery) -> None:
    job = ended.job
    if after.status is dm.Status.DELIVERED:
        event: NotificationDelivered | NotificationFailed = NotificationDelivered(
            delivery_id=job.id,
            subscription_id=job.subscription_id,
            channel=job.channel,
            event_id=job.envelope.id,
            attempts=after.attempts,
        )
    elif after.status is dm.Status.PARKED:
        event = NotificationFailed(
            delivery_id=job.id,
            subscription_id=job.subscription_id,
            channel=job.channel,
            event_id=job.envelope.id,
            attempts=after.attempts,
            error=(after.last_error or "failed")[:4000],
        )
    else:
        return
    await uow.publish(event, trace=ended.trace)
