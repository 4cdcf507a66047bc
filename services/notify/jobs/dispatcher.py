"""Stage two: the dispatcher sends the deliveries stage one committed, and records every attempt.

The loop

1. **Claim** due deliveries in one statement, per channel, up to `dispatch_claim_batch` per
   subscriber and `dispatch_max_claimed` in all for this process. A subscriber's leases
   (`claimed_until`) are held by one dispatcher at a time: a claim skips subscribers whose live
   leases belong to another dispatcher's claims, so the per-subscriber limit below holds over
   all processes. Claims are serialised by a transaction advisory lock and take their rows
   `FOR UPDATE SKIP LOCKED`; the rows of a subscriber take turns with the other subscribers'
   (round robin by rank), and a suspended subscriber's wait. The lease is one attempt's
   timeout plus `dispatch_lease_margin_s`: after a crash, what this dispatcher held is
   claimable again that soon. A claim never takes again what this dispatcher still holds,
   whether or not its lease ran out while it waited for a slot.
2. **Begin and send** each claimed delivery in a task of its own, at most
   `concurrency_per_subscriber` at once per subscriber and `dispatch_max_in_flight` (webhooks)
   or `smtp_concurrency` (emails) at once in all, within the attempt's timeout: a slow or dead
   subscriber occupies its own few slots only and never the others' (no head-of-line blocking
   across subscribers). Before the request goes out the attempt is written down and the lease
   renewed for it (`recorder.Beginnings`); a delivery whose claim was taken over meanwhile is
   not sent. Webhook targets are checked again (`ssrf.check_url`) and the connection goes to
   the address that passed.
3. **Record** the ended attempts in batches (`recorder.py`), one transaction per batch: attempt
   rows, next states (delivered / retry after backoff with jitter / parked), subscriber health
   (suspension) and outcome events through the outbox.
4. **Wait** for a NOTIFY on `notify_deliveries` (new deliveries, redeliveries, resumptions), a
   batch of attempts recorded that frees a subscriber's or a channel's room or schedules a
   retry, or the next delivery coming due, with `dispatch_poll_interval_s` as fallback. A claim
   that filled all its room is followed by another at once; any other claim is not (what was
   announced meanwhile has woken the loop already): at low rates each delivery costs one claim,
   not three.

What can repeat: a send whose outcome was not recorded (notify or its database died meanwhile)
is sent again once its lease runs out; the delivery then shows the first attempt as interrupted
(outcome unknown) and the re-send as the next one. Receivers deduplicate on the event id
(`ce-id`, also sent as `Idempotency-Key`, the same on every attempt and redelivery); an email
repeats with the same `Message-ID` (event id and address). docs/webhooks.md states the
guarantee.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any
from uuid import UUID, uuid4

import aiohttp
import asyncpg
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from schemas.envelope import Envelope
from schemas.events import by_type
from servicekit import outbox
from servicekit.db import advisory_key, is_connection_error
from services.notify.adapters import webhook
from services.notify.adapters.email import send_email
from services.notify.adapters.targets import check_url
from services.notify.domain import delivery as dm
from services.notify.domain.ssrf import UnsafeUrl
from services.notify.jobs.recorder import Beginnings, Ended, Recorder
from services.notify.runtime import WAKE_CHANNEL, NotifyRuntime

log = logging.getLogger("notify.dispatcher")
tracer = trace.get_tracer("notify.dispatcher")

CHANNELS = ("webhook", "email")
_CLAIM_LOCK = advisory_key("notify.dispatcher.claim")

# $6: this dispatcher's claims. A subscriber with live leases of other claims is skipped; what
# this dispatcher holds counts against its batch, and is not claimed again, even when its lease
# ran out while it waited for a slot (its beginning renews the lease, or finds it taken over).
# Returns each claimed delivery with its event and its subscription (webhook; NULLs if gone) or
# its contact's address (email): what sending needs, in the claim's round trip.
_CLAIM = """
WITH live AS (
    SELECT subscription_id,
           count(*) FILTER (WHERE claim = ANY($6::uuid[])) AS mine,
           count(*) FILTER (WHERE claim <> ALL($6::uuid[]) AND claimed_until > now()) AS others
    FROM deliveries
    WHERE status = 'pending' AND claimed_until IS NOT NULL
      AND (claimed_until > now() OR claim = ANY($6::uuid[]))
    GROUP BY subscription_id
), ranked AS (
    SELECT d.id, d.subscription_id, d.next_attempt_at,
           row_number() OVER (PARTITION BY d.subscription_id
                              ORDER BY d.next_attempt_at, d.seq) AS rn
    FROM deliveries d
    LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.id = d.subscription_id
    WHERE d.status = 'pending' AND d.channel = $1
      AND d.next_attempt_at <= now()
      AND (d.claimed_until IS NULL OR d.claimed_until <= now())
      AND (d.claim = ANY($6::uuid[])) IS NOT TRUE
      AND s.suspended_at IS NULL
), eligible AS (
    SELECT r.id FROM ranked r LEFT JOIN live l USING (subscription_id)
    WHERE coalesce(l.others, 0) = 0 AND r.rn <= $2 - coalesce(l.mine, 0)
    ORDER BY r.rn, r.next_attempt_at
    LIMIT $3
), locked AS (
    SELECT d.id FROM deliveries d
    WHERE d.id IN (SELECT id FROM eligible)
      AND d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until <= now())
      AND (d.claim = ANY($6::uuid[])) IS NOT TRUE
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE deliveries d SET claim = $4, claimed_until = now() + make_interval(secs => $5)
    FROM locked WHERE d.id = locked.id
    RETURNING d.id, d.event_id, d.channel, d.subscription_id, d.subject AS mail_subject,
              d.text_body, d.html_body, d.trace, d.attempts
)
SELECT c.*, e.type, e.source, e.subject, e.time, e.dataschema, e.payload,
       s.id AS s_id, s.url, s.secret, s.previous_secret, s.previous_secret_until,
       s.deleted_at, now() AS now, ct.email
