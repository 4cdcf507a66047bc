"""Rebuild a service's read model from the topics into an empty database, beside the live service.

A replay makes a new database owned by the service's role and starts a second process of the
service on another HTTP port against it, with a consumer group of its own (so it reads every topic
it consumes from offset zero), its outbox relay off (it publishes nothing) and its timed and
outward work off (`THIDUA_BACKGROUND_ENABLED=false`: no reminder, email or webhook). Its progress
is the group's committed offsets against the topics' end offsets; it has caught up when the lag is
zero (and, for progress, no standings are left to recompute). The report compares the row counts
of the main tables with the live database; then the process stops and, unless kept, the database
and the consumer group are dropped.

Only what the topics carry comes back. Each plan says what a replay does not restore: data a
service owns and publishes without reading it back (awards' procedure), or that no topic carries
(notify's addresses and subscriptions; every service's audit log and idempotency keys). The
registry consumes nothing: its database is the source of its events, so there is nothing to
replay.
"""

from __future__ import annotations

import asyncio
import re
import socket
import sys
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

from infra import operations, postgres, procs, stack, tokens
from infra.operations import GroupProgress
from infra.profile import ROOT, Profile


def _progress_topics() -> list[str]:
    from services.progress.config import ProgressConfig
    from services.progress.consumers import HANDLERS

    config = ProgressConfig()
    return [config.topic(t) for t in HANDLERS]


def _awards_topics() -> list[str]:
    from services.awards.config import AwardsConfig

    return AwardsConfig().consumed_topics()


def _notify_topics() -> list[str]:
    from services.notify.config import NotifySettings

    return NotifySettings().consumed()


@dataclass(frozen=True)
class Plan:
    topics: Callable[[], list[str]]
    """The topics the service consumes, from its settings in this environment (which the
    replay process inherits)."""
    tables: tuple[str, ...]
    """Compared with the live database."""
    not_restored: str
    env: dict[str, str] = field(default_factory=dict)
    """The service's own switches, beside the common ones (belt and braces: each also honours
    THIDUA_BACKGROUND_ENABLED)."""
    settled: str | None = None
    """SQL true once the work that follows consuming is done."""


PLANS: dict[str, Plan] = {
    "progress": Plan(
        topics=_progress_topics,
        tables=(
            "units",
            "people",
            "campaigns",
            "targets",
            "reports",
            "achievements",
            "notices_sent",
            "blocs",
            "bloc_members",
            "scoring_schemes",
            "score_adjustments",
            "bloc_votes",
            "standings",
            "bloc_leaders",
            "ratings",
            "initiatives",
        ),
        not_restored="the audit log and idempotency keys, which stay with the live service; "
        "the record of imported report files and rows (import_files, report_imports: a file "
        "imported again into the rebuilt database is not recognised); rankings are recomputed "
        "as of today (a live ranking is as of its last change)",
        env={
            "THIDUA_PROGRESS_CONSUME": "true",
            "THIDUA_PROGRESS_READ_OWN_TOPICS": "true",
            "THIDUA_PROGRESS_SCHEDULER": "false",
        },
        settled="SELECT NOT EXISTS (SELECT 1 FROM standings_dirty)",
    ),
    "awards": Plan(
        topics=_awards_topics,
        tables=(
            "rm_units",
            "rm_people",
            "rm_person_statuses",
            "rm_blocs",
            "rm_bloc_leaders",
            "rm_campaigns",
            "rm_ratings",
            "rm_initiatives",
        ),
        not_restored="awards' own records — nominations, screenings, notices, objections, "
        "councils and ballots, decisions, revocations, award history and its imports: awards "
        "publishes them and does not read them back (its database is their source); the audit "
        "log and idempotency keys",
        env={
            "THIDUA_AWARDS_CONSUME": "true",
        },
    ),
    "notify": Plan(
        topics=_notify_topics,
        tables=(
            "directory_names",
            "directory_person_units",
            "directory_nominations",
            "inbox_items",
        ),
        not_restored="email addresses (contacts), webhook subscriptions, deliveries and their "
        "attempts, inbox items' read marks, notify's own notices (suspensions), the audit log "
        "and idempotency keys: no topic carries them. With no address or subscription in the "
        "replay, nothing is sent",
        env={"THIDUA_DISPATCH_ENABLED": "false"},
    ),
}

NOTHING_TO_REPLAY = {
    "registry": "the registry consumes no topic: its database is the source of its events"
}


@dataclass
class Run:
    """One replay: its database, consumer group, process name and port."""

    service: str
    database: str
    group: str
    port: int
    topics: list[str]

    @property
    def process(self) -> str:
        return f"replay-{self.database}"


@dataclass
class Report:
    service: str
    database: str
    group: str
    events: int
    seconds: float  # from ready to caught up
    startup_seconds: float
    counts: dict[str, tuple[int | None, int]]  # table -> (live, replay)
    trimmed: int  # records the topics no longer hold: a replay cannot bring them back
    outbox_held: int  # events the replay derived and, its relay off, did not publish
    not_restored: str
    kept: bool
    log: Path
    notes: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.events / self.seconds if self.seconds > 0 else 0.0


def plan_for(service: str) -> Plan:
    if service in NOTHING_TO_REPLAY:
        raise ValueError(NOTHING_TO_REPLAY[service])
    if service not in PLANS:
        raise ValueError(f"unknown service {service!r}: one of {', '.join(sorted(PLANS))}")
    return PLANS[service]


