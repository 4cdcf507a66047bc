"""Consuming events: batches from Kafka (FastStream), one transaction per batch, exact commits.

A service declares its handlers on a `Consumer` (`batch_handler(topic)`, `handler(EventType)`)
and starts it in its lifespan; handlers get the batch's unit of work and decoded envelopes, and
neither do Kafka I/O nor commit. Decoding, the inbox, retries and bisection, dead letters, the
offset commit, pipelining and stopping, and what is guaranteed: docs/architecture.md, "The
consumer".
"""

from __future__ import annotations

import asyncio
import logging
import random
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Annotated, Any

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.errors import CommitFailedError, IllegalStateError
from faststream import Context
from faststream.kafka import KafkaBroker
from faststream.middlewares import AckPolicy

from schemas.base import Event
from schemas.catalog import topic_for
from schemas.envelope import Envelope, from_message
from servicekit import consumer_kafka, dlq, inbox
from servicekit.consumer_trace import RECORDS, batch_span, continue_trace, log_applied
from servicekit.db import is_connection_error
from servicekit.kafka_security import broker_security, client_options
from servicekit.unit_of_work import UnitOfWork

__all__ = ["Consumer", "ConsumerHook", "ConsumerStats", "SystemicFailure", "continue_trace"]

log = logging.getLogger("servicekit.consumer")

BatchHandler = Callable[[UnitOfWork, list[Envelope]], Awaitable[None]]
EventHandler = Callable[[UnitOfWork, Envelope], Awaitable[None]]
KeyedByEffect = Callable[[Envelope], bool]

# Test and diagnostics hook, awaited at the stages of a batch: "batch" (received), then per
# transaction "before_db_commit" (handlers done, inside the transaction) and "after_db_commit",
# then "before_offset_commit" (dead letters acknowledged) and "after_offset_commit".
ConsumerHook = Callable[[str, Sequence[ConsumerRecord]], Awaitable[None]]

Item = tuple[ConsumerRecord, Envelope]
# FastStream injects the batch's aiokafka consumer into the handler's parameter so annotated
_KAFKA_CONSUMER = Annotated[AIOKafkaConsumer, Context("handler_.consumer")]
DeadLetter = tuple[ConsumerRecord, BaseException | str, int]
_DECODE_SLICE = 64  # records decoded between two turns of the batch being applied
_REPOLL_SECONDS = 0.01  # while a batch is applied and nothing was fetched behind it yet


class SystemicFailure(Exception):
    """So many events of one batch kept failing that the cause is more likely a bug or an outage
    than the events: the batch is read again later instead of filling the DLQ."""


@dataclass
class _Route:
    batch_handlers: list[BatchHandler] = field(default_factory=list)
    event_handlers: list[tuple[type[Event], EventHandler]] = field(default_factory=list)
    keyed_by_effect: KeyedByEffect | None = None
    """The events the topic's one handler deduplicates itself: no inbox row for them."""


@dataclass
class ConsumerStats:
    """Counters since start, for metrics and tests."""

    batches: int = 0
    applied: int = 0  # events handed to handlers and committed
    duplicates: int = 0  # events skipped because the inbox knew them
    dead_lettered: int = 0
    retries: int = 0  # failed transaction attempts
    rewinds: int = 0  # batches re-polled after an infrastructure failure
    by_topic: Counter[tuple[str, str]] = field(default_factory=Counter)  # (topic, outcome)
    committed: dict[TopicPartition, int] = field(default_factory=dict)  # last commit per partition


