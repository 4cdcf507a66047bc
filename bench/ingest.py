"""Ingest: TargetReported events pre-loaded on a fresh topic, consumed three ways.

- **project**: the progress service as a process (`python -m services.progress`), its real
  consumer (servicekit.consumer: decoding, inbox, one transaction per batch, outbox, exact offset
  commits) and its real batch handler (`consumers.reports.ingest`), on a database holding the read
  model (units, blocs, the campaign and its targets). The standings worker runs as in production.
- **baseline**: a hand-written aiokafka `getmany` + asyncpg loop making the same writes per batch
  (inbox rows, reports, the targets' current/first report, the blocs to re-rank) in one
  transaction, then one offset commit; no validation beyond `json.loads`, no framework, no spans.
- **minimal loop**: the physical anchor: aiokafka `getmany` + asyncpg, per batch one transaction
  of three statements (dedupe by event id, insert the reports, upsert each target's running
  total) on tables of its own; `json.loads` and nothing else. The project is held to ≥ 0.7× it.
- **ceiling**: aiokafka consuming only.

The loops' rates are read from their inbox (see `harness.inbox_rate`), the project's from its
group's committed offsets, polled (`harness.follow_group`: its reports leave no inbox row), so
start-up and the group join are not counted in any.
"""

from __future__ import annotations

import json
import os
import time
import uuid
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer

from bench import data
from bench.harness import (
    Context,
    CpuMeter,
    Result,
    follow_group,
    inbox_rate,
    mb,
    produce,
    service,
)
from schemas.base import Event
from schemas.catalog import TOPICS
from schemas.envelope import from_message, source_for, to_message
from servicekit import db
from servicekit.service import RUNTIME_MIGRATIONS
from servicekit.unit_of_work import UnitOfWork
from services import progress
from services.progress import consumers

PROGRESS_MIGRATIONS = Path(progress.__file__).parent / "migrations"
REPORTS = "progress.reports.v1"
CONSUMED = list(consumers.HANDLERS)
PARTITIONS = {t.name: t.partitions for t in TOPICS}


async def prefill(dsn: str, pv: data.Province) -> None:
    """The progress schema and the registry's read model, through progress's own handlers."""
    pool = await db.create_pool(dsn, max_size=2)
    try:
        await db.migrate(pool, RUNTIME_MIGRATIONS, PROGRESS_MIGRATIONS)
        await feed(pool, data.registry_events(pv))
    finally:
        await pool.close()


def progress_env(topic_map: dict[str, str], group: str) -> dict[str, str]:
    return {
        "THIDUA_PROGRESS_TOPIC_MAP": json.dumps(topic_map),
        "THIDUA_CONSUMER_GROUP": group,
        "THIDUA_PROGRESS_SCHEDULER": "false",
        # TargetReported on progress's own topic is what a rebuild reads (a live instance doesn't)
        "THIDUA_PROGRESS_READ_OWN_TOPICS": "true",
        **json.loads(os.environ.get("BENCH_PROGRESS_ENV", "{}")),  # experiments
    }


async def run(ctx: Context) -> list[Result]:
    n = ctx.n(200_000)
    pv = data.province(units=max(10, ctx.n(500)))
    async with ctx.topics({name: PARTITIONS[name] for name in CONSUMED}) as topics:
        topic = topics[REPORTS]
        messages = data.messages(data.reports(pv, n), topic, source_for("progress"))
        produced = await produce(ctx.bootstrap, messages)
        del messages
        ceiling = await consume_only(ctx.bootstrap, topic, n)

        async with ctx.database() as dsn:
            await prefill(dsn, pv)
            await baseline(ctx.bootstrap, dsn, topic, n)
            _, base_rate = await inbox_rate(dsn)

        async with ctx.database() as dsn:
            await minimal(ctx.bootstrap, dsn, topic, n)
            _, minimal_rate = await inbox_rate(dsn)

        async with ctx.database() as dsn:
            await prefill(dsn, pv)
            group = f"bench-progress-{uuid.uuid4().hex[:8]}"
            async with service(ctx, "progress", dsn, progress_env(topics, group)) as proc:
                meter = CpuMeter({"progress": proc.proc.pid}, ctx.profile)
                followed = await follow_group(
                    ctx.bootstrap, group, n, meter, limit=max(120, n / 1000)
                )
                peak = proc.rss.peak if proc.rss else 0
            total, rate, cpu = followed.events, followed.rate, followed.cpu_us
    shape = f"{n:,} events, {len(pv.targets):,} targets of {len(pv.units)} units, 4 partitions"
    return [
        Result(
            "ingest: progress consumer",
            rate,
            "events/s",
            "≥ 25,000/s and ≥ 0.7× the minimal loop",
            rate >= 25_000 and rate >= 0.7 * minimal_rate,
            baseline=minimal_rate,
            baseline_name="minimal loop: dedupe + insert + total",
            note=f"{shape}; produced at {produced:,.0f}/s (acks=all); ceiling: aiokafka "
            f"consume-only {ceiling:,.0f}/s; CPU per event: "
            + ", ".join(f"{part} {us:.0f} µs" for part, us in cpu.items()),
            extra={
                "events": total,
                "produced_per_s": produced,
                "ceiling_per_s": ceiling,
                "cpu_us_per_event": cpu,
            },
        ),
        Result(
            "ingest: progress consumer vs its same-writes loop",
            rate,
            "events/s",
            "(reference)",
            None,
            baseline=base_rate,
            baseline_name="aiokafka+asyncpg loop, the same writes",
        ),
        Result(
            "ingest: consume-only ceiling",
            ceiling,
            "events/s",
            "(reference)",
            None,
        ),
        Result(
            "memory: progress during ingest",
            mb(peak),
            "MB",
            "≤ 150 MB",
            mb(peak) <= 150,
            note="peak RSS of the service process, sampled every 0.1 s",
        ),
    ]


