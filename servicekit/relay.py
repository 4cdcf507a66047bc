"""The outbox relay: publishes a service's committed outbox rows to Kafka, then deletes them.

One relay per service is active (a session advisory lock elects it; the others stand by); it
publishes in `seq` order, at least once, keeping per-key order. How and what is guaranteed:
docs/architecture.md, "The relay".
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import random
import signal
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypedDict, Unpack

import asyncpg
from aiokafka import AIOKafkaProducer
from opentelemetry import propagate, trace
from opentelemetry.trace import SpanKind, Status, StatusCode

from servicekit.db import advisory_key, is_connection_error
from servicekit.kafka_security import client_options
from servicekit.outbox import OutboxRow

log = logging.getLogger("servicekit.relay")
tracer = trace.get_tracer("servicekit.relay")

RELAY_LOCK_KEY = advisory_key("thidua.outbox.relay")

_CLAIM = """
SELECT seq, id, aggregatetype, aggregateid, type, payload, headers
FROM outbox
ORDER BY seq
LIMIT $1
"""
_DELETE = "DELETE FROM outbox WHERE seq = ANY($1::bigint[])"

# Test and diagnostics hook: awaited at stages "claimed" (read), "acked" (every send of the batch
# was acknowledged, nothing deleted yet) and "deleted".
RelayHook = Callable[[str, Sequence[OutboxRow]], Awaitable[None]]


def build_producer(bootstrap_servers: str, **options: object) -> AIOKafkaProducer:
    """The producer the relay needs: idempotent, every in-sync replica acknowledges."""
    # linger 0: each event leaves at once (a 5 ms linger was a third of the report-to-webhook
    # time at low rates); the rows of a batch read at once still go out in few requests, since they
    # are queued one after the other while the first is in flight
    settings: dict[str, object] = {"linger_ms": 0, "client_id": "thidua-relay"}
    settings.update(client_options())
    settings.update(options)
    settings.update(acks="all", enable_idempotence=True)
    return AIOKafkaProducer(bootstrap_servers=bootstrap_servers, **settings)


class Relay:
    """Publishes the outbox of the database at `dsn`. See docs/architecture.md, "The relay".

    Pass `bootstrap_servers` (the relay makes and owns its producer) or a started `producer`
    created with `acks="all"` and `enable_idempotence=True`."""

    def __init__(
        self,
        dsn: str,
        *,
        bootstrap_servers: str | None = None,
        producer: AIOKafkaProducer | None = None,
        batch_size: int = 500,
        poll_interval: float = 1.0,
        standby_interval: float = 2.0,
        backoff_initial: float = 0.2,
        backoff_max: float = 30.0,
        lock_key: int = RELAY_LOCK_KEY,
        hook: RelayHook | None = None,
    ) -> None:
        if (bootstrap_servers is None) == (producer is None):
            raise ValueError("give either bootstrap_servers or producer")
        self.dsn = dsn
        self._bootstrap = bootstrap_servers
        self._producer = producer
        self._own_producer = producer is None
        self.batch_size = batch_size
        self.poll_interval = poll_interval
        self.standby_interval = standby_interval
        self.backoff_initial = backoff_initial
        self.backoff_max = backoff_max
        self.lock_key = lock_key
        self._hook = hook
        self._task: asyncio.Task[None] | None = None
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self.is_active = False
        """True while this relay holds the lock and publishes."""
        self.published = 0
        """Rows published and deleted since start."""
        self.failures = 0
        """Consecutive failed attempts (0 after a success)."""

    # lifecycle

    def start(self) -> asyncio.Task[None]:
        """Run in the background (an asyncio task of the current loop)."""
        if self._task is None or self._task.done():
            self._stopping.clear()
            self._task = asyncio.create_task(self.run(), name="outbox-relay")
        return self._task

    async def stop(self, grace_s: float = 5.0) -> None:
        """Finish the batch being published (within `grace_s`), then stop."""
        task, self._task = self._task, None
        if task is None:
            return
        self._stopping.set()
        self._wake.set()
        _, late = await asyncio.wait({task}, timeout=grace_s)
        if late:
            log.warning("outbox relay: the batch in hand took more than %.1fs; cancelled", grace_s)
            task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task

    async def run(self) -> None:
        """Run until stopped: stand by for the lock, then publish; reconnect after failures."""
        try:
            while not self._stopping.is_set():
                try:
                    await self._session()
                except asyncio.CancelledError:
                    raise
                except Exception as e:
                    self.failures += 1
                    delay = self._backoff()
                    log.warning(
                        "outbox relay failed (%s: %s); retrying in %.1fs",
                        type(e).__name__,
                        e,
                        delay,
                        exc_info=not is_connection_error(e),
                    )
                    await self._pause(delay)
        finally:
            self.is_active = False
            await self._drop_producer()

    def wake(self) -> None:
        """Look at the outbox now rather than at the next notification or poll."""
        self._wake.set()

    # internals

    async def _pause(self, seconds: float) -> None:
        """Sleep, but not past a stop."""
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(seconds):
                await self._stopping.wait()

    def _backoff(self) -> float:
        delay = min(self.backoff_max, self.backoff_initial * 2 ** max(0, self.failures - 1))
        return delay * random.uniform(0.8, 1.2)

    async def _ensure_producer(self) -> AIOKafkaProducer:
        if self._producer is None:
            assert self._bootstrap is not None
            producer = build_producer(self._bootstrap)
            try:
                await producer.start()
            except BaseException:
                with contextlib.suppress(Exception):
                    await producer.stop()
                raise
            self._producer = producer
        return self._producer

    async def _session(self) -> None:
        """One database session: wait for the lock, then publish. Broker failures are retried
        within the session (the lock is kept); a database failure ends it."""
        con = await asyncpg.connect(self.dsn)
        try:
            # standby: polling the lock is the point here, nothing could signal us
            while not await con.fetchval("SELECT pg_try_advisory_lock($1)", self.lock_key):
                if self._stopping.is_set():
                    return
                await self._pause(self.standby_interval)
            self.is_active = True
            log.info("outbox relay active")
            await con.add_listener("outbox", self._on_notify)
            while not self._stopping.is_set():
                self._wake.clear()
                try:
                    producer = await self._ensure_producer()
                    count = await self._publish_batch(con, producer)
                except asyncio.CancelledError:
                    raise
                except Exception as e:
                    if con.is_closed() or is_connection_error(e):
                        raise
                    self.failures += 1
                    delay = self._backoff()
                    log.warning(
                        "outbox relay could not publish (%s: %s); retrying in %.1fs",
                        type(e).__name__,
                        e,
                        delay,
                    )
                    await self._drop_producer()  # a fresh idempotent producer for the retry
                    await self._pause(delay)
                    continue
                self.failures = 0
                if count >= self.batch_size:
                    continue
                # asyncio.timeout, not wait_for: on 3.11 wait_for can swallow a cancel() that
                # arrives as the event is set, and stop() would then hang
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(self.poll_interval):
                        await self._wake.wait()
        finally:
            self.is_active = False
            # closing the session releases the advisory lock
            try:
                await asyncio.wait_for(con.close(), 5)
            except BaseException:
                con.terminate()
                raise

    async def _drop_producer(self) -> None:
        if self._own_producer and self._producer is not None:
            producer, self._producer = self._producer, None
            with contextlib.suppress(Exception):
                await producer.stop()

    def _on_notify(self, *_: object) -> None:
        self._wake.set()

    async def _publish_batch(self, con: asyncpg.Connection, producer: AIOKafkaProducer) -> int:
        """Read, send, await the acks, delete. Returns how many rows were published."""
        rows = [OutboxRow.from_record(r) for r in await con.fetch(_CLAIM, self.batch_size)]
        if not rows:
            return 0
        await self._call_hook("claimed", rows)
        acked, failure = await self._send(producer, rows)
        if acked:
            await self._call_hook("acked", acked)
            await con.execute(_DELETE, [r.seq for r in acked])
            await self._call_hook("deleted", acked)
        self.published += len(acked)
        if failure is not None:
            raise failure
        return len(acked)

    async def _send(
        self, producer: AIOKafkaProducer, rows: list[OutboxRow]
    ) -> tuple[list[OutboxRow], BaseException | None]:
        """Send every row, await every ack. Returns the acknowledged prefix (in `seq` order) and
        the first failure, if any."""
        sends: list[tuple[OutboxRow, trace.Span, asyncio.Future[Any]]] = []
        enqueue_error: BaseException | None = None
        for row in rows:
            parent = propagate.extract(row.trace_carrier)
            span = tracer.start_span(
                f"send {row.topic}",
                context=parent,
                kind=SpanKind.PRODUCER,
                attributes={
                    "messaging.system": "kafka",
                    "messaging.operation.name": "send",
                    "messaging.operation.type": "send",
                    "messaging.destination.name": row.topic,
                    "messaging.message.id": str(row.id),
                    "messaging.kafka.message.key": row.key,
                    "cloudevents.event_type": row.type,
                },
            )
            carrier: dict[str, str] = {}
            propagate.inject(carrier, context=trace.set_span_in_context(span, parent))
            try:
                headers = row.kafka_headers(carrier)
                future = await producer.send(
                    row.topic, value=row.value, key=row.key_bytes, headers=headers
                )
            except Exception as e:  # e.g. no metadata for the topic: the rest waits
                _end_span(span, e)
                enqueue_error = e
                break
            sends.append((row, span, future))

        acked: list[OutboxRow] = []
        failure: BaseException | None = None
        results = await asyncio.gather(*(f for _, _, f in sends), return_exceptions=True)
        for (row, span, _), result in zip(sends, results, strict=True):
            if isinstance(result, BaseException):
                _end_span(span, result)
                failure = failure or result
                continue
            span.set_attribute("messaging.destination.partition.id", str(result.partition))
            span.set_attribute("messaging.kafka.offset", result.offset)
            span.end()
            if failure is None:
                acked.append(row)
        return acked, failure or enqueue_error

    async def _call_hook(self, stage: str, rows: Sequence[OutboxRow]) -> None:
        if self._hook is not None:
            await self._hook(stage, rows)


def _end_span(span: trace.Span, error: BaseException) -> None:
    span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
    span.end()


# standalone


class RelayOptions(TypedDict, total=False):
    batch_size: int
    poll_interval: float
    standby_interval: float
    backoff_initial: float
    backoff_max: float
    lock_key: int


async def run_standalone(
    dsn: str,
    bootstrap_servers: str,
    *,
    hook: RelayHook | None = None,
    **options: Unpack[RelayOptions],
) -> None:
    """Run a relay in this process until SIGTERM or SIGINT."""
    relay = Relay(dsn, bootstrap_servers=bootstrap_servers, hook=hook, **options)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    task = relay.start()
    stopper = asyncio.create_task(stop.wait())
    await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
    stopper.cancel()
    await relay.stop()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Publish a service's outbox to Kafka.")
    parser.add_argument("--dsn", required=True, help="the service's database")
    parser.add_argument("--bootstrap", required=True, help="Kafka bootstrap servers")
    parser.add_argument("--batch-size", type=int, default=500)
    parser.add_argument("--poll-interval", type=float, default=1.0)
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    asyncio.run(
        run_standalone(
            args.dsn,
            args.bootstrap,
            batch_size=args.batch_size,
            poll_interval=args.poll_interval,
        )
    )


if __name__ == "__main__":
    main()
