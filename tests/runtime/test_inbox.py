"""The inbox against the real PostgreSQL and Kafka: a redelivered event changes nothing twice,
also when two transactions race for the same event, and each consumer name keeps its own."""

from __future__ import annotations

import asyncio
from uuid import uuid4

import asyncpg
import pytest

from servicekit import inbox
from servicekit.consumer import Consumer
from tests.runtime.helpers_runtime import (
    effect_writer,
    effects,
    prepare_database,
    produce,
    report,
    wait_consumed,
)

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


def _entry(event_id, offset=0) -> inbox.InboxEntry:
    return inbox.InboxEntry(event_id, "t.v1", 0, offset)


async def test_record_new_returns_only_the_ids_not_seen_before(fresh_database: str) -> None:
    pool = await prepare_database(fresh_database)
    try:
        a, b, c = uuid4(), uuid4(), uuid4()
        async with pool.acquire() as con, con.transaction():
            assert await inbox.record_new(con, "x", [_entry(a), _entry(b), _entry(a, 2)]) == {a, b}
        async with pool.acquire() as con, con.transaction():
            assert await inbox.record_new(con, "x", [_entry(b), _entry(c)]) == {c}
            assert await inbox.record_new(con, "y", [_entry(b)]) == {b}  # per consumer name
        async with pool.acquire() as con:
            with pytest.raises(RuntimeError):
                await inbox.record_new(con, "x", [_entry(uuid4())])  # outside a transaction
            assert await inbox.is_processed(con, "x", a)
            assert not await inbox.is_processed(con, "y", a)
            assert await inbox.forget(con, "y") == 1
    finally:
        await pool.close()


@pytest.mark.parametrize("first_commits", [True, False])
async def test_a_racing_transaction_waits_and_then_sees_the_outcome(
    fresh_database: str, first_commits: bool
) -> None:
    await (await prepare_database(fresh_database)).close()
    one = await asyncpg.connect(fresh_database)
    two = await asyncpg.connect(fresh_database)
    try:
        event = uuid4()
        tx1 = one.transaction()
        await tx1.start()
        assert await inbox.record_new(one, "x", [_entry(event)]) == {event}

        async def second() -> set:
            async with two.transaction():
                return await inbox.record_new(two, "x", [_entry(event)])

        racing = asyncio.create_task(second())
        await asyncio.sleep(0.5)
        assert not racing.done()  # blocked on the first transaction's row
        if first_commits:
            await tx1.commit()
            assert await asyncio.wait_for(racing, 30) == set()
        else:
            await tx1.rollback()
            assert await asyncio.wait_for(racing, 30) == {event}
    finally:
        await one.close()
        await two.close()


async def test_the_same_event_delivered_again_has_one_effect(
    fresh_database: str, fresh_topic, kafka_bootstrap: str
) -> None:
    pool = await prepare_database(fresh_database)
    topic = await fresh_topic(partitions=2)
    once, twice = report(topic, target_id=uuid4(), seq=1), report(topic, target_id=uuid4(), seq=2)
    consumers = []
    try:
        # `twice` comes twice in a row (one batch), and once more after it was applied
        await produce(kafka_bootstrap, [once, twice, twice])
        for name in ("inbox-a", "inbox-b"):
            consumer = Consumer(name, pool=pool, bootstrap_servers=kafka_bootstrap)
            consumer.batch_handler(topic)(effect_writer(name))
            consumers.append(consumer)
            await consumer.start()
        for consumer in consumers:
            await wait_consumed(kafka_bootstrap, consumer.group_id, topic)
        await produce(kafka_bootstrap, [twice])
        for consumer in consumers:
            await wait_consumed(kafka_bootstrap, consumer.group_id, topic)

        for name in ("inbox-a", "inbox-b"):  # each consumer name applied each event once
            applied = sorted(str(r["event_id"]) for r in await effects(pool, name))
            assert applied == sorted([str(once.event_id), str(twice.event_id)])
        for consumer in consumers:
            assert consumer.stats.applied == 2
            assert consumer.stats.duplicates == 2
        count = await pool.fetchval("SELECT count(*) FROM inbox")
        assert count == 4
    finally:
        for consumer in consumers:
            await consumer.stop()
        await pool.close()