async def consume_only(bootstrap: str, topic: str, n: int) -> float:
    """aiokafka alone: records per second from the first fetched batch to the n-th record."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-raw-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    try:
        seen, first = 0, 0
        started: float | None = None
        while seen < n:
            batch = await consumer.getmany(timeout_ms=1000, max_records=2000)
            got = sum(len(v) for v in batch.values())
            if got and started is None:
                started, first = time.perf_counter(), got
            seen += got
        if started is None:
            raise RuntimeError(f"no record of {topic} was fetched")
        return (seen - first) / (time.perf_counter() - started)
    finally:
        await consumer.stop()


# ---- the baseline: no framework -----------------------------------------------------------------

_INBOX = """
INSERT INTO inbox (consumer, event_id, topic, partition, "offset")
SELECT 'baseline', * FROM unnest($1::uuid[], $2::text[], $3::int[], $4::bigint[])
ON CONFLICT DO NOTHING RETURNING event_id
"""
_LOCK = "SELECT 1 FROM targets WHERE target_id = ANY($1::uuid[]) ORDER BY target_id FOR UPDATE"
_REPORTS = """
WITH ins AS (
    INSERT INTO reports (report_id, target_id, campaign_id, unit_id, value, as_of, reported_at,
                         note, evidence, supersedes)
    SELECT report_id, target_id, campaign_id, unit_id, value, as_of, reported_at, note,
           string_to_array(evidence, ' '), supersedes
    FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::numeric[],
                         $6::date[], $7::timestamptz[], $8::text[], $9::text[], $10::uuid[])
         AS x(report_id, target_id, campaign_id, unit_id, value, as_of, reported_at, note,
              evidence, supersedes)
    ON CONFLICT DO NOTHING
    RETURNING report_id, target_id, as_of, reported_at
), latest AS (
    SELECT DISTINCT ON (target_id) * FROM ins
    ORDER BY target_id, as_of DESC, reported_at DESC, report_id DESC
), first AS (
    SELECT DISTINCT ON (target_id) target_id, report_id FROM ins
    ORDER BY target_id, reported_at, report_id
)
UPDATE targets t SET
    current_report_id = CASE WHEN t.current_report_id IS NULL
        OR (l.as_of, l.reported_at, l.report_id)
           > (SELECT c.as_of, c.reported_at, c.report_id FROM reports c
              WHERE c.report_id = t.current_report_id)
        THEN l.report_id ELSE t.current_report_id END,
    first_report_id = COALESCE(t.first_report_id, f.report_id)
