"""`./thidua replay SERVICE` on a small world: a live service (in this process) fills its database
from fresh topics standing in for the catalog's; the replay, a second process of the service on an
empty database with a group of its own, rebuilds the same read model from offset zero and
publishes and sends nothing."""

from __future__ import annotations

import json
import uuid

import asyncpg
import pytest
from rich.console import Console

from infra import postgres, replay_cli, tokens
from infra import replay as rp
from schemas.catalog import TOPICS
from servicekit.settings import ServiceSettings
from services.notify.app import create as create_notify
from services.progress.app import create as create_progress
from services.progress.config import ProgressConfig
from tests.notify.service.conftest import Notify, eventually, settings_for
from tests.notify.service.world import World
from tests.progress.seed import ID, on_fresh_topics
from tests.progress.test_kafka_flow import running, settled, snapshot
from tests.progress.test_reports_api import report
from tests.runtime.helpers_runtime import end_offsets

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


async def ends(bootstrap: str, topics: list[str]) -> dict[str, dict[int, int]]:
    return {t: await end_offsets(bootstrap, t) for t in topics}


async def database_exists(admin_dsn: str, name: str) -> bool:
    con = await asyncpg.connect(admin_dsn)
    try:
        return bool(await con.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name))
    finally:
        await con.close()


async def replayed(profile, service: str, live_dsn: str) -> tuple[rp.Report, str]:
    """Runs the command's replay, keeping the database to look at; returns the report and the
    output as the operator would read it."""
    console = Console(record=True, width=200)
    report = await replay_cli.run(
        profile, service, keep=True, timeout=240, console=console, live_dsn=live_dsn
    )
    replay_cli.print_report(console, report)
    return report, console.export_text()


async def dropped(profile, report: rp.Report) -> None:
    """What `./thidua replay SERVICE --drop DATABASE` does."""
    await rp.finish(profile, rp.kept_run(report.service, report.database), keep=False)


def progress_service(dsn: str, bootstrap: str, state, topic_map: dict[str, str]):
    settings = ServiceSettings(
        service="progress",
        database_url=dsn,
        kafka_bootstrap=bootstrap,
        jwks_file=state,
        consumer_group=f"progress-{uuid.uuid4().hex[:8]}",
    )
    config = ProgressConfig(
        topic_map=topic_map,
        scheduler=False,
        standings_interval_seconds=0.2,
    )
    return create_progress(settings, config)  # the system's clock, as the replay process has


async def test_a_replay_of_progress_equals_the_live_state_and_publishes_nothing(
    profile, new_database, fresh_topic, kafka_bootstrap, admin_dsn, monkeypatch
):
    tokens.ensure_keys(profile.state)
    topic_map = await on_fresh_topics(fresh_topic, kafka_bootstrap)
    live_dsn = await new_database()
    live = progress_service(live_dsn, kafka_bootstrap, tokens.jwks_file(profile.state), topic_map)
    async with running(live) as client:
        pool = live.state.service.pool
        await eventually(
            lambda: pool.fetchval("SELECT count(*) = 3 FROM bloc_members"), what="the read model"
        )
        await eventually(
            lambda: pool.fetchval("SELECT count(*) = 4 FROM targets"), what="the targets"
        )
        admin = {
            "Authorization": "Bearer "
            + tokens.mint(profile.state, sub="admin", roles=["province_admin"])
        }
        r = await client.post(
            "/reports/batch",
            headers=admin,
            json={
                "reports": [
                    report(ID.t_giai_ngan, 104, "2020-06-12"),
                    report(ID.t_thu, 3000),
                    report(ID.t_ho_ngheo, 6),
                ]
            },
        )
        assert r.json()["accepted"] == 3, r.text
        await eventually(lambda: settled(pool, 3), what="reports applied and published")
        before = await snapshot(pool)
        assert len(before["achievements"]) == 1 and len(before["standings"]) == 1

    # the replay process reads the same topics the live one did
    monkeypatch.setenv("THIDUA_PROGRESS_TOPIC_MAP", json.dumps(topic_map))
    published = [topic_map[t.name] for t in TOPICS if t.owner == "progress"]
    ends_before = await ends(kafka_bootstrap, published)
    assert sum(n for offsets in ends_before.values() for n in offsets.values()) > 0

    report_, output = await replayed(profile, "progress", live_dsn)
    try:
        assert report_.events == sum(
            n
            for offsets in (await ends(kafka_bootstrap, list(topic_map.values()))).values()
            for n in offsets.values()
        )
        assert all(live == rebuilt for live, rebuilt in report_.counts.values()), report_.counts
        assert report_.counts["reports"] == (3, 3)
        rebuilt = await asyncpg.connect(postgres.dsn(profile, "progress", report_.database))
        try:
            assert await snapshot(rebuilt) == before
        finally:
            await rebuilt.close()
        assert "progress caught up" in output and "not restored by a replay: the audit" in output
        assert f"kept: database {report_.database}" in output
    finally:
        await dropped(profile, report_)
    assert await ends(kafka_bootstrap, published) == ends_before
    assert not await database_exists(admin_dsn, report_.database)


