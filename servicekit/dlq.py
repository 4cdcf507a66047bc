"""Dead letters: what a consumer could not process, on the topic's `.dlq` sibling with headers
saying where from and why; listed, read and redriven for operators (`./thidua dlq`):
docs/architecture.md, "Dead letters".
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition

from schemas.envelope import format_time
from servicekit.kafka_security import client_options

DLQ_SUFFIX = ".dlq"
DLQ_PREFIX = "dlq_"
H_TOPIC = "dlq_origin_topic"
H_PARTITION = "dlq_origin_partition"
H_OFFSET = "dlq_origin_offset"
H_TIMESTAMP = "dlq_origin_timestamp"
H_ERROR = "dlq_error"
H_ATTEMPTS = "dlq_attempts"
H_CONSUMER = "dlq_consumer"
H_TIME = "dlq_failed_at"
MAX_ERROR_CHARS = 4000

Headers = Sequence[tuple[str, bytes | None]]


def dlq_topic(topic: str) -> str:
    """The dead-letter topic of `topic` (itself if it already is one)."""
    return topic if topic.endswith(DLQ_SUFFIX) else topic + DLQ_SUFFIX


def describe_error(error: BaseException | str) -> str:
    text = error if isinstance(error, str) else f"{type(error).__name__}: {error}"
    return text[:MAX_ERROR_CHARS]


def original_headers(headers: Headers) -> list[tuple[str, bytes | None]]:
    """`headers` without the `dlq_*` ones."""
    return [(k, v) for k, v in headers if not k.startswith(DLQ_PREFIX)]


def dead_letter_headers(
    record: ConsumerRecord,
    *,
    error: BaseException | str,
    attempts: int,
    consumer: str,
    now: datetime | None = None,
) -> list[tuple[str, bytes | None]]:
    """The headers of the dead letter of `record`: the original ones plus where and why."""
    when = format_time(now or datetime.now(UTC))
    extra = {
        H_TOPIC: record.topic,
        H_PARTITION: str(record.partition),
        H_OFFSET: str(record.offset),
        H_TIMESTAMP: str(record.timestamp),
        H_ERROR: describe_error(error),
        H_ATTEMPTS: str(attempts),
        H_CONSUMER: consumer,
        H_TIME: when,
    }
    return [
        *original_headers(record.headers or ()),
        *((k, v.encode()) for k, v in extra.items()),
    ]


async def send_dead_letters(
    producer: AIOKafkaProducer,
    letters: Sequence[tuple[ConsumerRecord, BaseException | str, int]],
    *,
    consumer: str,
) -> None:
    """Publish the dead letters of (record, error, attempts) and wait for every acknowledgement.
    Raises if any was not acknowledged."""
    futures = []
    for record, error, attempts in letters:
        headers = dead_letter_headers(record, error=error, attempts=attempts, consumer=consumer)
        futures.append(
            await producer.send(
                dlq_topic(record.topic), value=record.value, key=record.key, headers=headers
            )
        )
    results = await asyncio.gather(*futures, return_exceptions=True)
    for result in results:
        if isinstance(result, BaseException):
            raise result


@dataclass(frozen=True)
class DeadLetter:
    """One record of a `.dlq` topic, with its origin and reason decoded."""

    topic: str  # the .dlq topic
    partition: int
    offset: int
    timestamp: int
    key: bytes | None
    value: bytes | None
    headers: tuple[tuple[str, bytes | None], ...]

    def header(self, name: str) -> str | None:
        for k, v in reversed(self.headers):
            if k == name:
                return None if v is None else v.decode(errors="replace")
        return None

    @property
    def origin_topic(self) -> str:
        return self.header(H_TOPIC) or self.topic.removesuffix(DLQ_SUFFIX)

    @property
    def origin_partition(self) -> int | None:
        v = self.header(H_PARTITION)
        return None if v is None else int(v)

    @property
    def origin_offset(self) -> int | None:
        v = self.header(H_OFFSET)
        return None if v is None else int(v)

    @property
    def error(self) -> str | None:
        return self.header(H_ERROR)

    @property
    def attempts(self) -> int | None:
        v = self.header(H_ATTEMPTS)
        return None if v is None else int(v)

    @property
    def consumer(self) -> str | None:
        return self.header(H_CONSUMER)

    @property
    def time(self) -> datetime | None:
        v = self.header(H_TIME)
        return None if v is None else datetime.fromisoformat(v)

    @property
    def event_id(self) -> str | None:
        """The CloudEvents id, when the original record had one."""
        for k, v in self.headers:
            if k == "ce_id" and v is not None:
                return v.decode(errors="replace")
        return None

    @property
    def original_headers(self) -> list[tuple[str, bytes | None]]:
        return original_headers(self.headers)

    @classmethod
    def from_record(cls, r: ConsumerRecord) -> DeadLetter:
        return cls(
            topic=r.topic,
            partition=r.partition,
            offset=r.offset,
            timestamp=r.timestamp,
            key=r.key,
            value=r.value,
            headers=tuple(r.headers or ()),
        )


async def list_dead_letters(
    bootstrap_servers: str,
    topic: str,
    *,
    consumer: str | None = None,
    limit: int | None = None,
    timeout: float = 30.0,  # noqa: ASYNC109 - bounds the whole read, not one call
) -> list[DeadLetter]:
    """Every dead letter of `topic` (the origin topic or its `.dlq`) present now, oldest first per
    partition; only those of one consumer name if given; at most `limit`."""
    name = dlq_topic(topic)
    found: list[DeadLetter] = []
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
        **client_options(),
    )
    await reader.start()
    try:
        partitions = reader.partitions_for_topic(name)
        if partitions is None:
            await reader._client.force_metadata_update()  # a topic not looked at yet
            partitions = reader.partitions_for_topic(name)
        if not partitions:
            raise LookupError(f"no topic {name}")
        tps = [TopicPartition(name, p) for p in sorted(partitions)]
        reader.assign(tps)
        ends = await reader.end_offsets(tps)
        await reader.seek_to_beginning(*tps)
        async with asyncio.timeout(timeout):
            while await _behind(reader, ends):
                batches = await reader.getmany(timeout_ms=500)
                for tp, records in batches.items():
                    for r in records:
                        if r.offset >= ends[tp]:
                            continue
                        letter = DeadLetter.from_record(r)
                        if consumer is None or letter.consumer == consumer:
                            found.append(letter)
                if limit is not None and len(found) >= limit:
                    break
    finally:
        await reader.stop()
    found.sort(key=lambda d: (d.partition, d.offset))
    return found if limit is None else found[:limit]


async def _behind(reader: AIOKafkaConsumer, ends: dict[TopicPartition, int]) -> bool:
    for tp, end in ends.items():
        if await reader.position(tp) < end:
            return True
    return False


async def read_dead_letter(
    bootstrap_servers: str,
    topic: str,
    partition: int,
    offset: int,
    *,
    timeout: float = 30.0,  # noqa: ASYNC109
) -> DeadLetter:
    """The dead letter at (`partition`, `offset`) of `topic`'s `.dlq`."""
    name = dlq_topic(topic)
    tp = TopicPartition(name, partition)
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap_servers,
        group_id=None,
        enable_auto_commit=False,
        **client_options(),
    )
    await reader.start()
    try:
        reader.assign([tp])
        end = (await reader.end_offsets([tp]))[tp]
        if offset >= end:
            raise LookupError(f"no record at {name}/{partition}/{offset} (end {end})")
        reader.seek(tp, offset)
        async with asyncio.timeout(timeout):
            while True:
                batches = await reader.getmany(tp, timeout_ms=500, max_records=1)
                for r in batches.get(tp, ()):
                    if r.offset == offset:
                        return DeadLetter.from_record(r)
                    if r.offset > offset:  # compacted or deleted
                        raise LookupError(f"no record at {name}/{partition}/{offset}")
    finally:
        await reader.stop()


