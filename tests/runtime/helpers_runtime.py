"""Shared helpers of the runtime tests: a migrated database with an `effects` table, test events
on fresh topics, and reading what the real broker holds (records, committed and end offsets)."""

from __future__ import annotations

import asyncio
import dataclasses
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import UUID, uuid4

import asyncpg
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, ConsumerRecord, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from fastapi import APIRouter, Request

import servicekit
from schemas.envelope import Envelope, Message, to_message
from schemas.progress import TargetReported
from servicekit import db
from servicekit.unit_of_work import UnitOfWork

RUNTIME_MIGRATIONS = Path(servicekit.__file__).parent / "migrations"
SOURCE = "/thidua/test"
CAMPAIGN = UUID("00000000-0000-4000-8000-000000000001")
UNIT = UUID("00000000-0000-4000-8000-000000000002")

# What the test handlers do: one row per application of an event (no key, so a double
# application would show as two rows).
EFFECTS_DDL = """
CREATE TABLE IF NOT EXISTS effects (
    consumer text NOT NULL,
    event_id uuid NOT NULL,
    target_id uuid NOT NULL,
    seq integer NOT NULL
)
"""


async def prepare_database(dsn: str) -> asyncpg.Pool:
    pool = await db.create_pool(dsn, max_size=8)
    await db.migrate(pool, RUNTIME_MIGRATIONS)
    await pool.execute(EFFECTS_DDL)
    return pool


def report(topic: str, *, target_id: UUID, seq: int, event_id: UUID | None = None) -> Message:
    """A real TargetReported (value = seq) as a message for `topic` instead of its catalog one."""
    event = TargetReported(
        report_id=uuid4(),
        target_id=target_id,
        campaign_id=CAMPAIGN,
        unit_id=UNIT,
        value=float(seq),
        as_of=date(2020, 11, 30),
        reported_at=datetime(2020, 12, 1, 2, 15, tzinfo=UTC),
    )
    return dataclasses.replace(to_message(event, source=SOURCE, event_id=event_id), topic=topic)