async def test_a_replay_of_notify_rebuilds_inboxes_and_sends_nothing(
    profile, fresh_database, kafka_bootstrap, topics, producer, receivers, monkeypatch
):
    tokens.ensure_keys(profile.state)
    secret = "whsec-he-thong-mot-cua-tinh-2020"
    receiver = await receivers(secrets=[secret])
    settings = settings_for(
        fresh_database, kafka_bootstrap, profile.state, topics, relay_enabled=False
    )
    app = create_notify(settings)
    world = World()
    async with running(app) as client:
        notify = Notify(app, client, app.state.service.pool, profile.state, topics, producer)
        await notify.subscribe("mot-cua", receiver.url, secret=secret)
        for event in [*world.registry(), world.launched(), world.overdue()]:
            last = await notify.publish(event)
        await eventually(lambda: notify.applied(last), what="every event taken in")
        await eventually(
            lambda: notify.pool.fetchval(
                "SELECT count(*) > 0 AND count(*) FILTER (WHERE status <> 'delivered') = 0"
                " FROM deliveries"
            ),
            what="the live webhooks delivered",
        )
        inbox = await notify.pool.fetchval("SELECT count(*) FROM inbox_items")
        assert inbox > 0
    sent = len(receiver.received)
    assert sent >= 1

    monkeypatch.setenv("THIDUA_CONSUME_TOPICS", json.dumps(list(topics)))
    monkeypatch.setenv("THIDUA_TOPIC_NAMES", json.dumps(topics))
    outcomes = await ends(kafka_bootstrap, ["notify.deliveries.v1"])
    report_, output = await replayed(profile, "notify", fresh_database)
    try:
        assert all(live == rebuilt for live, rebuilt in report_.counts.values()), report_.counts
        assert report_.events > 0 and report_.counts["inbox_items"] == (inbox, inbox)
        rebuilt = await asyncpg.connect(postgres.dsn(profile, "notify", report_.database))
        try:
            assert await rebuilt.fetchval("SELECT count(*) FROM deliveries") == 0
        finally:
            await rebuilt.close()
        assert "webhook subscriptions" in output
    finally:
        await dropped(profile, report_)
    assert len(receiver.received) == sent
    assert await ends(kafka_bootstrap, ["notify.deliveries.v1"]) == outcomes


def test_only_a_replay_database_can_be_dropped():
    with pytest.raises(ValueError, match="is not the database of a replay of progress"):
        rp.kept_run("progress", "progress")
    with pytest.raises(ValueError, match="is not the database of a replay of progress"):
        rp.kept_run("progress", "awards_replay_0123abcd")
    assert rp.kept_run("progress", "progress_replay_0123abcd").group == "progress-replay-0123abcd"


def test_the_registry_has_nothing_to_replay():
    with pytest.raises(ValueError, match="consumes no topic"):
        rp.plan_for("registry")
    with pytest.raises(ValueError, match="unknown service"):
        rp.plan_for("payroll")
