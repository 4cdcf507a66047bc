"""The consumer's dealings with FastStream and aiokafka below the batch: raw records handed
through, the records already fetched behind a batch, and rewinding a position to read a batch
again (docs/architecture.md, "The consumer")."""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaConsumer, ConsumerRecord, TopicPartition
from aiokafka.errors import ConsumerStoppedError
from faststream.kafka.message import FAKE_CONSUMER, KafkaMessage

# FastStream glue: hand the raw records through untouched (the default parser decodes every header
# as UTF-8 and would fail the whole batch on one bad header; the default decoder parses JSON).


async def parse_batch(records: tuple[ConsumerRecord, ...]) -> KafkaMessage:
    return KafkaMessage(raw_message=records, body=records, consumer=FAKE_CONSUMER)


async def decode_batch(message: KafkaMessage) -> Any:
    return message.raw_message


async def poll_ready(kafka: AIOKafkaConsumer, max_records: int) -> list[ConsumerRecord]:
    """The records aiokafka has already fetched (it fetches ahead in the background), without
    waiting for more: the next batch, to decode while the current one is applied. Empty when
    none are there yet; FastStream's loop then polls and waits as usual."""
    try:
        batch = await kafka.getmany(timeout_ms=0, max_records=max_records)
    except ConsumerStoppedError:  # stopping: FastStream's loop ends too
        return []
    return [r for rs in batch.values() for r in rs]


def rewind(kafka: AIOKafkaConsumer, records: Sequence[ConsumerRecord]) -> None:
    first: dict[TopicPartition, int] = {}
    for r in records:
        tp = TopicPartition(r.topic, r.partition)
        first[tp] = min(first.get(tp, r.offset), r.offset)
    with contextlib.suppress(Exception):
        assigned = kafka.assignment()
        for tp, offset in first.items():
            if tp in assigned:
                kafka.seek(tp, offset)
