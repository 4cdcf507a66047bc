"""The batch consumer against the real Kafka and PostgreSQL: dead letters (poison and failing
events) with the partition moving on, redrive, exactly the batch's offsets committed, crashes
before and after the database commit (a SIGKILLed child process), a crash escaping the handler,
and a database outage that must not dead-letter anything."""

from __future__ import annotations

import ast
import asyncio
from collections.abc import Sequence
from uuid import uuid4

import pytest
from aiokafka import ConsumerRecord
from aiokafka.admin import AIOKafkaAdminClient

from schemas import deadletter
from schemas.envelope import Envelope
from schemas.progress import TargetReported
from servicekit import dlq, outbox
from servicekit.consumer import Consumer
from servicekit.unit_of_work import UnitOfWork
from tests.runtime.helpers_runtime import (
    committed_offsets,
    effect_writer,
    effects,
    end_offsets,
    eventually,
    filled_end_offsets,
    kill,
    prepare_database,
    produce,
    read_topic,
    report,
    spawn,
    wait_consumed,
    wait_line,
)

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]

FAST_GROUP = {"session_timeout_ms": 6000, "heartbeat_interval_ms": 500}


def _reports(topic: str, n: int, keys: int = 8) -> list:
    targets = [uuid4() for _ in range(keys)]
    return [report(topic, target_id=targets[i % keys], seq=i) for i in range(n)]


