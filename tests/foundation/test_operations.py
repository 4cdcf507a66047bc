"""The operator's figures, read from the real broker and databases."""

from __future__ import annotations

import uuid

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition

from infra import operations
from infra.profile import SERVICES


async def test_consumer_lag_counts_what_a_group_has_not_committed(kafka_bootstrap, fresh_topic):
    topic = await fresh_topic(partitions=2)
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap)
    await producer.start()
    try:
        for _ in range(5):
            await producer.send_and_wait(topic, b"x", partition=0)
        for _ in range(3):
            await producer.send_and_wait(topic, b"y", partition=1)
    finally:
        await producer.stop()
    group = f"ops-{uuid.uuid4().hex[:8]}"
    consumer = AIOKafkaConsumer(
        bootstrap_servers=kafka_bootstrap, group_id=group, enable_auto_commit=False
    )
    await consumer.start()
    try:
        consumer.assign([TopicPartition(topic, 0), TopicPartition(topic, 1)])
        await consumer.commit({TopicPartition(topic, 0): 2, TopicPartition(topic, 1): 3})
    finally:
        await consumer.stop()

    (row,) = [
        r
        for r in await operations.consumer_lag(kafka_bootstrap)
        if r.group == group and r.topic == topic
    ]
    assert (row.committed, row.end, row.lag) == (5, 8, 3)


async def test_dead_letter_counts_cover_every_catalog_dlq(kafka_bootstrap):
    counts = await operations.dead_letter_counts(kafka_bootstrap)
    assert all(name.endswith(".dlq") for name in counts)
    assert "progress.reports.v1.dlq" in counts
    assert all(isinstance(n, int) and n >= 0 for n in counts.values())


async def test_outbox_backlog_reports_each_service_database(profile):
    backlog = await operations.outbox_backlog(profile)
    assert set(backlog) == set(SERVICES)
    assert all(isinstance(n, int) for n in backlog.values()), backlog