def kept_run(service: str, database: str) -> Run:
    """A kept replay, named by its database, to drop (never anything but a replay's)."""
    if not re.fullmatch(rf"{service}_replay_[0-9a-f]{{8}}", database):
        raise ValueError(f"{database!r} is not the database of a replay of {service}")
    suffix = database.rsplit("_", 1)[1]
    return Run(service, database, f"{service}-replay-{suffix}", 0, [])


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare(p: Profile, service: str) -> Run:
    """An empty database for the replay, owned by the service's role."""
    plan = plan_for(service)
    suffix = uuid.uuid4().hex[:8]
    run = Run(
        service=service,
        database=f"{service}_replay_{suffix}",
        group=f"{service}-replay-{suffix}",
        port=_free_port(),
        topics=plan.topics(),
    )
    postgres.ensure_database(p, run.database, owner=service)
    return run


def replay_env(p: Profile, run: Run) -> dict[str, str]:
    return {
        **stack.service_env(p, run.service),
        "THIDUA_HTTP_PORT": str(run.port),
        "THIDUA_DATABASE_URL": postgres.dsn(p, run.service, run.database),
        "THIDUA_CONSUMER_GROUP": run.group,
        "THIDUA_RELAY_ENABLED": "false",
        "THIDUA_BACKGROUND_ENABLED": "false",
        "OTEL_SERVICE_NAME": f"thidua-{run.service}-replay",
        **PLANS[run.service].env,
    }


def start(p: Profile, run: Run) -> None:
    tokens.ensure_keys(p.state)
    procs.start(
        p.pids,
        p.logs,
        run.process,
        [sys.executable, "-m", f"services.{run.service}"],
        marker=f"services.{run.service}",
        env=replay_env(p, run),
        cwd=ROOT,
    )


def _check_alive(p: Profile, run: Run) -> None:
    if procs.running_pid(p.pids, run.process) is None:
        raise RuntimeError(f"the replay process exited: see {p.logs / (run.process + '.log')}")


async def wait_ready(p: Profile, run: Run, timeout: float = 120.0) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            _check_alive(p, run)
            try:
                if (await client.get(f"http://127.0.0.1:{run.port}/ready")).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise TimeoutError(f"the replay was not ready after {timeout:.0f}s")
            await asyncio.sleep(0.3)


async def _settled(dsn: str, sql: str | None) -> bool:
    if sql is None:
        return True
    con = await asyncpg.connect(dsn)
    try:
        return bool(await con.fetchval(sql))
    finally:
        await con.close()


async def catch_up(
    p: Profile,
    run: Run,
    on_progress: Callable[[GroupProgress], None] | None = None,
    timeout: float = 3600.0,  # noqa: ASYNC109
    interval: float = 0.5,
) -> GroupProgress:
    """Follows the replay's group until it has no lag and its follow-up work is done."""
    settled_sql = PLANS[run.service].settled
    dsn = postgres.dsn(p, run.service, run.database)
    deadline = time.monotonic() + timeout
    async with operations.GroupWatch(p.kafka_bootstrap, run.group, run.topics) as watch:
        while True:
            _check_alive(p, run)
            now = await watch.progress()
            if on_progress is not None:
                on_progress(now)
            if now.lag == 0 and await _settled(dsn, settled_sql):
                return now
            if time.monotonic() > deadline:
                raise TimeoutError(f"no catching up after {timeout:.0f}s: lag {now.lag}")
            await asyncio.sleep(interval)


async def row_counts(dsn: str, tables: tuple[str, ...]) -> dict[str, int | None]:
    """Rows per table; None for every table when the database cannot be reached."""
    try:
        con = await asyncpg.connect(dsn, timeout=5)
    except (OSError, asyncpg.PostgresError):
        return dict.fromkeys(tables)
    try:
        out: dict[str, int | None] = {}
        for table in tables:
            exists = await con.fetchval("SELECT to_regclass($1) IS NOT NULL", table)
            out[table] = await con.fetchval(f"SELECT count(*) FROM {table}") if exists else None
        return out
    finally:
        await con.close()


async def finish(p: Profile, run: Run, *, keep: bool) -> None:
    """Stop the replay's process; unless kept, drop its database and consumer group."""
    procs.stop(p.pids, run.process)
    if not keep:
        postgres.drop_database(p, run.database)
        await operations.delete_group(p.kafka_bootstrap, run.group)


async def replay(
    p: Profile,
    run: Run,
    *,
    live_dsn: str | None = None,
    keep: bool = False,
    on_progress: Callable[[GroupProgress], None] | None = None,
    timeout: float = 3600.0,  # noqa: ASYNC109
) -> Report:
    """Runs a prepared replay to the end (the caller calls `finish`, also when this raises).
    `live_dsn`: the database to compare with, default the profile's service database."""
    plan = PLANS[run.service]
    started = time.monotonic()
    start(p, run)
    await wait_ready(p, run)
    ready = time.monotonic()
    done = await catch_up(p, run, on_progress, timeout=timeout)
    caught_up = time.monotonic()
    replay_dsn = postgres.dsn(p, run.service, run.database)
    live = await row_counts(live_dsn or postgres.dsn(p, run.service), plan.tables)
    rebuilt = await row_counts(replay_dsn, plan.tables)
    outbox = await row_counts(replay_dsn, ("outbox",))
    report = Report(
        service=run.service,
        database=run.database,
        group=run.group,
        events=done.consumed,
        seconds=caught_up - ready,
        startup_seconds=ready - started,
        counts={t: (live[t], rebuilt[t] or 0) for t in plan.tables},
        trimmed=done.trimmed,
        outbox_held=outbox["outbox"] or 0,
        not_restored=plan.not_restored,
        kept=keep,
        log=p.logs / f"{run.process}.log",
    )
    if done.trimmed:
        report.notes.append(
            f"the topics no longer hold their first {done.trimmed} record(s) (retention): "
            "what they said is not in the replay"
        )
    return report
