"""What an operator looks at beyond "is it up": consumer lag, outbox backlog, dead letters."""

from __future__ import annotations

from dataclasses import dataclass

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from infra import postgres
from infra.profile import SERVICES, Profile
from schemas.catalog import TOPICS


@dataclass(frozen=True)
class Lag:
    group: str
    topic: str
    committed: int  # summed over the topic's partitions
    end: int
    lag: int


async def _end_offsets(bootstrap: str, partitions: list[TopicPartition]) -> dict:
    if not partitions:
        return {}
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        return await reader.end_offsets(partitions)
    finally:
        await reader.stop()


async def consumer_lag(bootstrap: str) -> list[Lag]:
    """Per consumer group and topic: how many records are not yet committed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        groups = sorted(g[0] for g in await admin.list_consumer_groups())
        committed = {g: await admin.list_consumer_group_offsets(g) for g in groups}
    finally:
        await admin.close()
    partitions = sorted({tp for offsets in committed.values() for tp in offsets})
    ends = await _end_offsets(bootstrap, partitions)
    rows: dict[tuple[str, str], list[int]] = {}
    for group, offsets in committed.items():
        for tp, meta in offsets.items():
            row = rows.setdefault((group, tp.topic), [0, 0])
            row[0] += max(meta.offset, 0)
            row[1] += ends.get(tp, 0)
    return [Lag(g, t, c, e, e - c) for (g, t), (c, e) in sorted(rows.items())]


async def dead_letter_counts(bootstrap: str) -> dict[str, int]:
    """Records held by each `.dlq` topic of the catalog (end minus beginning offsets)."""
    partitions = [TopicPartition(t.dlq, 0) for t in TOPICS]
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        begins = await reader.beginning_offsets(partitions)
        ends = await reader.end_offsets(partitions)
    finally:
        await reader.stop()
    return {tp.topic: ends[tp] - begins[tp] for tp in partitions}


async def outbox_backlog(p: Profile) -> dict[str, int | str]:
    """Rows each service has written to its outbox and its relay has not published yet."""
    backlog: dict[str, int | str] = {}
    for service in SERVICES:
        try:
            con = await asyncpg.connect(postgres.dsn(p, service), timeout=3)
        except (OSError, asyncpg.PostgresError) as e:
            backlog[service] = f"unreachable: {type(e).__name__}"
            continue
        try:
            exists = await con.fetchval("SELECT to_regclass('outbox') IS NOT NULL")
            backlog[service] = await con.fetchval("SELECT count(*) FROM outbox") if exists else 0
        finally:
            await con.close()
    return backlog
