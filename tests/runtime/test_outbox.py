"""Outbox, unit of work and relay against the real PostgreSQL and Kafka: atomicity, the trace
context, a relay SIGKILLed between the broker's ack and its delete, per-key order under
concurrent writers, and one active relay per database."""

from __future__ import annotations

import asyncio
import random
from collections import defaultdict
from uuid import UUID, uuid4

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind

from schemas.envelope import Envelope, from_message
from schemas.progress import TargetReported
from servicekit import outbox
from servicekit.consumer import Consumer
from servicekit.relay import Relay
from servicekit.unit_of_work import UnitOfWork
from tests.runtime.helpers_runtime import (
    CAMPAIGN,
    UNIT,
    effect_writer,
    effects,
    eventually,
    kill,
    prepare_database,
    read_topic,
    report,
    spawn,
    wait_consumed,
    wait_line,
)

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


def _ce_id(record) -> str:
    return dict(record.headers)["ce_id"].decode()


async def test_unit_of_work_writes_the_outbox_only_when_it_commits(fresh_database: str) -> None:
    pool = await prepare_database(fresh_database)
    try:
        topic = "test.never-published.v1"
        with pytest.raises(RuntimeError, match="boom"):
            async with UnitOfWork(pool) as uow:
                await uow.publish(report(topic, target_id=uuid4(), seq=1))
                raise RuntimeError("boom")
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 0

        message = report(topic, target_id=uuid4(), seq=2)
        async with UnitOfWork(pool, source="/thidua/progress") as uow:
            await uow.publish(message)
            event = TargetReported(
                report_id=uuid4(),
                target_id=uuid4(),
                campaign_id=CAMPAIGN,
                unit_id=UNIT,
                value=1.5,
                as_of="2020-11-30",
                reported_at="2020-12-01T02:15:00Z",
            )
            catalog_message = await uow.publish(event)
        rows = await pool.fetch("SELECT * FROM outbox ORDER BY seq")
        assert [r["id"] for r in rows] == [message.event_id, catalog_message.event_id]
        first, second = (outbox.OutboxRow.from_record(r) for r in rows)
        # the relay will publish exactly what the envelope produced
        assert (first.topic, first.key_bytes, first.value) == (topic, message.key, message.value)
        assert first.headers["ce_id"] == str(message.event_id)
        assert second.topic == "progress.reports.v1"
        assert second.type == TargetReported.ce_type()
        assert second.headers["ce_source"] == "/thidua/progress"
        envelope = from_message(second.value, second.kafka_headers({}))
        assert envelope.data == event
    finally:
        await pool.close()


async def test_unit_of_work_routes_events_through_its_topic_map(fresh_database: str) -> None:
    pool = await prepare_database(fresh_database)
    try:
        routed = f"test.reports.{uuid4().hex[:8]}.v1"
        event = TargetReported(
            report_id=uuid4(),
            target_id=uuid4(),
            campaign_id=CAMPAIGN,
            unit_id=UNIT,
            value=2.0,
            as_of="2020-11-30",
            reported_at="2020-12-01T02:15:00Z",
        )
        async with UnitOfWork(
            pool, source="/thidua/progress", topic_map={"progress.reports.v1": routed}
        ) as uow:
            message = await uow.publish(event)
            ready = await uow.publish(report("test.left-alone.v1", target_id=uuid4(), seq=1))
        assert message.topic == routed
        rows = [
            outbox.OutboxRow.from_record(r)
            for r in await pool.fetch("SELECT * FROM outbox ORDER BY seq")
        ]
        # the map routes events by their catalog topic; a ready message keeps its own
        assert [(r.id, r.topic) for r in rows] == [
            (message.event_id, routed),
            (ready.event_id, "test.left-alone.v1"),
        ]
    finally:
        await pool.close()


