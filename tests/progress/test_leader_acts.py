"""The year's leader is an act: the bloc head's (or the province's) through the API, or the
scheduler's once the year's assessment has closed (15 January of the year after, a setting) for a
bloc assessed live; never the arrival of reports. Until then scoring stays open. The province may
reopen a determined leader with its reason (BlocLeaderReopened): scoring opens again and the
leader is determined anew by an act."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.progress.events import event_id
from tests.progress.seed import ID, blocs
from tests.progress.test_standings_api import _reports

pytestmark = pytest.mark.infra

PATH = f"/blocs/{ID.bloc}/years/2020"
BONUS = {"unit_id": str(ID.sxd), "kind": "bonus", "points": 1, "reason": "Phong trào tốt"}


def at(y: int, m: int, d: int) -> datetime:
    return datetime(y, m, d, 3, tzinfo=UTC)  # 10:00 in Cà Mau


async def test_a_past_year_entered_after_the_fact_waits_for_the_bloc_head(seeded):
    """2020 recorded in March 2021, its bloc formed then (after 2020's assessment closed on
    15/01/2021): reports arriving determine nothing and scoring stays open."""
    await seeded.feed_at(at(2021, 2, 20), *blocs())
    seeded.clock.set(at(2021, 3, 2))
    await _reports(seeded)
    await seeded.scheduler.tick()
    await seeded.recompute()
    assert await seeded.outbox("BlocLeaderDetermined") == []
    head = seeded.officer(ID.stc)
    await seeded.post(f"{PATH}/adjustments", BONUS, headers=head, expect=201)
    votes = {"votes": [{"unit_id": str(ID.stc), "votes": 3}]}
    await seeded.put(f"{PATH}/votes", votes, headers=head, expect=200)
    # the bloc head's act determines it; scoring then closes
    r = await seeded.post(f"{PATH}/leader", {}, headers=head, expect=200)
    assert r.json()["leader_unit_id"] == str(ID.stc)
    assert len(await seeded.outbox("BlocLeaderDetermined")) == 1
    r = await seeded.post(f"{PATH}/adjustments", BONUS, headers=head, expect=409)
    assert r.json()["code"] == "leader_determined"


async def test_the_scheduler_determines_at_the_close_of_a_live_year_s_assessment(seeded):
    await seeded.feed_at(at(2020, 1, 5), *blocs())  # formed while 2020 was live
    await _reports(seeded)
    seeded.clock.set(at(2021, 1, 4))  # the year is over, its assessment not closed yet
    await seeded.scheduler.tick()
    assert await seeded.outbox("BlocLeaderDetermined") == []
    await seeded.post(f"{PATH}/adjustments", BONUS, headers=seeded.officer(ID.stc), expect=201)
    seeded.clock.set(at(2021, 1, 15))
    await seeded.scheduler.tick()
    (event,) = await seeded.outbox("BlocLeaderDetermined")
    assert event["leader_unit_id"] == str(ID.stc)
    await seeded.scheduler.tick()
    assert len(await seeded.outbox("BlocLeaderDetermined")) == 1


async def test_the_closing_date_is_a_setting(seeded):
    seeded.app.state.progress.config.assessment_closes_on = "02-01"
    await seeded.feed_at(at(2020, 1, 5), *blocs())
    await _reports(seeded)
    seeded.clock.set(at(2021, 1, 20))
    await seeded.scheduler.tick()
    assert await seeded.outbox("BlocLeaderDetermined") == []
    seeded.clock.set(at(2021, 2, 1))
    await seeded.scheduler.tick()
    assert len(await seeded.outbox("BlocLeaderDetermined")) == 1


async def test_the_province_reopens_a_determined_leader_with_a_reason(seeded):
    await _reports(seeded)
    seeded.clock.set(at(2020, 12, 5))
    head = seeded.officer(ID.stc)
    reason = {"reason": "Sở Xây dựng bổ sung kết quả sau khi xác định"}
    r = await seeded.post(f"{PATH}/leader/reopen", reason, expect=409)
    assert r.json()["code"] == "leader_not_determined"
    first = (await seeded.post(f"{PATH}/leader", {}, headers=head, expect=200)).json()
    await seeded.post(f"{PATH}/leader/reopen", reason, headers=head, expect=403)  # province only
    r = await seeded.post(f"{PATH}/leader/reopen", {"reason": " "}, expect=422)
    assert r.json()["errors"][0]["pointer"] == "#/reason"
    await seeded.clear_outbox()
    r = await seeded.post(f"{PATH}/leader/reopen", reason, expect=200)
    assert r.json()["previous_leader_unit_id"] == first["leader_unit_id"]
    (event,) = await seeded.outbox("BlocLeaderReopened")
    assert event["reason"] == reason["reason"] and event["year"] == 2020
    assert event["previous_leader_unit_id"] == str(ID.stc)
    body = (await seeded.get(f"{PATH}/standings")).json()
    assert body["leader"] is None
    # scoring is open again; the scheduler leaves a reopened year to an act
    await seeded.post(f"{PATH}/adjustments", BONUS, headers=head, expect=201)
    seeded.clock.set(at(2021, 2, 1))
    await seeded.scheduler.tick()
    assert await seeded.outbox("BlocLeaderDetermined") == []
    await seeded.post(f"{PATH}/leader", {}, headers=seeded.admin, expect=200)
    (again,) = await seeded.outbox("BlocLeaderDetermined")
    # another event than the first determination: consumers' inboxes take it
    assert str(again["_id"]) != str(event_id("BlocLeaderDetermined", ID.bloc, 2020))
    await seeded.post(f"{PATH}/adjustments", BONUS, headers=head, expect=409)


async def test_a_rebuild_reads_a_reopening_back(seeded):
    await _reports(seeded)
    seeded.clock.set(at(2020, 12, 5))
    await seeded.post(f"{PATH}/leader", {}, expect=200)
    await seeded.post(f"{PATH}/leader/reopen", {"reason": "Sai sót số liệu"}, expect=200)
    logged = [
        e
        for e in await seeded.outbox_envelopes()
        if type(e.data).__name__ in ("BlocLeaderDetermined", "BlocLeaderReopened")
    ]
    assert [type(e.data).__name__ for e in logged] == ["BlocLeaderDetermined", "BlocLeaderReopened"]
    await seeded.pool.execute("DELETE FROM bloc_leader_reopenings")
    await seeded.pool.execute("DELETE FROM bloc_leaders")
    await seeded.feed_envelopes(logged[:1])
    assert await seeded.count("bloc_leaders") == 1
    await seeded.feed_envelopes(logged[1:])
    assert await seeded.count("bloc_leaders") == 0
    assert await seeded.count("bloc_leader_reopenings") == 1
