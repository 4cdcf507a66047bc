"""What an operator looks at beyond "is it up": consumer lag, outbox backlog, dead letters, a
consumer group's progress (a replay's), notify's parked deliveries."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.protocol.admin import DescribeGroupsRequest, DescribeGroupsRequest_v2

from infra import postgres
from infra.profile import SERVICES, Profile
from schemas.catalog import TOPICS
from servicekit.kafka_security import client_options


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
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options()
    )
    await reader.start()
    try:
        return await reader.end_offsets(partitions)
    finally:
        await reader.stop()


async def consumer_lag(bootstrap: str) -> list[Lag]:
    """Per consumer group and topic: how many records are not yet committed."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
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


async def group_members(bootstrap: str, groups: list[str]) -> dict[str, int]:
    """How many members each consumer group has now: a service's replicas that consume join its
    group, so this counts them whatever started them."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
    await admin.start()
    members = {}
    try:
        for group in groups:
            node = await admin.find_coordinator(group)
            response = await admin._send_request_to_node(node, _DescribeGroupsV2([group]))
            # (error, group id, state, protocol type, protocol, members)
            members.update({g[1]: len(g[5]) for g in response.groups})
    finally:
        await admin.close()
    return members


class _DescribeGroupsV2(DescribeGroupsRequest):
    """Version 2 of the request whatever the broker offers: aiokafka decodes a version 3 answer
    with version 2's layout (no `authorized_operations`) and fails on it."""

    def build(self, request_struct_class: type) -> DescribeGroupsRequest_v2:
        return DescribeGroupsRequest_v2(self._groups)


async def dead_letter_counts(bootstrap: str) -> dict[str, int]:
    """Records held by each `.dlq` topic of the catalog (end minus beginning offsets)."""
    partitions = [TopicPartition(t.dlq, 0) for t in TOPICS]
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options()
    )
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


# ---- one consumer group's progress (a replay's) ----------------------------------------------


@dataclass(frozen=True)
class GroupProgress:
    consumed: int  # committed offsets above the topics' beginning, summed over partitions
    total: int  # records the topics hold (end minus beginning offsets)
    trimmed: int  # records no longer on the topics (beginning offsets above zero)

    @property
    def lag(self) -> int:
        return self.total - self.consumed


class GroupWatch:
    """Reads a consumer group's committed offsets against the end offsets of the topics it
    consumes, on clients kept open between readings (`async with GroupWatch(...) as w`)."""

    def __init__(self, bootstrap: str, group: str, topics: list[str]) -> None:
        self.group, self.topics = group, topics
        self._admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
        self._reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap, enable_auto_commit=False, **client_options()
        )
        self._partitions: list[TopicPartition] = []

    async def __aenter__(self) -> GroupWatch:
        await self._admin.start()
        await self._reader.start()
        await self._reader._client.force_metadata_update()  # partitions_for_topic reads it
        missing = [t for t in self.topics if not self._reader.partitions_for_topic(t)]
        if missing:
            await self.__aexit__()
            raise LookupError(f"no such topic: {', '.join(missing)}")
        self._partitions = [
            TopicPartition(t, n) for t in self.topics for n in self._reader.partitions_for_topic(t)
        ]
        return self

    async def __aexit__(self, *_: object) -> None:
        await self._reader.stop()
        await self._admin.close()

    async def progress(self) -> GroupProgress:
        begins = await self._reader.beginning_offsets(self._partitions)
        ends = await self._reader.end_offsets(self._partitions)
        committed = await self._admin.list_consumer_group_offsets(
            self.group, partitions=self._partitions
        )
        consumed = total = trimmed = 0
        for tp in self._partitions:
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else 0
            consumed += max(done, begins[tp]) - begins[tp]
            total += ends[tp] - begins[tp]
            trimmed += begins[tp]
        return GroupProgress(consumed=consumed, total=total, trimmed=trimmed)


async def delete_group(bootstrap: str, group: str, attempts: int = 20) -> bool:
    """Delete an empty consumer group and its committed offsets. A member that has just left can
    keep the group non-empty for a moment, so this retries. True when deleted or not there."""
    from aiokafka.protocol.admin import DeleteGroupsRequest

    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, **client_options())
    await admin.start()
    try:
        for _ in range(attempts):
            node = await admin.find_coordinator(group)
            # aiokafka's admin client has no delete_consumer_groups: send the protocol's request
            response = await admin._send_request_to_node(node, DeleteGroupsRequest([group]))
            ((_, code),) = response.results
            if code in (0, 69):  # deleted; GROUP_ID_NOT_FOUND
                return True
            await asyncio.sleep(0.5)  # 68 NON_EMPTY_GROUP, 16 NOT_COORDINATOR, 14 LOADING
        return False
    finally:
        await admin.close()


# ---- notify's parked deliveries ---------------------------------------------------------------


@dataclass(frozen=True)
class ParkedGroup:
    channel: str  # email or webhook
    subscription_id: str  # the webhook subscription, or the contact (email address) id
    subscriber: str  # the integration client, or the person/unit the address belongs to
    count: int
    oldest: datetime | None


@dataclass(frozen=True)
class SuspendedSubscriber:
    subscription_id: str
    client_id: str
    since: datetime
    reason: str | None
    waiting: int  # pending deliveries held back


@dataclass(frozen=True)
class Parked:
    groups: list[ParkedGroup]
    suspended: list[SuspendedSubscriber]

    @property
    def total(self) -> int:
        return sum(g.count for g in self.groups)


async def parked_deliveries(dsn: str) -> Parked:
    """Notify's parked (dead) deliveries per channel and subscriber, and its suspended webhook
    subscribers, read from notify's database (an empty answer before notify first started)."""
    con = await asyncpg.connect(dsn, timeout=3)
    try:
        if not await con.fetchval("SELECT to_regclass('deliveries') IS NOT NULL"):
            return Parked([], [])
        groups = await con.fetch(
            "SELECT d.channel, d.subscription_id::text,"
            " coalesce(s.client_id, c.owner_kind || ' ' || c.owner_id, 'deleted') AS subscriber,"
            " count(*) AS count, min(d.parked_at) AS oldest"
            " FROM deliveries d"
            " LEFT JOIN webhook_subscriptions s"
            "  ON d.channel = 'webhook' AND s.id = d.subscription_id"
            " LEFT JOIN contacts c ON d.channel = 'email' AND c.id = d.subscription_id"
            " WHERE d.status = 'parked' GROUP BY 1, 2, 3 ORDER BY count(*) DESC, 1, 2"
        )
        suspended = await con.fetch(
            "SELECT s.id::text AS subscription_id, s.client_id, s.suspended_at AS since,"
            " s.suspended_reason AS reason,"
            " (SELECT count(*) FROM deliveries d WHERE d.subscription_id = s.id"
            "  AND d.status = 'pending') AS waiting"
            " FROM webhook_subscriptions s"
            " WHERE s.suspended_at IS NOT NULL AND s.deleted_at IS NULL ORDER BY s.suspended_at"
        )
    finally:
        await con.close()
    return Parked(
        [ParkedGroup(**dict(r)) for r in groups],
        [SuspendedSubscriber(**dict(r)) for r in suspended],
    )