class Consumer:
    """Batch consumer with inbox, retries, dead letters and exact offset commits
    (docs/architecture.md, "The consumer").

    `name` is the inbox's consumer name and, unless `group_id` is given, the Kafka group id:
    one per service (or per independent projection of a service). `source` is the ce_source for
    events handlers publish. `broker_options` go to FastStream's `KafkaBroker`,
    `subscriber_options` to its `subscriber()` (e.g. `session_timeout_ms`)."""

    def __init__(
        self,
        name: str,
        *,
        pool: asyncpg.Pool,
        bootstrap_servers: str,
        source: str | None = None,
        topic_map: Mapping[str, str] | None = None,
        group_id: str | None = None,
        max_records: int = 1000,
        batch_timeout_ms: int = 200,
        max_attempts: int = 5,
        retry_backoff: float = 0.1,
        retry_backoff_max: float = 5.0,
        reconnect_backoff_max: float = 30.0,
        max_failed_per_batch: int | None = 20,
        broker_options: dict[str, Any] | None = None,
        subscriber_options: dict[str, Any] | None = None,
        hook: ConsumerHook | None = None,
        stop_timeout_s: float = 10.0,
    ) -> None:
        if max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        self.name = name
        self.group_id = group_id or name
        self.source = source
        self.topic_map = dict(topic_map or {})  # where the handlers' events go (UnitOfWork)
        self.max_records = max_records
        self.batch_timeout_ms = batch_timeout_ms
        self.max_attempts = max_attempts
        self.retry_backoff = retry_backoff
        self.retry_backoff_max = retry_backoff_max
        self.reconnect_backoff_max = reconnect_backoff_max
        self.max_failed_per_batch = max_failed_per_batch
        self._failed_in_batch = 0
        self._pool = pool
        self._bootstrap = bootstrap_servers
        self._broker_options = broker_options or {}
        self._subscriber_options = subscriber_options or {}
        self._hook = hook
        self._routes: dict[str, _Route] = {}
        self._broker: KafkaBroker | None = None
        self._subscriber: Any = None
        self._producer: AIOKafkaProducer | None = None
        self._infra_failures = 0
        self._stopping = False
        self.stop_timeout_s = stop_timeout_s
        self.stats = ConsumerStats()

    # declaring handlers

    @property
    def topics(self) -> list[str]:
        return list(self._routes)

    def batch_handler(
        self, topic: str, *, keyed_by_effect: KeyedByEffect | None = None
    ) -> Callable[[BatchHandler], BatchHandler]:
        """Decorator: `handler(uow, envelopes)` gets the new events of `topic` in each batch.

        `keyed_by_effect(envelope)` says which events the handler deduplicates itself, by a key
        its effects store (a report's id: `INSERT … ON CONFLICT DO NOTHING`, only what was
        inserted applied): those take no inbox row and reach the handler every time they are
        delivered. The topic then takes no other handler (docs/architecture.md, "The inbox")."""

        def register(fn: BatchHandler) -> BatchHandler:
            route = self._route(topic)
            if route.keyed_by_effect or (
                keyed_by_effect and (route.batch_handlers or route.event_handlers)
            ):
                raise ValueError(f"{topic}: a handler keyed by its effects must be its only one")
            route.batch_handlers.append(fn)
            route.keyed_by_effect = keyed_by_effect
            return fn

        return register

    def handler(
        self, event_type: type[Event], *, topic: str | None = None
    ) -> Callable[[EventHandler], EventHandler]:
        """Decorator: `handler(uow, envelope)` is called for each new event that is an instance of
        `event_type`, in order, inside the batch's transaction. The topic defaults to the one the
        catalog assigns to `event_type`."""
        name = topic or topic_for(event_type).name

        def register(fn: EventHandler) -> EventHandler:
            route = self._route(name)
            if route.keyed_by_effect:
                raise ValueError(f"{name}: a handler keyed by its effects must be its only one")
            route.event_handlers.append((event_type, fn))
            return fn

        return register

    @property
    def kafka_consumer(self) -> AIOKafkaConsumer | None:
        """The underlying aiokafka consumer once started (for lag metrics and tests)."""
        return None if self._subscriber is None else self._subscriber.consumer

    def _route(self, topic: str) -> _Route:
        if self._broker is not None:
            raise RuntimeError("declare handlers before start()")
        return self._routes.setdefault(topic, _Route())

    # lifecycle

    async def start(self) -> None:
        if not self._routes:
            raise RuntimeError(f"consumer {self.name!r} has no handlers")
        if self._broker is not None:
            return
        self._producer = AIOKafkaProducer(
            bootstrap_servers=self._bootstrap,
            acks="all",
            enable_idempotence=True,
            linger_ms=5,
            client_id=f"{self.name}-dlq",
            **client_options(),
        )
        await self._producer.start()
        self._stopping = False
        options: dict[str, Any] = {
            # FastStream's own logger writes coloured plain text beside the service's JSON lines;
            # a logger of ours propagates to the JSON handler on the root (telemetry).
            "logger": logging.getLogger("servicekit.faststream"),
            "log_level": logging.DEBUG,
            "client_id": self.name,
            # stop() waits this long for the batch in hand (FastStream holds its lock meanwhile)
            "graceful_timeout": self.stop_timeout_s,
            "security": broker_security(),
        }
        options.update(self._broker_options)
        # FastStream takes one string as one address: a cluster's comma-separated list is split
        brokers = [b.strip() for b in self._bootstrap.split(",") if b.strip()]
        broker = KafkaBroker(brokers, **options)
        subscriber = broker.subscriber(
            *self._routes,
            batch=True,
            group_id=self.group_id,
            auto_offset_reset="earliest",
            max_records=self.max_records,
            batch_timeout_ms=self.batch_timeout_ms,
            ack_policy=AckPolicy.MANUAL,
            parser=consumer_kafka.parse_batch,
            decoder=consumer_kafka.decode_batch,
            **self._subscriber_options,
        )

        async def on_batch(records: Any, kafka: AIOKafkaConsumer) -> None:
            await self.handle_batch(records, kafka)

        # Real objects, not the strings `from __future__ import annotations` leaves: FastStream
        # resolves strings in a namespace where another `Context` (a caller's) may win.
        on_batch.__annotations__ = {"records": Any, "kafka": _KAFKA_CONSUMER, "return": None}

        subscriber(on_batch)
        self._broker, self._subscriber = broker, subscriber
        try:
            await broker.start()
        except BaseException:
            await self.stop()
            raise

    async def stop(self) -> None:
        """Finish the batch in hand, then leave the group (docs/architecture.md, "Stopping" under
        "The consumer")."""
        self._stopping = True
        broker, self._broker = self._broker, None
        self._subscriber = None
        producer, self._producer = self._producer, None
        try:
            if broker is not None:
                await broker.stop()
        finally:
            if producer is not None:
                await producer.stop()

    # one batch

    async def handle_batch(
        self, records: Sequence[ConsumerRecord], kafka: AIOKafkaConsumer
    ) -> None:
        """Process one polled batch completely, and the batches polled behind it while it was
        being applied ("Pipelining" in docs/architecture.md), or rewind to the first one not done.
        Never lets FastStream move on past records that were neither applied nor
        dead-lettered."""
        if not records:
            return
        unsettled: list[ConsumerRecord] = list(records)  # polled, not known to be done
        pending: asyncio.Task[None] | None = None
        try:
            decoded = await self._decode(records, overlapping=False)
            while True:
                pending = asyncio.create_task(self._finish(records, *decoded, kafka))
                following = await self._poll_following(kafka)
                while not following and not pending.done():  # fetched a moment later, often
                    await asyncio.wait([pending], timeout=_REPOLL_SECONDS)
                    following = await self._poll_following(kafka)
                unsettled = [*records, *following]
                if following:
                    upcoming = await self._decode(following, overlapping=True)
                await pending  # its failure is raised here, with `following` still unsettled
                pending = None
                self._infra_failures = 0
                if not following:
                    return
                if self._stopping:  # not committed: the partitions' next owner reads it
                    consumer_kafka.rewind(kafka, following)
                    return
                records, decoded = following, upcoming
        except Exception as e:
            await _cancel(pending)
            # The database or the broker is unavailable (or this code has a bug): read the batch
            # again after a pause. What was committed meanwhile is skipped by the inbox then.
            consumer_kafka.rewind(kafka, unsettled)
            self.stats.rewinds += 1
            self._infra_failures += 1
            delay = _backoff(self._infra_failures, 0.5, self.reconnect_backoff_max)
            log.warning(
                "consumer %s: batch of %d not done (%s: %s); reading it again in %.1fs",
                self.name,
                len(records),
                type(e).__name__,
                e,
                delay,
                exc_info=not is_connection_error(e),
            )
            await asyncio.sleep(delay)
        except BaseException:
            # cancelled, or a crash FastStream's supervisor may survive by restarting its loop:
            # make sure a restarted loop reads this batch again instead of the next one
            await _cancel(pending)
            consumer_kafka.rewind(kafka, unsettled)
            raise

    async def _poll_following(self, kafka: AIOKafkaConsumer) -> list[ConsumerRecord]:
        """The next batch, unless stopping: then the batch in hand is the last."""
        if self._stopping:
            return []
        return await consumer_kafka.poll_ready(kafka, self.max_records)

    async def _decode(
        self, records: Sequence[ConsumerRecord], *, overlapping: bool
    ) -> tuple[list[Item], list[DeadLetter]]:
        """Decode every record; one that is not one of our events becomes a dead letter. While
        the previous batch is being applied (`overlapping`), let it run every few records: its
        statements then execute in PostgreSQL while this batch is decoded here."""
        self.stats.batches += 1
        await self._call_hook("batch", records)
        items: list[Item] = []
        dead: list[DeadLetter] = []
        for n, record in enumerate(records):
            if overlapping and n % _DECODE_SLICE == _DECODE_SLICE - 1:
                await asyncio.sleep(0)
            try:
                items.append((record, from_message(record.value, record.headers or ())))
            except Exception as e:
                log.warning(
                    "consumer %s: %s/%d/%d is not a valid event, dead-lettering it: %s",
                    self.name,
                    record.topic,
                    record.partition,
                    record.offset,
                    e,
                )
                dead.append((record, e, 1))
        return items, dead

    async def _finish(
        self,
        records: Sequence[ConsumerRecord],
        items: list[Item],
        dead: list[DeadLetter],
        kafka: AIOKafkaConsumer,
    ) -> None:
        """Apply a decoded batch, publish its dead letters, commit its offsets."""
        self._failed_in_batch = 0
        await self._apply_isolating(items, dead, first=True)
        if dead:
            assert self._producer is not None, "not started"
            await dlq.send_dead_letters(self._producer, dead, consumer=self.name)
            self.stats.dead_lettered += len(dead)
            self.stats.by_topic.update((r.topic, "dead_lettered") for r, _, _ in dead)
        await self._call_hook("before_offset_commit", records)
        await self._commit(kafka, records)
        await self._call_hook("after_offset_commit", records)

    async def _apply_isolating(
        self, items: list[Item], dead: list[DeadLetter], first: bool
    ) -> None:
        if not items:
            return
        attempts = self.max_attempts if first or len(items) == 1 else 1
        error, made = await self._apply_retrying(items, attempts)
        if error is None:
            return
        if len(items) == 1:
            record, envelope = items[0]
            log.error(
                "consumer %s: event %s (%s/%d/%d) failed %d times, dead-lettering it: %s: %s",
                self.name,
                envelope.id,
                record.topic,
                record.partition,
                record.offset,
                made,
                type(error).__name__,
                error,
            )
            dead.append((record, error, made))
            self._failed_in_batch += 1
            if (
                self.max_failed_per_batch is not None
                and self._failed_in_batch >= self.max_failed_per_batch
            ):
                raise SystemicFailure(
                    f"{self._failed_in_batch} events of one batch kept failing, the last with "
                    f"{type(error).__name__}: {error}; not dead-lettering them"
                ) from error
            return
        middle = len(items) // 2
        await self._apply_isolating(items[:middle], dead, first=False)
        await self._apply_isolating(items[middle:], dead, first=False)

    async def _apply_retrying(
        self, items: list[Item], attempts: int
    ) -> tuple[BaseException | None, int]:
        """Apply `items` in one transaction, up to `attempts` times. Returns (None, tries) on
        success, (last error, tries) if every try failed; connection errors propagate."""
        error: BaseException | None = None
        for attempt in range(1, attempts + 1):
            try:
                await self._apply_once(items)
                return None, attempt
            except Exception as e:
                if is_connection_error(e):
                    raise
                error = e
                self.stats.retries += 1
                log.info(
                    "consumer %s: %d event(s) failed (attempt %d/%d): %s: %s",
                    self.name,
                    len(items),
                    attempt,
                    attempts,
                    type(e).__name__,
                    e,
                )
                if attempt < attempts:
                    await asyncio.sleep(
                        _backoff(attempt, self.retry_backoff, self.retry_backoff_max)
                    )
        return error, attempts

    async def _apply_once(self, items: list[Item]) -> None:
        records = [r for r, _ in items]
        keyed = [self._keyed_by_effect(r.topic, e) for r, e in items]
        async with UnitOfWork(self._pool, source=self.source, topic_map=self.topic_map) as uow:
            entries = [inbox.InboxEntry(e.id, r.topic, r.partition, r.offset)
                       for (r, e), own in zip(items, keyed, strict=True) if not own]  # fmt: skip
            new_ids = await inbox.record_new(uow.con, self.name, entries)
            fresh: list[Item] = []
            for (record, envelope), own in zip(items, keyed, strict=True):
                if own:
                    fresh.append((record, envelope))  # its handler skips what it knows
                elif envelope.id in new_ids:
                    new_ids.discard(envelope.id)  # a second copy in the same batch is a duplicate
                    fresh.append((record, envelope))
            if fresh:
                await self._dispatch(uow, fresh)
            await self._call_hook("before_db_commit", records)
        self.stats.applied += len(fresh)
        self.stats.duplicates += len(items) - len(fresh)
        applied = Counter(r.topic for r, _ in fresh)
        for topic, n in Counter(r.topic for r, _ in items).items():
            self.stats.by_topic[topic, "applied"] += applied[topic]
            self.stats.by_topic[topic, "duplicates"] += n - applied[topic]
        log_applied(self.name, fresh)
        await self._call_hook("after_db_commit", records)

    def _keyed_by_effect(self, topic: str, envelope: Envelope) -> bool:
        route = self._routes.get(topic)
        return (
            route is not None
            and route.keyed_by_effect is not None
            and route.keyed_by_effect(envelope)
        )

    async def _dispatch(self, uow: UnitOfWork, items: list[Item]) -> None:
        by_topic: dict[str, list[Envelope]] = {}
        for record, envelope in items:
            by_topic.setdefault(record.topic, []).append(envelope)
        RECORDS.set({envelope.id: record for record, envelope in items})
        for topic, envelopes in by_topic.items():
            route = self._routes.get(topic)
            if route is None:  # not subscribed; cannot happen unless the broker misroutes
                continue
            for batch_handler in route.batch_handlers:
                with batch_span(topic, envelopes, self.group_id):
                    await batch_handler(uow, envelopes)
            if route.event_handlers:
                for envelope in envelopes:
                    for event_type, event_handler in route.event_handlers:
                        if isinstance(envelope.data, event_type):
                            with continue_trace(envelope, topic=topic, group=self.group_id):
                                await event_handler(uow, envelope)

    async def _commit(self, kafka: AIOKafkaConsumer, records: Sequence[ConsumerRecord]) -> None:
        offsets: dict[TopicPartition, int] = {}
        for r in records:
            tp = TopicPartition(r.topic, r.partition)
            offsets[tp] = max(offsets.get(tp, 0), r.offset + 1)
        assigned = kafka.assignment()
        mine = {tp: offset for tp, offset in offsets.items() if tp in assigned}
        if len(mine) < len(offsets):
            log.info(
                "consumer %s: %s revoked during the batch; their new owner reads them again",
                self.name,
                sorted(str(tp) for tp in set(offsets) - set(mine)),
            )
        if not mine:
            return
        try:
            await kafka.commit(mine)
        except (CommitFailedError, IllegalStateError) as e:
            # a rebalance happened: whoever owns the partitions now starts from the last commit
            # and skips what this batch applied, through the inbox
            log.warning("consumer %s: offset commit refused after a rebalance: %s", self.name, e)
            return
        self.stats.committed.update(mine)

    async def _call_hook(self, stage: str, records: Sequence[ConsumerRecord]) -> None:
        if self._hook is not None:
            await self._hook(stage, records)


async def _cancel(task: asyncio.Task[None] | None) -> None:
    """Stop a batch still being applied and wait until it has (its transaction rolls back unless
    it already committed; either way it is read again, and the inbox skips what was applied)."""
    if task is None or task.done():
        return
    task.cancel()
    await asyncio.wait([task])
    if not task.cancelled():
        task.exception()  # retrieved: it is logged with the batch's failure, not by asyncio


def _backoff(attempt: int, initial: float, maximum: float) -> float:
    return min(maximum, initial * 2 ** max(0, attempt - 1)) * random.uniform(0.8, 1.2)
