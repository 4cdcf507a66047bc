"""Bloc standings: recomputed when inputs change (reports, the bloc head's points and scheme),
published when a rank changes; the year's leader by score, then by the members' vote."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.progress.seed import ID
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra

TIMELINESS_ONLY = {
    "ref": "K-KT-2020",
    "criteria": [{"name": "timeliness", "weight": 1, "max_points": 10}],
}


async def _reports(p) -> None:
    stc, syt = p.officer(ID.stc), p.officer(ID.syt)
    await p.post("/reports", report(ID.t_thu, 5300, "2020-06-14"), headers=stc, expect=201)
    await p.post("/reports", report(ID.t_giai_ngan, 100, "2020-06-14"), headers=stc, expect=201)
    await p.post("/reports", report(ID.t_ho_ngheo, 6, "2020-06-14"), headers=syt, expect=201)


def ranking(event_or_body) -> list[tuple[str, int, float]]:
    return [(s["unit_id"], s["rank"], s["score"]) for s in event_or_body["ranking"]]


async def test_standings_follow_reports_and_the_bloc_head_s_points(seeded):
    await _reports(seeded)
    await seeded.clear_outbox()
    assert await seeded.recompute() == 1
    (changed,) = await seeded.outbox("StandingsChanged")
    assert changed["bloc_id"] == str(ID.bloc) and changed["year"] == 2020
    expected = [(str(ID.stc), 1, 100.0), (str(ID.syt), 2, 68.33), (str(ID.sxd), 3, 10.0)]
    assert ranking(changed) == expected
    body = (
        await seeded.get(f"/blocs/{ID.bloc}/years/2020/standings", headers=seeded.officer(ID.sxd))
    ).json()
    assert ranking(body) == expected and body["version"] == 1
    stc = body["ranking"][0]
    assert {c["name"]: c["points"] for c in stc["criteria"]} == {
        "completion": 70,
        "early_finish": 20,
        "timeliness": 10,
    }
    # nothing changed: nothing recomputed, nothing published
    await seeded.clear_outbox()
    assert await seeded.recompute() == 0
    # the bloc head (Sở Tài chính's officer) gives Sở Xây dựng 60 bonus points
    await seeded.post(
        f"/blocs/{ID.bloc}/years/2020/adjustments",
        {
            "unit_id": str(ID.sxd),
            "kind": "bonus",
            "points": 60,
            "reason": "Hoàn thành xuất sắc nhiệm vụ đột xuất",
        },
        headers=seeded.officer(ID.stc),
        expect=201,
    )
    assert await seeded.recompute() == 1
    (changed,) = await seeded.outbox("StandingsChanged")
    assert ranking(changed) == [
        (str(ID.stc), 1, 100.0),
        (str(ID.sxd), 2, 70.0),
        (str(ID.syt), 3, 68.33),
    ]
    body = (await seeded.get(f"/blocs/{ID.bloc}/years/2020/standings")).json()
    assert body["version"] == 2 and body["adjustments"][0]["points"] == 60
    # a score change that keeps every rank is stored, not published
    await seeded.clear_outbox()
    await seeded.post(
        "/reports",
        report(ID.t_ho_ngheo, 5.9, "2020-06-15"),
        headers=seeded.officer(ID.syt),
        expect=201,
    )
    await seeded.clear_outbox()
    assert await seeded.recompute() == 1
    assert await seeded.outbox("StandingsChanged") == []
    body = (await seeded.get(f"/blocs/{ID.bloc}/years/2020/standings")).json()
    assert body["version"] == 2 and body["ranking"][2]["score"] == 69.32


async def test_only_the_bloc_head_enters_points_and_within_the_scheme(seeded):
    path = f"/blocs/{ID.bloc}/years/2020"
    bonus = {"unit_id": str(ID.sxd), "kind": "bonus", "points": 8, "reason": "Đột xuất"}
    r = await seeded.post(f"{path}/adjustments", bonus, headers=seeded.officer(ID.syt), expect=403)
    assert r.json()["type"] == "urn:thidua:problem:forbidden"
    await seeded.put(
        f"{path}/scheme",
        {**TIMELINESS_ONLY, "max_bonus": 10},
        headers=seeded.officer(ID.syt),
        expect=403,
    )
    await seeded.put(
        f"{path}/scheme",
        {**TIMELINESS_ONLY, "max_bonus": 10},
        headers=seeded.officer(ID.stc),
        expect=200,
    )
    await seeded.post(f"{path}/adjustments", bonus, headers=seeded.officer(ID.stc), expect=201)
    for change, pointer, code in [
        ({"points": 5}, "#/points", "over_cap"),
        ({"points": -1}, "#/points", "not_positive"),
        ({"reason": " "}, "#/reason", "missing"),
        ({"kind": "gift"}, "#/kind", "unknown_kind"),
        ({"unit_id": str(ID.other)}, "#/unit_id", "not_member"),
    ]:
        r = await seeded.post(f"{path}/adjustments", {**bonus, **change}, expect=422)
        assert (pointer, code) in [(e["pointer"], e["type"]) for e in r.json()["errors"]], change
    assert await seeded.count("score_adjustments") == 1
    # a scheme that is not a scheme
    r = await seeded.put(
        f"{path}/scheme",
        {"ref": "x", "criteria": [{"name": "beauty", "weight": 1, "max_points": 10}]},
        expect=422,
    )
    assert r.json()["errors"][0]["pointer"].startswith("#/criteria/0/name")
    # standings of a bloc the officer's unit is not in
    await seeded.get(f"{path}/standings", headers=seeded.officer(ID.other), expect=403)
    await seeded.get(f"/blocs/{ID.campaign}/years/2020/standings", expect=404)


async def test_the_leader_by_score(seeded):
    await _reports(seeded)
    path = f"/blocs/{ID.bloc}/years/2020"
    r = await seeded.post(f"{path}/leader", {}, headers=seeded.officer(ID.stc), expect=409)
    assert r.json()["code"] == "review_not_open"
    seeded.clock.set(datetime(2020, 12, 5, 3, tzinfo=UTC))
    await seeded.clear_outbox()
    r = await seeded.post(f"{path}/leader", {}, headers=seeded.officer(ID.stc), expect=200)
    assert r.json()["leader_unit_id"] == str(ID.stc) and r.json()["by_vote"] is False
    (event,) = await seeded.outbox("BlocLeaderDetermined")
    assert (event["leader_unit_id"], event["by_vote"], event["year"]) == (str(ID.stc), False, 2020)
    # the leader stands; the year's scoring is closed
    await seeded.post(f"{path}/leader", {}, expect=200)
    assert len(await seeded.outbox("BlocLeaderDetermined")) == 1
    r = await seeded.post(
        f"{path}/adjustments",
        {"unit_id": str(ID.sxd), "kind": "bonus", "points": 1, "reason": "x"},
        expect=409,
    )
    assert r.json()["code"] == "leader_determined"


async def test_a_tie_on_score_is_broken_by_the_members_vote(seeded):
    path = f"/blocs/{ID.bloc}/years/2020"
    head = seeded.officer(ID.stc)
    await seeded.put(f"{path}/scheme", TIMELINESS_ONLY, headers=head, expect=200)
    # mid-June nobody is late yet: all three tie; this province reviews the year from June
    seeded.app.state.progress.config.year_end_review_from = "06-15"
    vietnamese = {**head, "Accept-Language": "vi"}
    r = await seeded.post(f"{path}/leader", {}, headers=vietnamese, expect=409)
    assert r.json()["code"] == "undetermined"
    # the reason in the head's language, all of it
    assert r.json()["detail"] == (
        "Chưa xác định được đơn vị dẫn đầu:"
        " 3 đơn vị bằng điểm nhau và chưa ghi nhận phiếu suy tôn nào"
    )
    english = {**head, "Accept-Language": "en"}
    r = await seeded.post(f"{path}/leader", {}, headers=english, expect=409)
    assert r.json()["detail"] == (
        "the leader is not determined: 3 units tied on score and no vote recorded"
    )
    r = await seeded.put(
        f"{path}/votes",
        {"votes": [{"unit_id": str(ID.other), "votes": 1}]},
        headers=head,
        expect=422,
    )
    assert r.json()["errors"][0]["pointer"] == "#/votes/0/unit_id"
    await seeded.put(
        f"{path}/votes",
        {"votes": [{"unit_id": str(ID.syt), "votes": 2}, {"unit_id": str(ID.stc), "votes": 1}]},
        headers=head,
        expect=200,
    )
    await seeded.clear_outbox()
    r = await seeded.post(f"{path}/leader", {}, headers=head, expect=200)
    assert r.json()["leader_unit_id"] == str(ID.syt) and r.json()["by_vote"] is True
    (event,) = await seeded.outbox("BlocLeaderDetermined")
    assert event["by_vote"] is True and event["score"] == 10.0


async def test_a_named_scheme_applies_to_the_blocs_that_refer_to_it(seeded):
    from schemas import registry as r

    await seeded.put("/scoring-schemes/K-KT-2020", TIMELINESS_ONLY, expect=200)
    await seeded.put("/scoring-schemes/other", TIMELINESS_ONLY, expect=422)  # ref mismatch
    await seeded.put(
        "/scoring-schemes/K-KT-2020", TIMELINESS_ONLY, headers=seeded.officer(ID.stc), expect=403
    )
    await seeded.feed(
        r.BlocFormed(
            bloc_id=ID.bloc,
            year=2020,
            code="K-KT",
            name="Khối kinh tế",
            kind="bloc",
            member_unit_ids=[ID.stc, ID.syt, ID.sxd],
            scoring_scheme_ref="K-KT-2020",
        )
    )
    await seeded.recompute()
    body = (await seeded.get(f"/blocs/{ID.bloc}/years/2020/standings")).json()
    assert body["scheme"]["ref"] == "K-KT-2020"
    assert {s["score"] for s in body["ranking"]} == {10.0}
    assert {s["rank"] for s in body["ranking"]} == {1}
