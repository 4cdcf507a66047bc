"""Every event type through the real broker: encode, produce, consume, decode, and the official
CloudEvents SDK reads the same record."""

from __future__ import annotations

import asyncio
import json
from uuid import uuid4

import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.structs import ConsumerRecord
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event

from schemas.envelope import Message, from_message, source_for, to_message
from schemas.examples import EXAMPLE_TIME, EXAMPLES

pytestmark = pytest.mark.infra

TRACE = {"traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"}


def _messages() -> list[Message]:
    return [
        to_message(e, source=source_for(e.owner), time=EXAMPLE_TIME, trace=TRACE) for e in EXAMPLES
    ]


async def _through_kafka(
    bootstrap: str, topic: str, messages: list[Message]
) -> list[ConsumerRecord]:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all", enable_idempotence=True)
    await producer.start()
    try:
        for m in messages:
            await producer.send_and_wait(topic, m.value, key=m.key, headers=m.headers)
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic, bootstrap_servers=bootstrap, auto_offset_reset="earliest", enable_auto_commit=False
    )
    await consumer.start()
    records: list[ConsumerRecord] = []
    try:
        async with asyncio.timeout(30):
            while len(records) < len(messages):
                for batch in (await consumer.getmany(timeout_ms=1000)).values():
                    records.extend(batch)
    finally:
        await consumer.stop()
    return records


async def test_every_event_type_round_trips_through_kafka(kafka_bootstrap, fresh_topic):
    topic = await fresh_topic(partitions=1)
    messages = _messages()
    records = await _through_kafka(kafka_bootstrap, topic, messages)
    assert len(records) == len(messages)
    for m, r, original in zip(messages, records, EXAMPLES, strict=True):
        name = type(original).__name__
        env = from_message(r.value, r.headers)
        assert env.data == original, name
        assert type(env.data) is type(original), name
        assert env.id == m.event_id, name
        assert env.type == type(original).ce_type(), name
        assert env.source == source_for(original.owner), name
        assert env.subject == original.aggregate_id == r.key.decode(), name
        assert env.time == EXAMPLE_TIME, name
        assert env.trace == TRACE, name


async def test_events_of_one_aggregate_share_a_partition(kafka_bootstrap, fresh_topic):
    topic = await fresh_topic(partitions=3)
    base = EXAMPLES[0]
    same = [base.model_copy() for _ in range(5)]
    other = [base.model_copy(update={"unit_id": uuid4()}) for _ in range(5)]
    messages = [to_message(e, source="/thidua/registry") for e in same + other]
    records = await _through_kafka(kafka_bootstrap, topic, messages)
    by_id = {dict(r.headers)["ce_id"].decode(): r for r in records}
    mine = [by_id[str(m.event_id)] for m in messages[:5]]
    assert len({r.partition for r in mine}) == 1
    assert [r.offset for r in mine] == sorted(r.offset for r in mine)


async def test_the_cloudevents_sdk_reads_our_records(kafka_bootstrap, fresh_topic):
    topic = await fresh_topic(partitions=1)
    messages = _messages()
    records = await _through_kafka(kafka_bootstrap, topic, messages)
    for m, r, original in zip(messages, records, EXAMPLES, strict=True):
        name = type(original).__name__
        ce = from_binary_event(KafkaMessage(headers=dict(r.headers), key=r.key, value=r.value))
        assert ce.get_id() == str(m.event_id), name
        assert ce.get_type() == type(original).ce_type(), name
        assert ce.get_source() == source_for(original.owner), name
        assert ce.get_subject() == original.aggregate_id, name
        assert ce.get_time() == EXAMPLE_TIME, name
        assert ce.get_dataschema() == type(original).dataschema(), name
        assert ce.get_extension("partitionkey") == original.aggregate_id, name
        assert ce.get_data() == json.loads(original.model_dump_json()), name
        assert type(original).model_validate_json(json.dumps(ce.get_data())) == original, name
