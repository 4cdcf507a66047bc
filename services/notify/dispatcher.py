"""Stage two: the dispatcher sends the deliveries stage one committed, and records every attempt.

The loop

1. **Claim** due deliveries, per channel, as many as this process has room for (webhooks:
   `dispatch_max_in_flight`; emails: `smtp_concurrency`), and per subscriber no more than
   `concurrency_per_subscriber` in flight *over all dispatchers* (a claim is a lease,
   `claimed_until`, counted by every claimer). Claims are serialised by a transaction advisory
   lock and take their rows `FOR UPDATE SKIP LOCKED`; the rows of a subscriber take turns with
   the other subscribers' (round robin by rank), and a suspended subscriber's wait.
2. **Send** each claimed delivery in a task of its own, within the attempt's timeout: a slow or
   dead subscriber occupies its own few slots only and never the others' (no head-of-line
   blocking across subscribers). Webhook targets are checked again (`ssrf.check_url`) and the
   connection goes to the address that passed.
3. **Record** the attempt in one transaction: the attempt row, the delivery's next state
   (`domain.delivery.after_attempt`: delivered, retry at now + backoff with jitter, or parked),
   the subscriber's health (`after_subscriber_attempt`: suspended at the threshold, its owner
   told through its inbox) and, for a final outcome, NotificationDelivered or NotificationFailed
   through the outbox.
4. **Wait** for a NOTIFY on `notify_deliveries` (new deliveries, redeliveries, resumptions), an
   attempt ending, or the next delivery coming due, with `dispatch_poll_interval_s` as fallback.

What can repeat: a send that succeeded but whose recording did not commit (crash, database
gone) is sent again when its lease expires. Receivers deduplicate on the `Idempotency-Key`
header (the event id, the same on every attempt and redelivery); an email repeats with the same
`Message-ID` (event id and address), which mail clients and operators recognise.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import time
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg
import httpx
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode
from prometheus_client import Counter

from schemas.envelope import Envelope
from schemas.events import by_type
from schemas.notify import NotificationDelivered, NotificationFailed
from servicekit import outbox
from servicekit.db import advisory_key, is_connection_error
from servicekit.unit_of_work import UnitOfWork
from services.notify import notices, webhook
from services.notify.domain import delivery as dm
from services.notify.domain.ssrf import UnsafeUrl, check_url
from services.notify.email import send_email
from services.notify.runtime import SOURCE, WAKE_CHANNEL, NotifyRuntime

log = logging.getLogger("notify.dispatcher")
tracer = trace.get_tracer("notify.dispatcher")

ATTEMPTS = Counter(
    "thidua_notify_attempts", "Delivery attempts, by channel and result", ["channel", "result"]
)
CHANNELS = ("webhook", "email")
_CLAIM_LOCK = advisory_key("notify.dispatcher.claim")

_CLAIM = """
WITH inflight AS (
    SELECT subscription_id, count(*) AS n FROM deliveries
    WHERE status = 'pending' AND claimed_until > now()
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
      AND s.suspended_at IS NULL
), eligible AS (
    SELECT r.id FROM ranked r LEFT JOIN inflight i USING (subscription_id)
    WHERE r.rn <= $2 - coalesce(i.n, 0)
    ORDER BY r.rn, r.next_attempt_at
    LIMIT $3
), locked AS (
    SELECT d.id FROM deliveries d
    WHERE d.id IN (SELECT id FROM eligible)
      AND d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until <= now())
    FOR UPDATE SKIP LOCKED
)
UPDATE deliveries d SET claim = $4, claimed_until = now() + make_interval(secs => $5)
FROM locked WHERE d.id = locked.id
RETURNING d.id, d.event_id, d.channel, d.subscription_id, d.subject, d.text_body, d.html_body,
          d.trace, d.attempts
"""

# Seconds until the next delivery this process could claim comes due (negative: already due),
# leaving out subscribers at their concurrency limit and suspended ones.
_NEXT_DUE = """
WITH busy AS (
    SELECT subscription_id FROM deliveries
    WHERE status = 'pending' AND claimed_until > now()
    GROUP BY subscription_id HAVING count(*) >= $1
)
SELECT EXTRACT(EPOCH FROM min(d.next_attempt_at) - now())::float8
FROM deliveries d
LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.id = d.subscription_id
WHERE d.status = 'pending' AND d.channel = ANY($2::text[])
  AND (d.claimed_until IS NULL OR d.claimed_until <= now())
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
    subscription: asyncpg.Record | None = None
    """Webhook: the subscription row (None if gone)."""
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


