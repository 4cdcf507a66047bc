"""On the real broker: registry events on the bus build the read model; reports over HTTP flow
through the outbox and the relay to TargetReported and TargetAchieved on the bus, and move the
standings, as do the bloc head's entries (scheme, bonus points, the members' vote); a second
service on an empty database with a new consumer group, reading every topic from offset zero, ends
with the same reports, states, achievements, scoring entries and standings.

Topics are fresh ones standing in for the catalog's (ProgressConfig.topic_map), so the test sees
exactly its own events."""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI

from infra import tokens
from schemas.catalog import topic_for
from schemas.envelope import from_message
from schemas.progress import StandingsChanged, TargetAchieved, TargetReported
from servicekit.settings import ServiceSettings
from services.progress.app import create
from services.progress.config import FixedClock, ProgressConfig
from services.progress.domain import ScoringScheme
from tests.progress.conftest import JUNE_15
from tests.progress.seed import ID, on_fresh_topics
from tests.progress.test_reports_api import report
from tests.runtime.helpers_runtime import eventually, produce, read_topic

pytestmark = [pytest.mark.infra, pytest.mark.timeout(240)]


@contextlib.asynccontextmanager
async def running(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://progress") as client:
            yield client


def service(
    dsn: str, bootstrap: str, state, topic_map: dict[str, str], *, rebuild: bool = False
) -> FastAPI:
    settings = ServiceSettings(
        service="progress",
        database_url=dsn,
        kafka_bootstrap=bootstrap,
        jwks_file=tokens.jwks_file(state),
        consumer_group=f"progress-{uuid.uuid4().hex[:8]}",
    )
    config = ProgressConfig(
        topic_map=topic_map,
        read_own_topics=rebuild,
        scheduler=False,
        standings_interval_seconds=0.2,
    )
    return create(settings, config, FixedClock(JUNE_15))


async def snapshot(pool) -> dict:
    async def rows(sql: str) -> list[tuple]:
        return sorted((tuple(r) for r in await pool.fetch(sql)), key=str)

    def scheme(raw: str | None) -> ScoringScheme | None:
        return None if raw is None else ScoringScheme.model_validate_json(raw)

    return {
        "reports": await rows(
            "SELECT report_id, target_id, value, as_of, reported_at, supersedes FROM reports"
        ),
        "targets": await rows(
            "SELECT target_id, target_value, revision, current_report_id,"
            " first_report_id FROM targets"
        ),
        "achievements": await rows("SELECT target_id, report_id, achieved_on FROM achievements"),
        "standings": await rows("SELECT bloc_id, year, ranking::text FROM standings"),
        "bloc_schemes": [
            (b, y, scheme(s), at)
            for b, y, s, at in await rows(
                "SELECT bloc_id, year, scheme::text, scheme_set_at FROM blocs"
            )
        ],
        "named_schemes": [
            (ref, scheme(s), at)
            for ref, s, at in await rows(
                "SELECT ref, scheme::text, updated_at FROM scoring_schemes"
            )
        ],
        "adjustments": await rows(
            "SELECT adjustment_id, bloc_id, year, unit_id, kind, points, reason, entered_at"
            " FROM score_adjustments"
        ),
        "votes": await rows("SELECT bloc_id, year, unit_id, votes, recorded_at FROM bloc_votes"),
    }


async def settled(pool, reports: int) -> bool:
    """Every report applied, standings recomputed, everything published."""
    return (
        await pool.fetchval("SELECT count(*) FROM reports") == reports
        and await pool.fetchval("SELECT count(*) FROM standings_dirty") == 0
        and await pool.fetchval("SELECT count(*) FROM standings WHERE version > 0") == 1
        and await pool.fetchval("SELECT count(*) FROM outbox") == 0
    )


async def test_registry_events_reports_and_a_rebuild_from_offset_zero(
    new_database, fresh_topic, kafka_bootstrap, tmp_path
):
    tokens.ensure_keys(tmp_path)
    # the campaign set up in the registry: its events on the bus
    topic_map = await on_fresh_topics(fresh_topic, kafka_bootstrap)

    live = service(await new_database(), kafka_bootstrap, tmp_path, topic_map)
    async with running(live) as client:
        pool = live.state.service.pool
        await eventually(
            lambda: pool.fetchval("SELECT count(*) = 4 FROM targets"),
            what="the campaign's targets in the read model",
        )
        await eventually(
            lambda: pool.fetchval("SELECT count(*) = 3 FROM bloc_members"),
            what="the bloc's members",
        )
        stc = {
            "Authorization": "Bearer "
            + tokens.mint(tmp_path, sub="o", roles=["unit_officer"], unit_id=str(ID.stc))
        }
        integration = {
            "Authorization": "Bearer "
            + tokens.mint(tmp_path, sub="thong-ke", roles=["integration_client"])
        }
        r = await client.post(
            "/reports", json=report(ID.t_giai_ngan, 104, "2020-06-12"), headers=stc
        )
        assert r.status_code == 201 and r.json()["achieved_now"], r.text
        r = await client.post(
            "/reports/batch",
            headers=integration,
            json={"reports": [report(ID.t_thu, 3000), report(ID.t_ho_ngheo, 6)]},
        )
        assert r.json()["accepted"] == 2, r.text
        # the bloc head's entries (Sở Tài chính heads the bloc) and a named scheme
        bloc = f"/blocs/{ID.bloc}/years/2020"
        scheme = {
            "ref": "K-KT-2020",
            "criteria": [
                {"name": "completion", "weight": 1, "max_points": 60.0},
                {"name": "early_finish", "weight": 0.5, "max_points": 40},
                {"name": "timeliness", "weight": 1, "max_points": 10},
            ],
            "max_bonus": 5,
        }
        admin = {
            "Authorization": "Bearer "
            + tokens.mint(tmp_path, sub="admin", roles=["province_admin"])
        }
        r = await client.put("/scoring-schemes/K-KT-2020", json=scheme, headers=admin)
        assert r.status_code == 200, r.text
        r = await client.put(f"{bloc}/scheme", json=scheme, headers=stc)
        assert r.status_code == 200, r.text
        bonus = {"unit_id": str(ID.sxd), "kind": "bonus", "points": 4.5, "reason": " Tích cực "}
        r = await client.post(f"{bloc}/adjustments", json=bonus, headers=stc)
        assert r.status_code == 201, r.text
        votes = {
            "votes": [{"unit_id": str(ID.stc), "votes": 2}, {"unit_id": str(ID.syt), "votes": 1}]
        }
        r = await client.put(f"{bloc}/votes", json=votes, headers=stc)
        assert r.status_code == 200, r.text
        await eventually(lambda: settled(pool, 3), what="reports applied and published")
        before = await snapshot(pool)
        assert [len(before[k]) for k in ("reports", "targets", "achievements", "standings")] == [
            3,
            4,
            1,
            1,
        ]
        assert [len(before[k]) for k in ("named_schemes", "adjustments", "votes")] == [1, 1, 2]
        assert before["bloc_schemes"][0][2].ref == "K-KT-2020"
        ranking = await pool.fetchval("SELECT ranking FROM standings")
        assert '"bonus": "4.5"' in ranking  # the bloc head's points count in the standings

    # what is on the bus
    records = await read_topic(kafka_bootstrap, topic_map["progress.reports.v1"])
    events = [from_message(m.value, m.headers) for m in records]
    names = sorted(type(e.data).__name__ for e in events)
    assert names == ["TargetAchieved", "TargetReported", "TargetReported", "TargetReported"]
    for m, e in zip(records, events, strict=True):
        assert m.key.decode() == str(e.data.target_id)  # one target's reports stay in order
        assert e.source == "/thidua/progress"
    (achieved,) = [e.data for e in events if type(e.data).__name__ == "TargetAchieved"]
    assert achieved.target_id == ID.t_giai_ngan and achieved.early_by_days == 110
    on_standings = [
        from_message(m.value, m.headers).data
        for m in await read_topic(kafka_bootstrap, topic_map["progress.standings.v1"])
    ]
    standings = [e for e in on_standings if isinstance(e, StandingsChanged)]
    assert [s.ranking[0].unit_id for s in standings][-1] == ID.stc
    assert topic_for(type(standings[0])).name == "progress.standings.v1"
    entries = {type(s).__name__ for s in on_standings}
    assert {"BlocSchemeSet", "BlocScoreAdjusted", "BlocVotesRecorded"} <= entries
    (defined,) = [
        from_message(m.value, m.headers).data
        for m in await read_topic(kafka_bootstrap, topic_map["progress.schemes.v1"])
    ]
    assert defined.scheme_ref == "K-KT-2020" and defined.scheme.max_bonus == 5

    # the relay's duplicates (same event ids), and one report published again under a new id
    again = [(r.topic, r.key, r.value, list(r.headers)) for r in records]
    first = next(
        r for r, e in zip(records, events, strict=True) if isinstance(e.data, TargetReported)
    )
    renamed = [(k, str(uuid.uuid4()).encode() if k == "ce_id" else v) for k, v in first.headers]
    await produce(kafka_bootstrap, [*again, (first.topic, first.key, first.value, renamed)])

    # a rebuild: empty database, new consumer group, every topic from offset zero
    rebuilt = service(await new_database(), kafka_bootstrap, tmp_path, topic_map, rebuild=True)
    async with running(rebuilt):
        await rebuilt.state.service.relay.stop()  # it would only republish the same facts
        pool = rebuilt.state.service.pool

        async def same() -> bool:
            return await pool.fetchval("SELECT count(*) FROM standings_dirty") == 0 and (
                await snapshot(pool) == before
            )

        await eventually(same, what="the rebuilt state to equal the live one")
        # a report is applied once by its id: no inbox row (the achievement keeps its own)
        reports_topic = topic_map["progress.reports.v1"]
        kept = await pool.fetch("SELECT event_id FROM inbox WHERE topic = $1", reports_topic)
        assert [r["event_id"] for r in kept] == [
            e.id for e in events if isinstance(e.data, TargetAchieved)
        ]
        ranking = await pool.fetchval("SELECT ranking FROM standings")
        assert str(ID.stc) in ranking and '"bonus": "4.5"' in ranking