async def test_publish_captures_the_trace_and_the_relay_continues_it(
    fresh_database: str, fresh_topic, kafka_bootstrap: str, spans: InMemorySpanExporter
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    relay = Relay(fresh_database, bootstrap_servers=kafka_bootstrap, poll_interval=0.2)
    consumer = Consumer("trace-test", pool=pool, bootstrap_servers=kafka_bootstrap)
    seen: list[tuple[int, int]] = []

    @consumer.handler(TargetReported, topic=topic)
    async def on_report(uow: UnitOfWork, envelope: Envelope) -> None:
        ctx = trace.get_current_span().get_span_context()
        seen.append((ctx.trace_id, ctx.span_id))

    try:
        tracer = trace.get_tracer("test")
        with tracer.start_as_current_span("POST /reports") as request_span:
            async with UnitOfWork(pool) as uow:
                message = await uow.publish(report(topic, target_id=uuid4(), seq=1))
        request = request_span.get_span_context()
        stored = await pool.fetchval("SELECT headers->>'traceparent' FROM outbox")
        assert stored.startswith(f"00-{request.trace_id:032x}-{request.span_id:016x}-")

        relay.start()
        records = await eventually(lambda: read_topic(kafka_bootstrap, topic), what="the event")
        (record,) = records
        traceparent = dict(record.headers)["traceparent"].decode()
        _, trace_id, parent_id, _ = traceparent.split("-")

        (send_span,) = [s for s in spans.get_finished_spans() if s.name == f"send {topic}"]
        assert send_span.kind is SpanKind.PRODUCER
        assert send_span.parent.span_id == request.span_id
        assert send_span.context.trace_id == request.trace_id
        assert int(trace_id, 16) == request.trace_id
        assert int(parent_id, 16) == send_span.context.span_id
        assert send_span.attributes["messaging.system"] == "kafka"
        assert send_span.attributes["messaging.destination.name"] == topic
        assert send_span.attributes["messaging.message.id"] == str(message.event_id)

        await consumer.start()
        await eventually(lambda: asyncio.sleep(0, seen), what="the handler")
        assert seen[0][0] == request.trace_id  # the consumer continues the same trace
        (process_span,) = [s for s in spans.get_finished_spans() if s.name == f"process {topic}"]
        assert process_span.kind is SpanKind.CONSUMER
        assert process_span.parent.span_id == send_span.context.span_id
    finally:
        await consumer.stop()
        await relay.stop()
        await pool.close()


async def test_relay_killed_between_ack_and_delete_publishes_again_and_inbox_applies_once(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    async with UnitOfWork(pool) as uow:
        message = await uow.publish(report(topic, target_id=uuid4(), seq=1))

    child = await spawn(
        "tests.runtime.helpers_relay", fresh_database, kafka_bootstrap, "--pause-after-ack"
    )
    relay = Relay(fresh_database, bootstrap_servers=kafka_bootstrap, poll_interval=0.2)
    consumer = Consumer("relay-crash-test", pool=pool, bootstrap_servers=kafka_bootstrap)
    consumer.batch_handler(topic)(effect_writer("relay-crash-test"))
    try:
        assert await wait_line(child, "ACKED") == "ACKED 1"
        await kill(child)  # SIGKILL: acknowledged by the broker, not deleted
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 1
        assert [_ce_id(r) for r in await read_topic(kafka_bootstrap, topic)] == [
            str(message.event_id)
        ]

        relay.start()  # the next relay publishes it again
        await eventually(
            lambda: pool.fetchval("SELECT count(*) = 0 FROM outbox"), what="the outbox to drain"
        )
        copies = [_ce_id(r) for r in await read_topic(kafka_bootstrap, topic)]
        assert copies == [str(message.event_id)] * 2

        await consumer.start()
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        applied = await effects(pool, "relay-crash-test")
        assert [r["event_id"] for r in applied] == [message.event_id]  # once, not twice
        assert consumer.stats.duplicates == 1
    finally:
        await kill(child)
        await consumer.stop()
        await relay.stop()
        await pool.close()


async def test_a_thousand_events_of_ten_keys_arrive_in_per_key_order(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=4)
    keys = [uuid4() for _ in range(10)]
    await pool.execute("CREATE TABLE counters (key uuid PRIMARY KEY, n integer NOT NULL)")
    await pool.executemany("INSERT INTO counters VALUES ($1, 0)", [(k,) for k in keys])
    relay = Relay(fresh_database, bootstrap_servers=kafka_bootstrap, poll_interval=0.2)
    relay.start()  # publishing while the writers commit
    plan = [k for k in keys for _ in range(100)]
    random.Random(7).shuffle(plan)

    async def writer(mine: list[UUID]) -> None:
        for key in mine:
            async with UnitOfWork(pool) as uow:
                n = await uow.con.fetchval(
                    "UPDATE counters SET n = n + 1 WHERE key = $1 RETURNING n", key
                )
                await uow.publish(report(topic, target_id=key, seq=n))

    try:
        await asyncio.gather(*(writer(plan[i::8]) for i in range(8)))
        await eventually(
            lambda: pool.fetchval("SELECT count(*) = 0 FROM outbox"),
            what="the outbox to drain",
        )
        records = await read_topic(kafka_bootstrap, topic)
        assert len(records) == 1000
        by_key: dict[str, list[int]] = defaultdict(list)
        partitions: dict[str, set[int]] = defaultdict(set)
        for r in records:
            envelope = from_message(r.value, r.headers)
            by_key[r.key.decode()].append(int(envelope.data.value))
            partitions[r.key.decode()].add(r.partition)
        assert sorted(by_key) == sorted(str(k) for k in keys)
        for key, seqs in by_key.items():
            assert seqs == list(range(1, 101)), f"key {key} out of order"
        assert all(len(p) == 1 for p in partitions.values())
        assert len({p for ps in partitions.values() for p in ps}) > 1  # keys spread out
    finally:
        await relay.stop()
        await pool.close()


async def test_one_relay_is_active_per_database_and_a_standby_takes_over(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    first = Relay(fresh_database, bootstrap_servers=kafka_bootstrap, poll_interval=0.2)
    second = Relay(
        fresh_database, bootstrap_servers=kafka_bootstrap, poll_interval=0.2, standby_interval=0.2
    )
    try:
        first.start()
        await eventually(lambda: asyncio.sleep(0, first.is_active), what="the first relay")
        second.start()
        await asyncio.sleep(1.5)
        assert not second.is_active

        async with UnitOfWork(pool) as uow:
            await uow.publish(report(topic, target_id=uuid4(), seq=1))
        await eventually(lambda: pool.fetchval("SELECT count(*) = 0 FROM outbox"))
        assert first.published == 1 and second.published == 0

        await first.stop()
        await eventually(lambda: asyncio.sleep(0, second.is_active), what="the standby")
        async with UnitOfWork(pool) as uow:
            await uow.publish(report(topic, target_id=uuid4(), seq=2))
        await eventually(lambda: pool.fetchval("SELECT count(*) = 0 FROM outbox"))
        assert second.published == 1
        assert len(await read_topic(kafka_bootstrap, topic)) == 2
    finally:
        await first.stop()
        await second.stop()
        await pool.close()


async def test_a_relay_stopped_mid_batch_finishes_it_so_nothing_is_published_twice(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    """What a rolling restart asks of the relay: the batch being published when the stop comes
    is acknowledged and deleted, not left to be published again by the next relay."""
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    acked = asyncio.Event()

    async def slow_after_ack(stage: str, rows) -> None:
        if stage == "acked":
            acked.set()
            await asyncio.sleep(1.0)  # the stop arrives here, between the ack and the delete

    relay = Relay(
        fresh_database, bootstrap_servers=kafka_bootstrap, poll_interval=0.2, hook=slow_after_ack
    )
    try:
        async with UnitOfWork(pool) as uow:
            for seq in range(1, 6):
                await uow.publish(report(topic, target_id=uuid4(), seq=seq))
        relay.start()
        await asyncio.wait_for(acked.wait(), 30)
        await relay.stop()
        assert await pool.fetchval("SELECT count(*) FROM outbox") == 0
        assert relay.published == 5
        assert len(await read_topic(kafka_bootstrap, topic)) == 5
    finally:
        await relay.stop()
        await pool.close()