FROM latest l JOIN first f USING (target_id)
WHERE t.target_id = l.target_id
"""
_DIRTY = """
INSERT INTO standings_dirty (bloc_id, year)
SELECT DISTINCT m.bloc_id, m.year FROM bloc_members m
WHERE m.unit_id = ANY($1::uuid[]) AND m.year = $2
"""


async def baseline(bootstrap: str, dsn: str, topic: str, n: int) -> None:
    await _loop(bootstrap, dsn, topic, n, "baseline", _apply)


async def _loop(
    bootstrap: str, dsn: str, topic: str, n: int, name: str, apply: Any, schema: str = ""
) -> None:
    """`getmany`, `apply(con, records)`, commit the offsets: until `n` records are applied."""
    consumer = AIOKafkaConsumer(
        topic,
        bootstrap_servers=bootstrap,
        group_id=f"bench-{name}-{uuid.uuid4().hex[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    con = await asyncpg.connect(dsn)
    try:
        if schema:
            await con.execute(schema)
        done = 0
        while done < n:
            batch = await consumer.getmany(timeout_ms=200, max_records=2000)
            records = [r for rs in batch.values() for r in rs]
            if not records:
                continue
            await apply(con, records)
            await consumer.commit({tp: rs[-1].offset + 1 for tp, rs in batch.items() if rs})
            done += len(records)
    finally:
        await con.close()
        await consumer.stop()


async def _apply(con: asyncpg.Connection, records: Sequence[Any]) -> None:
    ids, topics, parts, offsets, events = [], [], [], [], []
    for r in records:
        headers = dict(r.headers)
        ids.append(uuid.UUID(headers["ce_id"].decode()))
        topics.append(r.topic)
        parts.append(r.partition)
        offsets.append(r.offset)
        events.append(json.loads(r.value))
    async with con.transaction():
        new = {row[0] for row in await con.fetch(_INBOX, ids, topics, parts, offsets)}
        fresh = [e for i, e in zip(ids, events, strict=True) if i in new]
        if not fresh:
            return
        await con.execute(_LOCK, sorted({e["target_id"] for e in fresh}))
        await con.execute(
            _REPORTS,
            [e["report_id"] for e in fresh],
            [e["target_id"] for e in fresh],
            [e["campaign_id"] for e in fresh],
            [e["unit_id"] for e in fresh],
            [str(e["value"]) for e in fresh],
            [date.fromisoformat(e["as_of"]) for e in fresh],
            [datetime.fromisoformat(e["reported_at"]) for e in fresh],
            [e["note"] for e in fresh],
            [" ".join(e["evidence"]) for e in fresh],
            [e["supersedes"] for e in fresh],
        )
        await con.execute(_DIRTY, list({e["unit_id"] for e in fresh}), data.YEAR)


# ---- the minimal loop: the physical anchor ------------------------------------------------------

_MINIMAL_SCHEMA = """
CREATE TABLE inbox (consumer text NOT NULL, event_id uuid PRIMARY KEY,
                    processed_at timestamptz NOT NULL DEFAULT now());
CREATE TABLE m_reports (report_id uuid PRIMARY KEY, target_id uuid NOT NULL,
                        value numeric NOT NULL, as_of date NOT NULL);
CREATE TABLE m_totals (target_id uuid PRIMARY KEY, total numeric NOT NULL, reports int NOT NULL);
"""
_DEDUPE = """
INSERT INTO inbox (consumer, event_id) SELECT 'minimal', * FROM unnest($1::uuid[])
ON CONFLICT DO NOTHING RETURNING event_id
"""
_INSERT = """
INSERT INTO m_reports SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::numeric[], $4::date[])
ON CONFLICT DO NOTHING
"""
_TOTALS = """
INSERT INTO m_totals SELECT * FROM unnest($1::uuid[], $2::numeric[], $3::int[])
ON CONFLICT (target_id) DO UPDATE
SET total = m_totals.total + EXCLUDED.total, reports = m_totals.reports + EXCLUDED.reports
"""


async def minimal(bootstrap: str, dsn: str, topic: str, n: int) -> None:
    await _loop(bootstrap, dsn, topic, n, "minimal", _apply_minimal, _MINIMAL_SCHEMA)


async def _apply_minimal(con: asyncpg.Connection, records: Sequence[Any]) -> None:
    ids = [uuid.UUID(dict(r.headers)["ce_id"].decode()) for r in records]
    events = [json.loads(r.value) for r in records]
    async with con.transaction():
        new = {row[0] for row in await con.fetch(_DEDUPE, ids)}
        fresh = [e for i, e in zip(ids, events, strict=True) if i in new]
        await con.execute(
            _INSERT,
            [e["report_id"] for e in fresh],
            [e["target_id"] for e in fresh],
            [str(e["value"]) for e in fresh],
            [date.fromisoformat(e["as_of"]) for e in fresh],
        )
        totals: dict[str, list] = {}
        for e in fresh:
            t = totals.setdefault(e["target_id"], [0.0, 0])
            t[0] += e["value"]
            t[1] += 1
        await con.execute(
            _TOTALS, list(totals), [str(v[0]) for v in totals.values()],
            [v[1] for v in totals.values()],
        )  # fmt: skip


async def feed(pool: asyncpg.Pool, events: list[Event]) -> None:
    """Apply events as progress's consumer would (through the wire form, per topic, one
    transaction), without Kafka: set-up, not measured."""
    handlers = consumers.HANDLERS
    by_topic: dict[str, list] = {}
    for event in events:
        m = to_message(event, source=source_for(event.owner))
        by_topic.setdefault(m.topic, []).append(from_message(m.value, m.headers))
    async with UnitOfWork(pool, source=source_for("progress")) as uow:
        for topic, envelopes in by_topic.items():
            await handlers[topic](uow, envelopes)