class Dispatcher:
    def __init__(
        self,
        pool: asyncpg.Pool,
        runtime: NotifyRuntime,
        *,
        client: httpx.AsyncClient | None = None,
        stop_grace_s: float = 5.0,
    ) -> None:
        self.runtime = runtime
        self._pool = pool
        self._dsn = runtime.settings.database_url
        self._client = client
        self._own_client = client is None
        self._stop_grace_s = stop_grace_s
        self._wake = asyncio.Event()
        self._in_flight = dict.fromkeys(CHANNELS, 0)
        self._per_subscriber: dict[UUID, int] = {}
        self._tasks: set[asyncio.Task] = set()
        self._runner: asyncio.Task | None = None
        self._stopping = False
        self._listener: asyncio.Task | None = None
        self.stats = DispatchStats(max_in_flight={})

    # lifecycle

    async def start(self) -> None:
        if self._runner is not None:
            return
        self._stopping = False
        if self._client is None:
            room = self.runtime.settings.dispatch_max_in_flight
            # No proxy from the environment: it would stand between notify and the subscriber
            # and undo the address pinning of the SSRF guard.
            self._client = httpx.AsyncClient(
                trust_env=False,
                limits=httpx.Limits(max_connections=room + 8, max_keepalive_connections=room),
            )
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
        if self._tasks:
            # Attempts under way may finish and be recorded; the rest are cancelled and their
            # leases expire, so another dispatcher (or this one, restarted) tries again.
            _, pending = await asyncio.wait(set(self._tasks), timeout=self._stop_grace_s)
            for task in pending:
                task.cancel()
            await asyncio.gather(*pending, return_exceptions=True)
        if self._own_client and self._client is not None:
            await self._client.aclose()
            self._client = None

    def wake(self) -> None:
        self._wake.set()

    @property
    def in_flight(self) -> int:
        return sum(self._in_flight.values())

    # the loop

    async def _run(self) -> None:
        failures = 0
        due_now_without_claim = False
        poll = self.runtime.settings.dispatch_poll_interval_s
        while not self._stopping:
            self._wake.clear()
            try:
                claimed = await self._claim_all()
                failures = 0
                if claimed:
                    due_now_without_claim = False
                    continue
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
        s = self.runtime.settings
        out = []
        room = s.dispatch_max_in_flight - self._in_flight["webhook"]
        if room > 0:
            out.append(("webhook", room))
        if self.runtime.smtp is not None:
            room = s.smtp_concurrency - self._in_flight["email"]
            if room > 0:
                out.append(("email", room))
        return out

    def _lease_s(self, channel: str) -> float:
        return self._timeout_s(channel) + self.runtime.settings.dispatch_lease_margin_s

    def _timeout_s(self, channel: str) -> float:
        timeout = self.runtime.policy.timeout_s
        if channel == "email" and self.runtime.smtp is not None:
            timeout = max(timeout, self.runtime.smtp.timeout)
        return timeout

    async def _claim_all(self) -> int:
        total = 0
        for channel, room in self._channels_with_room():
            total += await self._claim(channel, room)
        return total

    async def _claim(self, channel: str, room: int) -> int:
        claim = uuid4()
        per_subscriber = self.runtime.policy.concurrency_per_subscriber
        async with self._pool.acquire() as con:
            async with con.transaction():
                await con.execute("SELECT pg_advisory_xact_lock($1)", _CLAIM_LOCK)
                rows = await con.fetch(
                    _CLAIM, channel, per_subscriber, room, claim, self._lease_s(channel)
                )
            if not rows:
                return 0
            jobs = await self._jobs(con, channel, claim, rows)
        self.stats.claimed += len(jobs)
        for job in jobs:
            self._begin(job)
        return len(jobs)

    async def _jobs(
        self, con: asyncpg.Connection, channel: str, claim: UUID, rows: list[asyncpg.Record]
    ) -> list[Job]:
        events = {
            r["event_id"]: envelope_of(r)
            for r in await con.fetch(
                "SELECT * FROM notify_events WHERE event_id = ANY($1::uuid[])",
                list({r["event_id"] for r in rows}),
            )
        }
        subscription_ids = list({r["subscription_id"] for r in rows})
        subscriptions: dict[UUID, asyncpg.Record] = {}
        emails: dict[UUID, str] = {}
        if channel == "webhook":
            subscriptions = {
                s["id"]: s
                for s in await con.fetch(
                    "SELECT id, client_id, url, secret, previous_secret, previous_secret_until,"
                    " deleted_at, now() AS now FROM webhook_subscriptions"
                    " WHERE id = ANY($1::uuid[])",
                    subscription_ids,
                )
            }
        else:
            emails = {
                c["id"]: c["email"]
                for c in await con.fetch(
                    "SELECT id, email FROM contacts WHERE id = ANY($1::uuid[])", subscription_ids
                )
            }
        return [
            Job(
                id=r["id"],
                claim=claim,
                channel=channel,
                subscription_id=r["subscription_id"],
                envelope=events[r["event_id"]],
                trace=_json(r["trace"]),
                subject=r["subject"],
                text=r["text_body"],
                html=r["html_body"],
                subscription=subscriptions.get(r["subscription_id"]),
                email=emails.get(r["subscription_id"]),
            )
            for r in rows
        ]

    async def _next_due(self) -> float | None:
        channels = [c for c, _ in self._channels_with_room()]
        if not channels:
            return None  # full: an attempt ending wakes the loop
        per_subscriber = self.runtime.policy.concurrency_per_subscriber
        async with self._pool.acquire() as con:
            return await con.fetchval(_NEXT_DUE, per_subscriber, channels)

    # one attempt

    def _begin(self, job: Job) -> None:
        self._in_flight[job.channel] += 1
        n = self._per_subscriber.get(job.subscription_id, 0) + 1
        self._per_subscriber[job.subscription_id] = n
        peaks = self.stats.max_in_flight
        assert peaks is not None
        peaks[job.subscription_id] = max(peaks.get(job.subscription_id, 0), n)
        task = asyncio.create_task(self._attempt(job), name=f"notify-deliver-{job.id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _attempt(self, job: Job) -> None:
        try:
            parent = propagate.extract(job.trace)
            with tracer.start_as_current_span(
                f"deliver {job.channel}",
                context=parent,
                kind=SpanKind.CLIENT if job.channel == "webhook" else SpanKind.INTERNAL,
                attributes={
                    "notify.delivery_id": str(job.id),
                    "notify.channel": job.channel,
                    "notify.subscription_id": str(job.subscription_id),
                    "messaging.message.id": str(job.envelope.id),
                    "cloudevents.event_type": job.envelope.type,
                },
            ) as span:
                started = datetime.now(UTC)
                outcome = await self._send(job)
                if outcome.status is not None:
                    span.set_attribute("notify.status", outcome.status)
                if not outcome.ok:
                    span.set_status(Status(StatusCode.ERROR, outcome.error))
                await self._record(job, outcome, started)
        except asyncio.CancelledError:
            raise
        except Exception as e:
            # Not recorded: the lease expires and the delivery is tried again then.
            log.warning(
                "dispatcher: delivery %s not recorded (%s: %s); it is tried again when its "
                "lease expires",
                job.id,
                type(e).__name__,
                e,
                exc_info=not is_connection_error(e),
            )
        finally:
            self._in_flight[job.channel] -= 1
            n = self._per_subscriber.get(job.subscription_id, 1) - 1
            if n:
                self._per_subscriber[job.subscription_id] = n
            else:
                self._per_subscriber.pop(job.subscription_id, None)
            self._wake.set()

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

    async def _record(self, job: Job, outcome: dm.Outcome, started: datetime) -> None:
        policy = self.runtime.policy
        async with UnitOfWork(self._pool, source=SOURCE) as uow:
            con = uow.con
            # Subscription before delivery, as every writer of both does: no deadlock.
            sub = None
            if job.channel == "webhook":
                sub = await con.fetchrow(
                    "SELECT id, client_id, consecutive_failures, suspended_at"
                    " FROM webhook_subscriptions WHERE id = $1 FOR UPDATE",
                    job.subscription_id,
                )
            row = await con.fetchrow(
                "SELECT status, next_attempt_at, attempts, round_attempts, last_status,"
                " last_error, claim, now() AS now FROM deliveries WHERE id = $1 FOR UPDATE",
                job.id,
            )
            now = row["now"]
            duration_ms = round(outcome.duration * 1000)
            if row["claim"] != job.claim or row["status"] != "pending":
                # The lease ran out (or the delivery was settled otherwise) meanwhile.
                await _insert_attempt(con, job.id, row["attempts"], started, duration_ms,
                                      outcome, "late")  # fmt: skip
                self.stats.late += 1
                ATTEMPTS.labels(job.channel, "late").inc()
                return
            before = dm.Delivery(
                dm.Status(row["status"]),
                row["next_attempt_at"],
                attempts=row["attempts"],
                round_attempts=row["round_attempts"],
                last_status=row["last_status"],
                last_error=row["last_error"],
            )
            after = dm.after_attempt(before, outcome, now, policy)
            result = {
                dm.Status.DELIVERED: "delivered",
                dm.Status.PARKED: "parked",
                dm.Status.PENDING: "retry",
            }[after.status]
            await con.execute(
                "UPDATE deliveries SET status = $2, next_attempt_at = $3, attempts = $4,"
                " round_attempts = $5, last_status = $6, last_error = $7, claim = NULL,"
                " claimed_until = NULL, updated_at = $8,"
                " delivered_at = CASE WHEN $2 = 'delivered' THEN $8 ELSE delivered_at END,"
                " parked_at = CASE WHEN $2 = 'parked' THEN $8 ELSE NULL END"
                " WHERE id = $1",
                job.id,
                after.status.value,
                after.next_attempt_at,
                after.attempts,
                after.round_attempts,
                after.last_status,
                after.last_error,
                now,
            )
            await _insert_attempt(con, job.id, after.attempts, started, duration_ms, outcome,
                                  result)  # fmt: skip
            if sub is not None:
                await self._health(con, sub, outcome, now)
            if after.status is dm.Status.DELIVERED:
                await uow.publish(
                    NotificationDelivered(
                        delivery_id=job.id,
                        subscription_id=job.subscription_id,
                        channel=job.channel,
                        event_id=job.envelope.id,
                        attempts=after.attempts,
                    )
                )
            elif after.status is dm.Status.PARKED:
                await uow.publish(
                    NotificationFailed(
                        delivery_id=job.id,
                        subscription_id=job.subscription_id,
                        channel=job.channel,
                        event_id=job.envelope.id,
                        attempts=after.attempts,
                        error=(after.last_error or "failed")[:4000],
                    )
                )
        self.stats.attempts += 1
        ATTEMPTS.labels(job.channel, result).inc()
        if result == "delivered":
            self.stats.delivered += 1
        elif result == "parked":
            self.stats.parked += 1
            log.warning(
                "dispatcher: %s delivery %s parked after %d attempts: %s",
                job.channel,
                job.id,
                after.attempts,
                after.last_error,
            )
        else:
            self.stats.retried += 1

    async def _health(
        self, con: asyncpg.Connection, sub: asyncpg.Record, outcome: dm.Outcome, now: datetime
    ) -> None:
        before = dm.Health(sub["consecutive_failures"], sub["suspended_at"])
        after = dm.after_subscriber_attempt(before, outcome, now, self.runtime.policy)
        if after == before:
            return
        await con.execute(
            "UPDATE webhook_subscriptions SET consecutive_failures = $2, suspended_at = $3,"
            " suspended_reason = CASE WHEN $4 THEN $5 ELSE suspended_reason END"
            " WHERE id = $1",
            sub["id"],
            after.consecutive_failures,
            after.suspended_at,
            after.suspended and not before.suspended,
            outcome.error,
        )
        if after.suspended and not before.suspended:
            self.stats.suspended += 1
            log.warning(
                "dispatcher: subscription %s suspended after %d consecutive failures",
                sub["id"],
                after.consecutive_failures,
            )
            await notices.subscription_suspended(
                con, sub["client_id"], sub["id"], after.consecutive_failures, outcome.error, now
            )

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


async def _insert_attempt(
    con: asyncpg.Connection,
    delivery_id: UUID,
    number: int,
    started: datetime,
    duration_ms: int,
    outcome: dm.Outcome,
    result: str,
) -> None:
    await con.execute(
        "INSERT INTO delivery_attempts (delivery_id, number, started_at, duration_ms, status,"
        " error, result) VALUES ($1, $2, $3, $4, $5, $6, $7)",
        delivery_id,
        number,
        started,
        duration_ms,
        outcome.status,
        outcome.error,
        result,
    )


def _json(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value or {})


def _since(started: float) -> float:
    return time.perf_counter() - started
