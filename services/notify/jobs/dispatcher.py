"""Stage two: the dispatcher's loop. It claims due deliveries (store/claims.py), begins and
sends each in a task of its own within the per-subscriber and per-channel limits
(jobs/sending.py), hands the ended attempts to the recorder (jobs/recorder.py) and waits for a
NOTIFY, a recorded batch or the next due time. The whole mechanism, and what may repeat after a
crash, is in services/notify/README.md ("Two stages").
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any
from uuid import UUID, uuid4

import aiohttp
import asyncpg

from servicekit.db import is_connection_error
from services.notify.adapters import webhook
from services.notify.jobs import sending
from services.notify.jobs.job import DispatchStats, Ended, Job, job_of
from services.notify.jobs.recorder import Beginnings, Recorder
from services.notify.runtime import NotifyRuntime
from services.notify.store import claims, deliveries
from services.notify.store.deliveries import WAKE_CHANNEL

log = logging.getLogger("notify.dispatcher")

CHANNELS = ("webhook", "email")


class Dispatcher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        runtime: NotifyRuntime,
        *,
        client: aiohttp.ClientSession | None = None,
        stop_grace_s: float = 5.0,
    ) -> None:
        self.runtime = runtime
        self._pool = pool
        self._dsn = runtime.settings.database_dsn  # with TCP keepalives
        self._client = client
        self._own_client = client is None
        self._stop_grace_s = stop_grace_s
        self._wake = asyncio.Event()
        s = runtime.settings
        self._claimed = dict.fromkeys(CHANNELS, 0)
        """Claimed deliveries not yet recorded, per channel."""
        self._claims: dict[UUID, int] = {}
        """This dispatcher's live claims → their deliveries not yet recorded."""
        self._per_subscriber: dict[UUID, int] = {}
        """Claimed deliveries not yet recorded, per subscriber."""
        self._subscriber_slots: dict[UUID, asyncio.Semaphore] = {}
        self._sending: dict[UUID, int] = {}
        self._channel_slots = {
            "webhook": asyncio.Semaphore(s.dispatch_max_in_flight),
            "email": asyncio.Semaphore(s.smtp_concurrency),
        }
        self._waiting: dict[UUID, Job] = {}
        """Claimed deliveries whose attempt has not begun (their leases are given back at stop)."""
        self._tasks: set[asyncio.Task] = set()
        self._runner: asyncio.Task | None = None
        self._stopping = False
        self._listener: asyncio.Task | None = None
        self.stats = DispatchStats()
        self._beginnings = Beginnings(pool)
        self._recorder = Recorder(
            pool, runtime, self.stats, self._recorded, batch=s.dispatch_record_batch
        )

    # lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._stopping = False
        if self._client is None:
            self._client = webhook.new_session(self.runtime.settings.dispatch_max_in_flight)
        self._recorder.start()
        self._listener = asyncio.create_task(self._listen(), name="notify-dispatch-listen")
        self._runner = asyncio.create_task(self._run(), name="notify-dispatch")

    async def stop(self) -> None:
        self._stopping = True
        self._wake.set()
        for task in (self._runner, self._listener):
            if task is not None:
                task.cancel()
        await asyncio.gather(
            *(t for t in (self._runner, self._listener) if t), return_exceptions=True
        )
        self._runner = self._listener = None
        unsent = list(self._waiting.values())
        for task in list(self._tasks):
            if task.get_name().startswith("notify-wait-"):
                task.cancel()  # not begun: given back below
        if self._tasks:
            # Attempts under way may finish and be recorded; the rest are cancelled and their
            # leases expire, so another dispatcher (or this one, restarted) tries again.
            _, pending = await asyncio.wait(set(self._tasks), timeout=self._stop_grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        await self._recorder.stop(self._stop_grace_s)
        await self._give_back(unsent)
        if self._own_client and self._client is not None:
            await self._client.close()
            self._client = None

    async def _give_back(self, jobs: list[Job]) -> None:
        """End the leases of claimed deliveries that were never sent, so they need not wait
        for the leases to run out."""
        if not jobs:
            return
        with contextlib.suppress(Exception):
            async with asyncio.timeout(2):
                await claims.give_back(
                    self._pool, [j.id for j in jobs], list({j.claim for j in jobs})
                )

    def wake(self) -> None:
        self._wake.set()

    @property
    def in_flight(self) -> int:
        """Claimed deliveries not yet recorded."""
        return sum(self._claimed.values())

    # the loop

    async def _run(self) -> None:
        failures = 0
        due_now_without_claim = False
        poll = self.runtime.settings.dispatch_poll_interval_s
        while not self._stopping:
            self._wake.clear()
            try:
                claimed, full = await self._claim_all()
                failures = 0
                if claimed:
                    due_now_without_claim = False
                if full:  # took all the room a channel had: there may be more right away
                    continue
                # Anything announced meanwhile has set the wake-up; what comes due later (a
                # retry) is timed by the next due time.
                delay = await self._next_due()
            except asyncio.CancelledError:
                raise
            except Exception as e:
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.warning(
                    "dispatcher: %s: %s; again in %.1fs",
                    type(e).__name__,
                    e,
                    delay,
                    exc_info=not is_connection_error(e),
                )
            else:
                if delay is None:
                    delay = poll
                elif delay <= 0:
                    # Came due between the claim and now: claim again, once; if still nothing
                    # is claimable (another dispatcher took it), wait for news.
                    delay = poll if due_now_without_claim else 0.0
                    due_now_without_claim = True
                else:
                    due_now_without_claim = False
                    delay = min(delay, poll)
            if delay > 0:
                # Not asyncio.wait_for: on Python 3.11 it can swallow a cancellation that
                # arrives as the event is set (gh-86296), and the loop would outlive stop().
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(delay):
                        await self._wake.wait()

    def _channels_with_room(self) -> list[tuple[str, int]]:
        room = self.runtime.settings.dispatch_max_claimed
        channels = CHANNELS if self.runtime.smtp is not None else ("webhook",)
        return [(c, room - self._claimed[c]) for c in channels if room > self._claimed[c]]

    def _lease_s(self, channel: str) -> float:
        # One attempt's: what waits for a slot stays this dispatcher's (store/claims.py) and each
        # beginning renews its lease, so a crash leaves nothing unclaimable for longer.
        return (
            sending.timeout_s(self.runtime, channel) + self.runtime.settings.dispatch_lease_margin_s
        )

    @property
    def _batch(self) -> int:
        s = self.runtime.settings
        return max(s.dispatch_claim_batch, self.runtime.policy.concurrency_per_subscriber)

    async def _claim_all(self) -> tuple[int, bool]:
        """(deliveries claimed, whether a channel's claim filled all the room it had)."""
        total, full = 0, False
        for channel, room in self._channels_with_room():
            claimed = await self._claim(channel, room)
            total += claimed
            full |= claimed == room
        return total, full

    async def _claim(self, channel: str, room: int) -> int:
        claim = uuid4()
        rows = await claims.claim(
            self._pool,
            channel,
            batch=self._batch,
            room=room,
            claim_id=claim,
            lease_s=self._lease_s(channel),
            held=list(self._claims),
        )
        if not rows:
            return 0
        self.stats.claimed += len(rows)
        self._claims[claim] = len(rows)
        for row in rows:
            self._begin(job_of(row, claim))
        return len(rows)

    async def _next_due(self) -> float | None:
        channels = [c for c, _ in self._channels_with_room()]
        if not channels:
            return None  # full: a batch of attempts recorded wakes the loop
        return await claims.next_due(
            self._pool, batch=self._batch, channels=channels, held=list(self._claims)
        )

    # one attempt

    def _begin(self, job: Job) -> None:
        self._claimed[job.channel] += 1
        sid = job.subscription_id
        self._per_subscriber[sid] = self._per_subscriber.get(sid, 0) + 1
        if sid not in self._subscriber_slots:
            limit = self.runtime.policy.concurrency_per_subscriber
            self._subscriber_slots[sid] = asyncio.Semaphore(limit)
        self._waiting[job.id] = job
        task = asyncio.create_task(self._attempt(job), name=f"notify-wait-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _attempt(self, job: Job) -> None:
        ended = None
        try:
            async with (
                self._subscriber_slots[job.subscription_id],
                self._channel_slots[job.channel],
            ):
                del self._waiting[job.id]
                if (task := asyncio.current_task()) is not None:
                    task.set_name(f"notify-deliver-{job.id}")  # begun: stop() lets it finish
                attempt = await self._beginnings.begin(job, self._lease_s(job.channel))
                if attempt is None:
                    return  # its claim was taken over while it waited: not ours to send
                ended = await self._attempt_now(job, attempt)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            log.warning(
                "dispatcher: delivery %s failed (%s: %s); it is tried again when its lease expires",
                job.id,
                type(e).__name__,
                e,
                # the database gone (its beginning not written, so nothing was sent): no trace
                exc_info=not is_connection_error(e),
            )
        finally:
            self._waiting.pop(job.id, None)
            if ended is not None:
                self._recorder.put(ended)
            else:
                self._settled([job])

    async def _attempt_now(self, job: Job, attempt: int) -> Ended:
        sid = job.subscription_id
        n = self._sending.get(sid, 0) + 1
        self._sending[sid] = n
        peaks = self.stats.max_in_flight
        peaks[sid] = max(peaks.get(sid, 0), n)
        try:
            assert self._client is not None, "not started"
            return await sending.attempt(job, attempt, self.runtime, self._client)
        finally:
            n = self._sending[sid] - 1
            if n:
                self._sending[sid] = n
            else:
                del self._sending[sid]

    def _recorded(self, batch: list[Ended]) -> None:
        # Wake the loop only if this batch frees what held claims back (a subscriber's batch,
        # a channel's room) or schedules a retry (whose due time the next round reads): after
        # deliveries that simply went out there is nothing new to claim, and an empty claim is
        # four statements.
        room = self.runtime.settings.dispatch_max_claimed
        wake = any(
            not e.outcome.ok
            or self._per_subscriber.get(e.job.subscription_id, 0) >= self._batch
            or self._claimed[e.job.channel] >= room
            for e in batch
        )
        self._settled([e.job for e in batch])
        if wake:
            self._wake.set()

    def _settled(self, jobs: list[Job]) -> None:
        """Claimed deliveries that left this dispatcher's hands (recorded, or not sent)."""
        for job in jobs:
            self._claimed[job.channel] -= 1
            sid = job.subscription_id
            n = self._per_subscriber[sid] - 1
            if n:
                self._per_subscriber[sid] = n
            else:
                del self._per_subscriber[sid]
                del self._subscriber_slots[sid]
            n = self._claims[job.claim] - 1
            if n:
                self._claims[job.claim] = n
            else:
                del self._claims[job.claim]

    # wake-ups from other transactions and processes

    async def _listen(self) -> None:
        failures = 0
        while True:
            con = None
            try:
                con = await asyncpg.connect(self._dsn)
                await con.add_listener(WAKE_CHANNEL, self._on_notify)
                failures = 0
                self._wake.set()  # whatever was announced while we were not listening
                while True:
                    await asyncio.sleep(10)
                    await deliveries.ping(con)  # notices a connection that died
            except asyncio.CancelledError:
                raise
            except Exception as e:
                failures += 1
                delay = min(30.0, 0.5 * 2 ** min(failures, 6))
                log.info("dispatcher: LISTEN connection lost (%s); polling meanwhile", e)
                await asyncio.sleep(delay)
            finally:
                if con is not None:
                    with contextlib.suppress(Exception):
                        async with asyncio.timeout(2):
                            await con.close()

    def _on_notify(self, *_: Any) -> None:
        self._wake.set()
