"""The real broker through FastStream: what a consumer committed is never redelivered after a
restart, and nothing committed was skipped."""

from __future__ import annotations

import asyncio
import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage

N = 20


async def _committed(bootstrap: str, group: str, topic: str) -> int | None:
    probe = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await probe.start()
    try:
        return await probe.committed(TopicPartition(topic, 0))
    finally:
        await probe.stop()


async def _consume(bootstrap: str, topic: str, group: str, stop_after: int | None) -> list[int]:
    """Run one FastStream consumer of the group; ack each message after recording it. Returns
    the offsets it handled. Stops after `stop_after` messages, or once the topic is drained."""
    broker = KafkaBroker(bootstrap, logger=None)
    seen: list[int] = []
    done = asyncio.Event()

    @broker.subscriber(
        topic, group_id=group, auto_offset_reset="earliest", ack_policy=AckPolicy.MANUAL
    )
    async def handle(body: object, msg: KafkaMessage) -> None:
        if done.is_set():
            return  # stopping: leave it unacknowledged
        seen.append(msg.raw_message.offset)
        await msg.ack()
        if len(seen) == stop_after or msg.raw_message.offset == N - 1:
            done.set()

    async with broker:
        await broker.start()
        await asyncio.wait_for(done.wait(), timeout=60)
    return seen


async def test_restart_resumes_exactly_after_the_committed_offset(kafka_bootstrap, fresh_topic):
    topic = await fresh_topic(partitions=1, prefix="foundation")
    group = f"g-{uuid.uuid4().hex[:8]}"
    producer = AIOKafkaProducer(
        bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True
    )
    await producer.start()
    try:
        for i in range(N):
            await producer.send_and_wait(topic, str(i).encode(), key=b"k")
    finally:
        await producer.stop()

    first = await _consume(kafka_bootstrap, topic, group, stop_after=7)
    committed = await _committed(kafka_bootstrap, group, topic)

    assert first == list(range(7)), "the first run handled the topic from the start, in order"
    assert committed == 7, "the commit covers exactly what was acknowledged"

    second = await _consume(kafka_bootstrap, topic, group, stop_after=None)

    assert second[0] == committed, "nothing committed is redelivered"
    assert sorted(set(first) | set(second)) == list(range(N)), "nothing is skipped"
    assert not set(first) & set(second)
    assert await _committed(kafka_bootstrap, group, topic) == N
