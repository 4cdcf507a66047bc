"""Replay: progress rebuilds its read model and standings from 1,000,000 events on the bus — the
registry's (units, blocs, a campaign and its targets, one TargetAssigned each) and TargetReported
— as `./thidua replay` does: a service process on an empty database with a consumer group of its
own reads every topic from offset zero. Timed from the process's start until every event is in
its inbox and no bloc waits for its standings.

Baseline: the ingest benchmark's hand-written loop over the same TargetReported events (the
bulk of the log), on a database given the read model directly.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator

import asyncpg

from bench import data, harness, ingest
from bench.harness import Context, Result, inbox_rate, mb, produce, service
from schemas import registry as r
from schemas.base import Event
from schemas.catalog import topic_for
from schemas.envelope import source_for

CHUNK = 50_000
BASE_N = 200_000


def registry_log(pv: data.Province) -> list[Event]:
    """The registry's events for `pv`, targets as TargetAssigned (a campaign launched with ten
    thousand targets in one event would exceed the broker's message size)."""
    out: list[Event] = []
    for e in data.registry_events(pv):
        if isinstance(e, r.CampaignLaunched):
            out.append(e.model_copy(update={"targets": []}))
            for t in e.targets:
                out.append(
                    r.TargetAssigned(campaign_id=e.campaign_id, **t.model_dump(exclude_none=True))
                )
        else:
            out.append(e)
    return out


async def run(ctx: Context) -> list[Result]:
    total = ctx.n(1_000_000)
    pv = data.province(units=max(10, ctx.n(500)))
    registry = registry_log(pv)
    reports = total - len(registry)
    catalog = {name: ingest.PARTITIONS[name] for name in ingest.CONSUMED}
    async with ctx.topics(catalog) as topics:
        by_topic: dict[str, list[Event]] = {}
        for e in registry:
            by_topic.setdefault(topic_for(e).name, []).append(e)
        for name, events in by_topic.items():
            await produce(
                ctx.bootstrap, data.messages(events, topics[name], source_for("registry"))
            )
        for chunk in _chunks(data.reports(pv, reports), CHUNK):
            await produce(
                ctx.bootstrap,
                data.messages(chunk, topics[ingest.REPORTS], source_for("progress")),
            )

        async with ctx.database() as dsn:
            await ingest.prefill(dsn, pv)
            # its rate on the first reports is enough: the loop's cost per event is flat
            await ingest.baseline(ctx.bootstrap, dsn, topics[ingest.REPORTS], min(reports, BASE_N))
            _, base_rate = await inbox_rate(dsn)

        async with ctx.database() as dsn:
            group = f"bench-replay-{uuid.uuid4().hex[:8]}"
            env = ingest.progress_env(topics, group)
            env["THIDUA_RELAY_ENABLED"] = "false"  # a replay publishes nothing
            env["THIDUA_BACKGROUND_ENABLED"] = "false"
            started = time.perf_counter()
            async with service(ctx, "progress", dsn, env) as proc:
                limit = max(600, total / 500)
                await harness.follow_group(ctx.bootstrap, group, total, limit=limit)
                con = await asyncpg.connect(dsn)
                try:
                    await harness.wait_for(
                        lambda: _ranked(con), limit=limit, what="standings", interval=0.2
                    )
                finally:
                    await con.close()
                elapsed = time.perf_counter() - started
                peak = proc.rss.peak if proc.rss else 0
    baseline_s = total / base_rate
    return [
        Result(
            "replay: rebuild progress",
            elapsed,
            "s",
            "≤ 40 s",
            elapsed <= 40,
            lower_is_better=True,
            baseline=baseline_s,
            baseline_name="aiokafka+asyncpg loop's rate × the same count",
            note=f"{total:,} events ({len(registry):,} registry, {reports:,} TargetReported) "
            f"from offset zero into an empty database, standings recomputed; process start "
            f"included; peak RSS {mb(peak)} MB; baseline: {base_rate:,.0f} events/s",
            extra={"events": total, "baseline_rate": base_rate, "peak_rss_mb": mb(peak)},
        )
    ]


async def _ranked(con: asyncpg.Connection) -> bool:
    return await con.fetchval("SELECT count(*) FROM standings_dirty") == 0


def _chunks(items: Iterator, size: int) -> Iterator[list]:
    chunk = []
    for item in items:
        chunk.append(item)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