FROM claimed c
JOIN notify_events e ON e.event_id = c.event_id
LEFT JOIN webhook_subscriptions s ON c.channel = 'webhook' AND s.id = c.subscription_id
LEFT JOIN contacts ct ON c.channel = 'email' AND ct.id = c.subscription_id
"""

# Seconds until the next delivery this process could claim comes due (negative: already due),
# leaving out subscribers another dispatcher holds, those this one holds a full batch of, and
# suspended ones.
_NEXT_DUE = """
WITH busy AS (
    SELECT subscription_id FROM deliveries
    WHERE status = 'pending' AND claimed_until IS NOT NULL
      AND (claimed_until > now() OR claim = ANY($3::uuid[]))
    GROUP BY subscription_id
    HAVING count(*) FILTER (WHERE claim <> ALL($3::uuid[]) AND claimed_until > now()) > 0
        OR count(*) FILTER (WHERE claim = ANY($3::uuid[])) >= $1
)
SELECT EXTRACT(EPOCH FROM min(d.next_attempt_at) - now())::float8
FROM deliveries d
LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.id = d.subscription_id
WHERE d.status = 'pending' AND d.channel = ANY($2::text[])
  AND (d.claimed_until IS NULL OR d.claimed_until <= now())
  AND (d.claim = ANY($3::uuid[])) IS NOT TRUE
  AND s.suspended_at IS NULL
  AND d.subscription_id NOT IN (SELECT subscription_id FROM busy)
"""


@dataclass(frozen=True)
class Job:
    id: UUID
    claim: UUID
    channel: str
    subscription_id: UUID
    envelope: Envelope
    trace: dict[str, str]
    subject: str | None
    text: str | None
    html: str | None
    subscription: Mapping[str, Any] | None = None
    """Webhook: the subscription's id, url, secrets, deleted_at and the database's now (None if
    the row is gone)."""
    email: str | None = None
    """Email: the recipient's current address (None if they removed it)."""


@dataclass
class DispatchStats:
    claimed: int = 0
    attempts: int = 0
    delivered: int = 0
    retried: int = 0
    parked: int = 0
    late: int = 0
    suspended: int = 0
    max_in_flight: dict[UUID, int] | None = None


def envelope_of(row: asyncpg.Record) -> Envelope:
    cls = by_type(row["type"])
    return Envelope(
        id=row["event_id"],
        source=row["source"],
        type=row["type"],
        time=row["time"],
        subject=row["subject"],
        dataschema=row["dataschema"],
        data=cls.from_json(row["payload"]),
    )


# What sending a webhook reads of its subscription (`Job.subscription`, with "id").
_SUBSCRIPTION_FIELDS = (
    "url", "secret", "previous_secret", "previous_secret_until", "deleted_at", "now",
)  # fmt: skip