async def republish(producer: AIOKafkaProducer, letters: Sequence[DeadLetter]) -> None:
    """Publish `letters` back to their origin topics with their original headers; waits for
    every acknowledgement."""
    futures = [
        await producer.send(
            letter.origin_topic,
            value=letter.value,
            key=letter.key,
            headers=letter.original_headers,
        )
        for letter in letters
    ]
    await asyncio.gather(*futures)


async def _with_producer(bootstrap_servers: str, letters: Sequence[DeadLetter]) -> None:
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap_servers,
        acks="all",
        enable_idempotence=True,
        client_id="thidua-dlq-redrive",
        **client_options(),
    )
    await producer.start()
    try:
        await republish(producer, letters)
    finally:
        await producer.stop()


async def redrive(bootstrap_servers: str, topic: str, partition: int, offset: int) -> DeadLetter:
    """Publish the dead letter at (`partition`, `offset`) back to its origin topic (acks=all).
    Returns it."""
    letter = await read_dead_letter(bootstrap_servers, topic, partition, offset)
    await _with_producer(bootstrap_servers, [letter])
    return letter


async def redrive_all(
    bootstrap_servers: str, topic: str, *, consumer: str | None = None
) -> list[DeadLetter]:
    """Publish every dead letter of `topic` (of one consumer name, if given) back to its origin
    topic, in the order they were dead-lettered per partition. Returns them."""
    letters = await list_dead_letters(bootstrap_servers, topic, consumer=consumer)
    if letters:
        await _with_producer(bootstrap_servers, letters)
    return letters