async def test_poison_and_failing_events_go_to_the_dlq_and_the_partition_moves_on(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    good1, bad, good2, good3 = _reports(topic, 4)
    poison_value = b"\xff\x00 not an event"
    poison_headers = [("ce_id", b"\xff\xfe"), ("empty", None), ("x-note", b"kept")]
    consumer = Consumer(
        "dlq-test",
        pool=pool,
        bootstrap_servers=kafka_bootstrap,
        retry_backoff=0.01,
        retry_backoff_max=0.05,
    )
    tries: list[int] = []
    write = effect_writer("dlq-test")

    @consumer.batch_handler(topic)
    async def apply(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
        if any(e.id == bad.event_id for e in envelopes):
            tries.append(len(envelopes))
            raise ValueError("cannot apply this report")
        await write(uow, envelopes)

    try:
        await produce(
            kafka_bootstrap,
            [good1, (topic, b"k", poison_value, poison_headers), good2, bad, good3],
        )
        await consumer.start()
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)

        applied = {r["event_id"] for r in await effects(pool, "dlq-test")}
        assert applied == {good1.event_id, good2.event_id, good3.event_id}  # good3 is after bad
        assert await committed_offsets(kafka_bootstrap, consumer.group_id, topic) == {0: 5}
        assert tries.count(1) == 5  # alone, the failing event had its 5 attempts

        poison, failed = await dlq.list_dead_letters(kafka_bootstrap, topic)
        assert poison.topic == f"{topic}.dlq"
        assert (poison.origin_topic, poison.origin_partition, poison.origin_offset) == (topic, 0, 1)
        assert poison.attempts == 1
        assert poison.error.startswith("InvalidMessage: ")
        assert poison.consumer == "dlq-test"
        assert poison.time is not None
        assert (poison.key, poison.value) == (b"k", poison_value)
        assert poison.original_headers == poison_headers  # byte for byte, the null one too

        assert (failed.origin_topic, failed.origin_partition, failed.origin_offset) == (topic, 0, 3)
        assert failed.attempts == 5
        assert failed.error == "ValueError: cannot apply this report"
        assert failed.event_id == str(bad.event_id)
        assert (failed.key, failed.value) == (bad.key, bad.value)
        assert failed.original_headers == bad.headers
        assert consumer.stats.dead_lettered == 2
        # exactly the headers the contract (schemas.deadletter, the AsyncAPI document) names
        for letter in (poison, failed):
            added = {k for k, _ in letter.headers if k.startswith("dlq_")}
            assert added == set(deadletter.HEADERS)
        assert [d.offset for d in await dlq.list_dead_letters(kafka_bootstrap, topic, limit=1)] == [
            poison.offset
        ]
    finally:
        await consumer.stop()
        await pool.close()


async def test_redrive_puts_the_message_back_on_its_topic_and_it_gets_processed(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=2)
    first, second = _reports(topic, 2)
    broken = {first.event_id, second.event_id}
    consumer = Consumer(
        "redrive-test",
        pool=pool,
        bootstrap_servers=kafka_bootstrap,
        max_attempts=2,
        retry_backoff=0.01,
    )
    write = effect_writer("redrive-test")

    @consumer.handler(TargetReported, topic=topic)
    async def apply(uow: UnitOfWork, envelope: Envelope) -> None:
        if envelope.id in broken:
            raise RuntimeError("target unknown yet")
        await write(uow, [envelope])

    try:
        await produce(kafka_bootstrap, [first, second])
        await consumer.start()
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        assert await effects(pool) == []
        letters = await dlq.list_dead_letters(kafka_bootstrap, topic, consumer="redrive-test")
        assert sorted(d.event_id for d in letters) == sorted(str(i) for i in broken)
        assert await dlq.list_dead_letters(kafka_bootstrap, topic, consumer="other") == []

        broken.clear()  # the cause is fixed
        one = next(d for d in letters if d.event_id == str(first.event_id))
        letter = await dlq.read_dead_letter(kafka_bootstrap, topic, one.partition, one.offset)
        assert letter == one
        await dlq.redrive(kafka_bootstrap, f"{topic}.dlq", one.partition, one.offset)
        await eventually(lambda: effects(pool), what="the redriven event to be applied")
        assert [r["event_id"] for r in await effects(pool)] == [first.event_id]

        assert len(await dlq.redrive_all(kafka_bootstrap, topic)) == 2  # both, first again
        await eventually(
            lambda: pool.fetchval("SELECT count(*) = 2 FROM effects"), what="the second event"
        )
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        applied = sorted(str(r["event_id"]) for r in await effects(pool))
        assert applied == sorted([str(first.event_id), str(second.event_id)])  # first once
        copies = [r for r in await read_topic(kafka_bootstrap, topic) if r.value == first.value]
        assert len(copies) == 3  # the original and two redrives: the inbox kept it to one effect
    finally:
        await consumer.stop()
        await pool.close()


async def test_what_a_handler_publishes_goes_where_the_consumer_s_topic_map_says(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    (event,) = _reports(topic, 1)
    routed = f"test.routed.{uuid4().hex[:8]}.v1"
    consumer = Consumer(
        "topic-map-test",
        pool=pool,
        bootstrap_servers=kafka_bootstrap,
        source="/thidua/progress",
        topic_map={"progress.reports.v1": routed},
    )

    @consumer.handler(TargetReported, topic=topic)
    async def republish(uow: UnitOfWork, envelope: Envelope) -> None:
        await uow.publish(envelope.data)  # a catalog event: its topic is progress.reports.v1

    try:
        await produce(kafka_bootstrap, [event])
        await consumer.start()
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        rows = await pool.fetch("SELECT * FROM outbox")
        assert [outbox.OutboxRow.from_record(r).topic for r in rows] == [routed]
    finally:
        await consumer.stop()
        await pool.close()


async def test_each_commit_is_exactly_the_offsets_of_its_batch(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=2)
    messages = _reports(topic, 60)
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    seen: list[tuple[dict[int, int], dict[int, int], dict[int, int]]] = []
    before: dict[int, int] = {}

    async def committed() -> dict[int, int]:
        offsets = await admin.list_consumer_group_offsets("commit-test")
        return {tp.partition: om.offset for tp, om in offsets.items() if tp.topic == topic}

    async def hook(stage: str, records: Sequence[ConsumerRecord]) -> None:
        nonlocal before
        if stage == "before_offset_commit":
            before = await committed()
        elif stage == "after_offset_commit":
            batch: dict[int, int] = {}
            for r in records:
                batch[r.partition] = max(batch.get(r.partition, 0), r.offset + 1)
            seen.append((before, batch, await committed()))

    consumer = Consumer(
        "commit-test", pool=pool, bootstrap_servers=kafka_bootstrap, max_records=7, hook=hook
    )
    consumer.batch_handler(topic)(effect_writer("commit-test"))
    try:
        await produce(kafka_bootstrap, messages)
        await consumer.start()
        assert consumer.kafka_consumer._enable_auto_commit is False
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        assert len(seen) >= 60 // 7
        for earlier, batch, after in seen:
            # what is committed after the batch: its own offsets, the other partition unchanged
            assert after == {**earlier, **batch}
            for partition, offset in batch.items():
                assert earlier.get(partition, 0) < offset
        assert await pool.fetchval("SELECT count(*) FROM effects") == 60
        assert await committed() == await filled_end_offsets(kafka_bootstrap, topic)
    finally:
        await consumer.stop()
        await admin.close()
        await pool.close()


async def test_events_keyed_by_their_effects_take_no_inbox_row_and_reach_the_handler_again(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    """A handler that deduplicates some events itself (`keyed_by_effect`) gets every delivered
    copy of them, and they leave no inbox row; the topic's other events go through the inbox."""
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    target = uuid4()
    keyed = report(topic, target_id=target, seq=1)
    other = report(topic, target_id=target, seq=200)
    consumer = Consumer("keyed-test", pool=pool, bootstrap_servers=kafka_bootstrap)
    consumer.batch_handler(topic, keyed_by_effect=lambda e: e.data.value < 100)(
        effect_writer("keyed-test")
    )
    with pytest.raises(ValueError, match="only one"):
        consumer.batch_handler(topic)(effect_writer("second"))
    try:
        await produce(kafka_bootstrap, [keyed, other, keyed, other])  # relay duplicates
        await consumer.start()
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        seqs = sorted(r["seq"] for r in await effects(pool, "keyed-test"))
        assert seqs == [1, 1, 200]
        inbox = await pool.fetch("SELECT event_id FROM inbox WHERE consumer = 'keyed-test'")
        assert [r["event_id"] for r in inbox] == [other.event_id]
    finally:
        await consumer.stop()
        await pool.close()


@pytest.mark.parametrize("stage", ["before_db_commit", "before_offset_commit"])
async def test_a_consumer_killed_mid_batch_loses_nothing_and_applies_nothing_twice(
    fresh_database: str, fresh_topic, kafka_bootstrap: str, stage: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=2)
    messages = _reports(topic, 40)
    name = f"crash-{stage}"
    await produce(kafka_bootstrap, messages)
    child = await spawn(
        "tests.runtime.helpers_consumer",
        fresh_database,
        kafka_bootstrap,
        topic,
        name,
        "--crash-at",
        stage,
        "--max-records",
        "10",
    )
    consumer = Consumer(
        name,
        pool=pool,
        bootstrap_servers=kafka_bootstrap,
        max_records=10,
        subscriber_options=FAST_GROUP,
    )
    consumer.batch_handler(topic)(effect_writer(name))
    try:
        line = await wait_line(child, "CRASH")
        assert await child.wait() == -9  # SIGKILL
        batch_size = int(line.split()[2])
        assert batch_size > 0
        in_batch = ast.literal_eval(line.split(maxsplit=3)[3])
        assert await committed_offsets(kafka_bootstrap, name, topic) == {}
        applied = await effects(pool, name)
        if stage == "before_db_commit":
            assert applied == []
        else:  # the batch is in the database, its offsets are not committed
            assert len(applied) == batch_size == len(in_batch)

        await consumer.start()  # the restart
        await wait_consumed(kafka_bootstrap, name, topic, timeout=120)
        applied = await effects(pool, name)
        assert len(applied) == 40
        assert {r["event_id"] for r in applied} == {m.event_id for m in messages}
        expected_duplicates = 0 if stage == "before_db_commit" else batch_size
        assert consumer.stats.duplicates == expected_duplicates
        assert await committed_offsets(kafka_bootstrap, name, topic) == await filled_end_offsets(
            kafka_bootstrap, topic
        )
    finally:
        await kill(child)
        await consumer.stop()
        await pool.close()


class Crash(BaseException):
    """Not an Exception: escapes every `except Exception`, like a crash would."""


async def test_a_crash_escaping_the_handler_rewinds_so_the_batch_is_read_again(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    messages = _reports(topic, 30)
    crashes: list[int] = []
    write = effect_writer("crash-test")
    consumer = Consumer("crash-test", pool=pool, bootstrap_servers=kafka_bootstrap, max_records=10)

    @consumer.batch_handler(topic)
    async def apply(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
        await write(uow, envelopes)
        if not crashes:
            crashes.append(len(envelopes))
            raise Crash  # FastStream's supervisor restarts its consume loop after this

    try:
        await produce(kafka_bootstrap, messages)
        await consumer.start()
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        applied = await effects(pool, "crash-test")
        assert crashes and len(applied) == 30
        assert {r["event_id"] for r in applied} == {m.event_id for m in messages}
    finally:
        await consumer.stop()
        await pool.close()


async def test_an_unreachable_database_is_waited_for_not_dead_lettered(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    messages = _reports(topic, 5)
    outages: list[int] = []
    write = effect_writer("outage-test")
    consumer = Consumer(
        "outage-test",
        pool=pool,
        bootstrap_servers=kafka_bootstrap,
        max_attempts=2,
        reconnect_backoff_max=0.3,
    )

    @consumer.batch_handler(topic)
    async def apply(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
        if len(outages) < 4:  # more outages than max_attempts
            outages.append(1)
            raise ConnectionResetError("connection to the database was lost")
        await write(uow, envelopes)

    try:
        await produce(kafka_bootstrap, messages)
        await consumer.start()
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        assert len(await effects(pool, "outage-test")) == 5
        assert consumer.stats.rewinds == 4
        assert consumer.stats.dead_lettered == 0
        assert await end_offsets(kafka_bootstrap, f"{topic}.dlq") == {0: 0}
    finally:
        await consumer.stop()
        await pool.close()


async def test_a_batch_where_everything_fails_is_held_back_not_dead_lettered(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    messages = _reports(topic, 10)
    write = effect_writer("systemic-test")
    consumer = Consumer(
        "systemic-test",
        pool=pool,
        bootstrap_servers=kafka_bootstrap,
        max_attempts=2,
        retry_backoff=0.01,
        reconnect_backoff_max=0.3,
        max_failed_per_batch=3,
    )
    broken = True

    @consumer.batch_handler(topic)
    async def apply(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
        if broken:  # a bad deploy: every event fails
            raise KeyError("column renamed")
        await write(uow, envelopes)

    try:
        await produce(kafka_bootstrap, messages)
        await consumer.start()
        await eventually(lambda: asyncio.sleep(0, consumer.stats.rewinds >= 2), what="rewinds")
        assert await committed_offsets(kafka_bootstrap, consumer.group_id, topic) == {}
        broken = False
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        assert len(await effects(pool, "systemic-test")) == 10
        assert consumer.stats.dead_lettered == 0
        assert await end_offsets(kafka_bootstrap, f"{topic}.dlq") == {0: 0}
    finally:
        await consumer.stop()
        await pool.close()


async def test_the_next_batch_is_decoded_while_one_is_applied_and_a_failure_rewinds_both(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    messages = _reports(topic, 40)
    stages: list[tuple[str, int]] = []  # (stage, the batch's first offset), in order

    async def hook(stage: str, records: Sequence[ConsumerRecord]) -> None:
        stages.append((stage, min(r.offset for r in records)))

    write = effect_writer("pipeline-test")
    consumer = Consumer(
        "pipeline-test",
        pool=pool,
        bootstrap_servers=kafka_bootstrap,
        max_records=5,
        reconnect_backoff_max=0.3,
        hook=hook,
    )
    failed: list[int] = []

    @consumer.batch_handler(topic)
    async def apply(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
        done = [o for s, o in stages if s == "after_offset_commit"]
        if len(done) == 2 and not failed:  # the third batch: the database goes away once
            failed.append(int(envelopes[0].data.value))
            raise ConnectionResetError("connection to the database was lost")
        await write(uow, envelopes)

    try:
        await produce(kafka_bootstrap, messages)
        await consumer.start()
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        applied = await effects(pool, "pipeline-test")
        assert sorted(r["seq"] for r in applied) == list(range(40))  # each once
        assert consumer.stats.rewinds == 1 and consumer.stats.dead_lettered == 0
        assert await committed_offsets(kafka_bootstrap, consumer.group_id, topic) == {0: 40}
        committed = [o for s, o in stages if s == "after_offset_commit"]
        assert committed == sorted(set(committed))  # one batch at a time, in order
        # a batch was decoded ("batch") before the one in front of it had committed its offsets
        assert any(
            stage == "batch" and later > earlier
            for i, (stage, later) in enumerate(stages)
            for s, earlier in stages[i + 1 :]
            if s == "after_offset_commit"
        )
        # the failed batch, and the one decoded behind it, were read again
        assert [o for s, o in stages if s == "batch"].count(failed[0]) == 2
    finally:
        await consumer.stop()
        await pool.close()


async def test_a_stop_finishes_the_batch_in_hand_commits_it_and_takes_no_other(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    """What a rolling restart asks of the consumer: the batch being applied when the stop comes
    is committed (database and offsets); the records fetched behind it are left to the next
    owner."""
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    await produce(kafka_bootstrap, _reports(topic, 200))
    in_hand = asyncio.Event()

    async def slow_commit(stage: str, records: Sequence[ConsumerRecord]) -> None:
        if stage == "before_db_commit":
            in_hand.set()
            await asyncio.sleep(1.0)  # the stop arrives here

    consumer = Consumer(
        "stop-test",
        pool=pool,
        bootstrap_servers=kafka_bootstrap,
        max_records=50,
        hook=slow_commit,
        subscriber_options=FAST_GROUP,
    )
    consumer.batch_handler(topic)(effect_writer("stop-test"))
    try:
        await consumer.start()
        await asyncio.wait_for(in_hand.wait(), 60)
        await consumer.stop()
        applied = len(await effects(pool, "stop-test"))
        committed = await committed_offsets(kafka_bootstrap, consumer.group_id, topic)
        assert applied == 50 and committed == {0: 50}, (applied, committed)
    finally:
        await consumer.stop()
        await pool.close()


async def test_a_bootstrap_of_several_brokers_is_a_list_the_consumer_tries_in_turn(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    """A cluster's THIDUA_KAFKA_BOOTSTRAP names several brokers, comma-separated (the `cluster`
    profile's three). The first named here answers nothing: the consumer goes on to the next."""
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        silent = f"127.0.0.1:{s.getsockname()[1]}"  # closed again: nothing listens there
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=1)
    [event] = _reports(topic, 1)
    consumer = Consumer(
        "bootstrap-test", pool=pool, bootstrap_servers=f"{silent},{kafka_bootstrap}"
    )
    consumer.batch_handler(topic)(effect_writer("bootstrap-test"))
    try:
        await produce(kafka_bootstrap, [event])
        await consumer.start()
        await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        assert [r["event_id"] for r in await effects(pool, "bootstrap-test")] == [event.event_id]
    finally:
        await consumer.stop()
        await pool.close()