def effect_writer(consumer: str) -> Callable[[UnitOfWork, list[Envelope]], Awaitable[None]]:
    """A batch handler recording one `effects` row per event it is given."""

    async def write(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
        await uow.con.executemany(
            "INSERT INTO effects (consumer, event_id, target_id, seq) VALUES ($1, $2, $3, $4)",
            [(consumer, e.id, e.data.target_id, int(e.data.value)) for e in envelopes],
        )

    return write


async def effects(pool: asyncpg.Pool, consumer: str | None = None) -> list[asyncpg.Record]:
    return await pool.fetch(
        "SELECT * FROM effects WHERE $1::text IS NULL OR consumer = $1", consumer
    )


async def produce(
    bootstrap: str,
    messages: Sequence[Message | tuple[str, bytes | None, bytes | None, list]],
) -> None:
    """Publish messages (or raw (topic, key, value, headers) tuples) in order, acks=all."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap, acks="all", enable_idempotence=True, linger_ms=5
    )
    await producer.start()
    try:
        futures = []
        for m in messages:
            if isinstance(m, Message):
                topic, key, value, headers = m.topic, m.key, m.value, m.headers
            else:
                topic, key, value, headers = m
            futures.append(await producer.send(topic, value=value, key=key, headers=headers))
        await asyncio.gather(*futures)
    finally:
        await producer.stop()


async def read_topic(bootstrap: str, topic: str) -> list[ConsumerRecord]:
    """Every record on `topic` now, per partition in offset order (partitions in turn)."""
    reader = AIOKafkaConsumer(
        bootstrap_servers=bootstrap,
        group_id=None,
        enable_auto_commit=False,
        auto_offset_reset="earliest",
    )
    await reader.start()
    try:
        await reader._client.force_metadata_update()
        partitions = reader.partitions_for_topic(topic) or set()
        tps = [TopicPartition(topic, p) for p in sorted(partitions)]
        reader.assign(tps)
        ends = await reader.end_offsets(tps)
        await reader.seek_to_beginning(*tps)
        out: dict[TopicPartition, list[ConsumerRecord]] = {tp: [] for tp in tps}
        async with asyncio.timeout(60):
            while any(len(out[tp]) < ends[tp] for tp in tps):
                for tp, records in (await reader.getmany(timeout_ms=500)).items():
                    out[tp].extend(records)
        return [r for tp in tps for r in out[tp]]
    finally:
        await reader.stop()


async def end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=None)
    await reader.start()
    try:
        await reader._client.force_metadata_update()
        tps = [TopicPartition(topic, p) for p in sorted(reader.partitions_for_topic(topic))]
        return {tp.partition: o for tp, o in (await reader.end_offsets(tps)).items()}
    finally:
        await reader.stop()


async def filled_end_offsets(bootstrap: str, topic: str) -> dict[int, int]:
    """The end offsets of the partitions of `topic` that hold records: what a group that read
    everything has committed (random keys may leave a partition empty, with nothing to commit)."""
    return {p: o for p, o in (await end_offsets(bootstrap, topic)).items() if o}


async def committed_offsets(bootstrap: str, group: str, topic: str) -> dict[int, int]:
    """The group's committed offsets on `topic`, by partition (absent: nothing committed)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        offsets = await admin.list_consumer_group_offsets(group)
    finally:
        await admin.close()
    return {tp.partition: om.offset for tp, om in offsets.items() if tp.topic == topic}


async def eventually(
    check: Callable[[], Awaitable[object]],
    *,
    timeout: float = 90.0,  # noqa: ASYNC109
    interval: float = 0.2,
    what: str = "condition",
) -> object:
    """Poll `check` until it returns something truthy; fail after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    last: object = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


async def wait_consumed(bootstrap: str, group: str, topic: str, *, timeout: float = 90.0) -> None:  # noqa: ASYNC109
    """Wait until the group's commits reach the end of every partition of `topic`."""
    ends = await end_offsets(bootstrap, topic)

    async def caught_up() -> bool:
        committed = await committed_offsets(bootstrap, group, topic)
        return all(committed.get(p, 0) >= end for p, end in ends.items() if end > 0)

    await eventually(caught_up, timeout=timeout, what=f"{group} to consume {topic} to {ends}")


ROOT = Path(__file__).resolve().parents[2]


async def spawn(module: str, *args: str) -> asyncio.subprocess.Process:
    """Start `python -m module args...` from the repository root, stdout piped."""
    import sys

    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        module,
        *args,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=None,
    )


async def wait_line(
    proc: asyncio.subprocess.Process,
    prefix: str,
    *,
    timeout: float = 90.0,  # noqa: ASYNC109
) -> str:
    """The first line of the child's stdout starting with `prefix`."""
    assert proc.stdout is not None
    async with asyncio.timeout(timeout):
        while True:
            line = await proc.stdout.readline()
            if not line:
                raise AssertionError(f"child exited ({await proc.wait()}) before {prefix!r}")
            text = line.decode().strip()
            if text.startswith(prefix):
                return text


async def kill(proc: asyncio.subprocess.Process) -> None:
    """SIGKILL the child (by its pid) and reap it."""
    if proc.returncode is None:
        proc.kill()
    await asyncio.wait_for(proc.wait(), 30)


def reporting_router(topic: str) -> APIRouter:
    """POST /reports: records a report and publishes its TargetReported to `topic` through the
    outbox, in one unit of work, as a service's write does; answers the event's id."""
    router = APIRouter()

    @router.post("/reports", status_code=201)
    async def post_report(request: Request) -> dict:
        event = TargetReported(
            report_id=uuid4(),
            target_id=uuid4(),
            campaign_id=uuid4(),
            unit_id=uuid4(),
            value=42.0,
            as_of=date(2020, 6, 30),
            reported_at=datetime.now(UTC),
        )
        async with UnitOfWork(request.app.state.service.pool) as uow:
            await uow.con.execute("CREATE TABLE IF NOT EXISTS reports (id uuid PRIMARY KEY)")
            await uow.con.execute("INSERT INTO reports VALUES ($1)", event.report_id)
            message = to_message(event, source="/thidua/progress")
            await uow.publish(dataclasses.replace(message, topic=topic))
        return {"event_id": str(message.event_id)}

    return router