def _job(row: asyncpg.Record, claim: UUID) -> Job:
    """A claimed delivery as `_CLAIM` returns it."""
    subscription = None
    if row["s_id"] is not None:
        subscription = {"id": row["s_id"]} | {k: row[k] for k in _SUBSCRIPTION_FIELDS}
    return Job(
        id=row["id"],
        claim=claim,
        channel=row["channel"],
        subscription_id=row["subscription_id"],
        envelope=envelope_of(row),
        trace=_json(row["trace"]),
        subject=row["mail_subject"],
        text=row["text_body"],
        html=row["html_body"],
        subscription=subscription,
        email=row["email"],
    )


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
        self._dsn = runtime.settings.database_url
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
        self.stats = DispatchStats(max_in_flight={})
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
            async with asyncio.timeout(2), self._pool.acquire() as con:
                await con.execute(
                    "UPDATE deliveries SET claim = NULL, claimed_until = NULL"
                    " WHERE id = ANY($1::uuid[]) AND claim = ANY($2::uuid[])"
                    " AND status = 'pending'",
                    [j.id for j in jobs],
                    list({j.claim for j in jobs}),
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
        # One attempt's: what waits for a slot stays this dispatcher's (see _CLAIM) and each
        # beginning renews its lease, so a crash leaves nothing unclaimable for longer.
        return self._timeout_s(channel) + self.runtime.settings.dispatch_lease_margin_s

    @property
    def _batch(self) -> int:
        s = self.runtime.settings
        return max(s.dispatch_claim_batch, self.runtime.policy.concurrency_per_subscriber)

    def _timeout_s(self, channel: str) -> float:
        timeout = self.runtime.policy.timeout_s
        if channel == "email" and self.runtime.smtp is not None:
            timeout = max(timeout, self.runtime.smtp.timeout)
        return timeout

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
        lease_s = self._lease_s(channel)
        async with self._pool.acquire() as con, con.transaction():
            await con.execute("SELECT pg_advisory_xact_lock($1)", _CLAIM_LOCK)
            rows = await con.fetch(
                _CLAIM, channel, self._batch, room, claim, lease_s, list(self._claims)
            )
        if not rows:
            return 0
        self.stats.claimed += len(rows)
        self._claims[claim] = len(rows)
        for row in rows:
            self._begin(_job(row, claim))
        return len(rows)

    async def _next_due(self) -> float | None:
        channels = [c for c, _ in self._channels_with_room()]
        if not channels:
            return None  # full: a batch of attempts recorded wakes the loop
        async with self._pool.acquire() as con:
            return await con.fetchval(_NEXT_DUE, self._batch, channels, list(self._claims))

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
                asyncio.current_task().set_name(f"notify-deliver-{job.id}")  # type: ignore[union-attr]
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
        assert peaks is not None
        peaks[sid] = max(peaks.get(sid, 0), n)
        try:
            parent = propagate.extract(job.trace)
            with tracer.start_as_current_span(
                f"deliver {job.channel}",
                context=parent,
                kind=SpanKind.CLIENT if job.channel == "webhook" else SpanKind.INTERNAL,
                attributes={
                    "notify.delivery_id": str(job.id),
                    "notify.channel": job.channel,
                    "notify.subscription_id": str(sid),
                    "messaging.message.id": str(job.envelope.id),
                    "cloudevents.event_type": job.envelope.type,
                },
            ) as span:
                outcome = await self._send(job)
                if outcome.status is not None:
                    span.set_attribute("notify.status", outcome.status)
                if not outcome.ok:
                    span.set_status(Status(StatusCode.ERROR, outcome.error))
                return Ended(job, attempt, outcome, outbox.current_trace_context())
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

    async def _send(self, job: Job) -> dm.Outcome:
        if job.channel == "webhook":
            return await self._send_webhook(job)
        return await self._send_email(job)

    async def _send_webhook(self, job: Job) -> dm.Outcome:
        sub = job.subscription
        if sub is None or sub["deleted_at"] is not None:
            return dm.Outcome(None, "the subscription was deleted", 0.0, retryable=False)
        rt = self.runtime
        started = time.perf_counter()
        try:
            target = await check_url(sub["url"], rt.targets, rt.resolver)
        except UnsafeUrl as e:
            # The message names hosts and addresses: it stays in the log.
            log.warning("dispatcher: subscription %s target refused: %s", sub["id"], e)
            if e.reason == "resolution":
                return dm.Outcome(None, "the target host does not resolve", _since(started))
            return dm.Outcome(
                None, "the target is not allowed (SSRF policy)", _since(started), retryable=False
            )
        secret = rt.secrets.open(sub["secret"], sub["id"])
        previous = None
        if sub["previous_secret"] is not None and sub["previous_secret_until"] > sub["now"]:
            previous = rt.secrets.open(sub["previous_secret"], sub["id"])
        # The receiver's span continues this one: pass our context on, not the producer's.
        carrier = outbox.current_trace_context() or job.envelope.trace
        envelope = replace(job.envelope, trace=carrier)
        request = webhook.build_request(envelope, secret, delivery_id=job.id)
        if previous is not None:
            t = request.headers[webhook.SIGNATURE_HEADER].split(",", 1)[0].removeprefix("t=")
            old = webhook.sign(previous, int(t), request.body).split(",", 1)[1]
            headers = dict(request.headers)
            headers[webhook.SIGNATURE_HEADER] += f",{old}"
            request = replace(request, headers=headers)
        connect_to = target.addresses[0] if rt.targets.production and target.addresses else None
        assert self._client is not None, "not started"
        return await webhook.send(
            self._client, target.url, request, rt.policy.timeout_s, connect_to=connect_to
        )

    async def _send_email(self, job: Job) -> dm.Outcome:
        smtp = self.runtime.smtp
        if smtp is None:
            return dm.Outcome(None, "email is not configured", 0.0)
        if job.email is None:
            return dm.Outcome(
                None, "the recipient no longer has an email address", 0.0, retryable=False
            )
        assert job.subject is not None and job.text is not None and job.html is not None
        timeout = self._timeout_s("email")
        started = time.perf_counter()
        try:
            async with asyncio.timeout(timeout):
                return await send_email(
                    smtp, job.email, job.subject, job.text, job.html, event_id=job.envelope.id
                )
        except TimeoutError:
            return dm.Outcome(None, f"timed out after {timeout:g} s", _since(started))

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
                    await con.fetchval("SELECT 1")  # notices a connection that died
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


def _json(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value or {})


def _since(started: float) -> float:
    return time.perf_counter() - started
