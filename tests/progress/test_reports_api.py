"""Reports over HTTP: accepted ones are stored with TargetReported (and TargetAchieved the first
time a target is met) in the outbox; refused ones answer 4xx naming the field, with nothing stored
and nothing in the outbox."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.progress.seed import ID, closed, uid

pytestmark = pytest.mark.infra


def report(target=ID.t_thu, value=3000, as_of="2020-06-10", **extra):
    return {"target_id": str(target), "value": value, "as_of": as_of, **extra}


async def test_an_officer_reports_for_their_unit(seeded):
    r = await seeded.post(
        "/reports",
        report(note="Số liệu tháng 5", evidence=["vb:123/STC"]),
        headers=seeded.officer(ID.stc),
        expect=201,
    )
    body = r.json()
    assert body["report"]["unit_id"] == str(ID.stc)
    assert body["report"]["evidence"] == ["vb:123/STC"]
    assert body["progress"]["completion"] == {"capped": 0.571429, "uncapped": 0.571429}
    assert body["achieved_now"] is False
    (event,) = await seeded.outbox()
    assert event["_type"] == "TargetReported"
    assert event["report_id"] == body["report"]["report_id"]
    assert event["campaign_id"] == str(ID.campaign) and event["value"] == 3000.0
    assert await seeded.count("reports") == 1
    assert await seeded.count("standings_dirty") >= 1  # the bloc's standings will move

    history = (
        await seeded.get(f"/targets/{ID.t_thu}/reports", headers=seeded.officer(ID.stc))
    ).json()
    assert [x["current"] for x in history["reports"]] == [True]
    assert history["progress"]["current_value"] == 3000
    assert history["progress"]["reported_on_time"] is True


async def test_meeting_a_target_early_publishes_target_achieved_once(seeded):
    officer = seeded.officer(ID.stc)
    r = await seeded.post(
        "/reports", report(ID.t_giai_ngan, 100.5, "2020-06-12"), headers=officer, expect=201
    )
    assert r.json()["achieved_now"] is True
    assert (
        r.json()["progress"]["achieved"]["early_by_days"]
        == (datetime(2020, 9, 30) - datetime(2020, 6, 12)).days
    )
    await seeded.post(
        "/reports", report(ID.t_giai_ngan, 101, "2020-06-14"), headers=officer, expect=201
    )
    events = await seeded.outbox()
    assert [e["_type"] for e in events] == ["TargetReported", "TargetAchieved", "TargetReported"]
    achieved = events[1]
    assert achieved["finished_early"] is True and achieved["early_by_days"] == 110
    assert achieved["achieved_on"] == "2020-06-12" and achieved["completion"] == 1.005
    assert achieved["report_id"] == r.json()["report"]["report_id"]


async def test_a_lower_is_better_target_is_met_from_below(seeded):
    r = await seeded.post(
        "/reports",
        report(ID.t_ho_ngheo, 4, "2020-06-01"),
        headers=seeded.officer(ID.syt),
        expect=201,
    )
    assert r.json()["achieved_now"] is True
    assert r.json()["progress"]["completion"] == {"capped": 1.0, "uncapped": 1.25}


async def test_a_negative_value_only_for_a_target_that_allows_it(seeded):
    """A growth rate can fall below zero: the registry says so on the target (allow_negative),
    the read model keeps it, and only then is a negative value taken."""
    from schemas import registry

    growth = registry.TargetAssigned(
        target_id=uid("target:tang-truong"),
        campaign_id=ID.campaign,
        unit_id=ID.stc,
        name="Tốc độ tăng thu ngân sách",
        metric="Tăng thu so với năm trước",
        unit_of_measure="%",
        target_value=-1.0,
        direction="higher_is_better",
        deadline=datetime(2020, 12, 31).date(),
        allow_negative=True,
    )
    await seeded.feed(growth)
    officer = seeded.officer(ID.stc)
    body = report(growth.target_id, -0.5, "2020-06-10")
    r = await seeded.post("/reports", body, headers=officer, expect=201)
    assert r.json()["achieved_now"] is True  # -0.5 % beats a fall of 1 %
    (reported, _achieved) = await seeded.outbox()
    assert reported["value"] == -0.5
    # revised to refuse negatives: the next negative value is refused, nothing stored
    revised = registry.TargetRevised(
        **(growth.model_dump() | {"revision": 2, "target_value": 0.0, "allow_negative": False}),
        reason="Không cho phép giảm",
    )
    await seeded.feed(revised)
    await seeded.clear_outbox()
    r = await seeded.post("/reports", body, headers=officer, expect=422)
    assert r.json()["errors"][0]["pointer"] == "#/value", r.text
    assert await seeded.count("reports") == 1 and await seeded.outbox() == []


BAD = [
    # (why, body changes, field pointer, problem type)
    ("unknown target", {"target_id": str(uid("nothing"))}, "#/target_id", "unknown_target"),
    ("another unit's target", {"target_id": str(ID.t_ho_ngheo)}, "#/target_id", "unknown_target"),
    ("future date", {"as_of": "2020-06-16"}, "#/as_of", "future_date"),
    ("before the campaign", {"as_of": "2019-12-31"}, "#/as_of", "outside_campaign"),
    ("a string value", {"value": "3000"}, "#/value", "wrong_type"),
    ("a boolean value", {"value": True}, "#/value", "wrong_type"),
    ("a null value", {"value": None}, "#/value", "wrong_type"),
    ("a negative value", {"value": -1}, "#/value", "negative"),
    ("an absurd value", {"value": 1e19}, "#/value", "too_large"),
    ("blank evidence", {"evidence": ["  "]}, "#/evidence/0", "bad_reference"),
    ("evidence twice", {"evidence": ["a", "a"]}, "#/evidence", "duplicate"),
    ("a note too long", {"note": "x" * 4001}, "#/note", "too_long"),
    (
        "an unknown report corrected",
        {"supersedes": str(uid("nothing"))},
        "#/supersedes",
        "unknown_report",
    ),
    ("not a date", {"as_of": "2020-02-30"}, "#/as_of", None),
    ("not a uuid", {"target_id": "STC-1"}, "#/target_id", None),
    ("an unknown field", {"unit_id": str(ID.stc)}, "#/unit_id", None),
    ("no value", {"value": ...}, "#/value", None),
]


@pytest.mark.parametrize(("why", "change", "pointer", "code"), BAD, ids=[b[0] for b in BAD])
async def test_bad_reports_name_the_field_and_leave_no_trace(seeded, why, change, pointer, code):
    body = report()
    for k, v in change.items():
        if v is ...:
            del body[k]
        else:
            body[k] = v
    r = await seeded.post("/reports", body, headers=seeded.officer(ID.stc), expect=422)
    assert r.headers["content-type"].startswith("application/problem+json")
    problem = r.json()
    assert problem["status"] == 422
    assert pointer in [e["pointer"] for e in problem["errors"]], problem
    if code:
        assert code in [e["type"] for e in problem["errors"]]
    assert "3000" not in problem["detail"]  # input values are never echoed
    assert await seeded.count("reports") == 0
    assert await seeded.outbox() == []
    assert (
        await seeded.pool.fetchval(
            "SELECT count(*) FROM targets WHERE current_report_id IS NOT NULL"
        )
        == 0
    )


async def test_a_closed_campaign_takes_no_reports(seeded):
    await seeded.feed(closed())
    r = await seeded.post("/reports", report(), headers=seeded.officer(ID.stc), expect=422)
    assert [(e["pointer"], e["type"]) for e in r.json()["errors"]] == [
        ("#/target_id", "campaign_closed")
    ]
    assert await seeded.count("reports") == 0 and await seeded.outbox() == []


async def test_who_may_report(seeded):
    for headers, status in [
        ({}, 401),
        (seeded.token(["council_member"], council_id="hd-1"), 403),
        (seeded.token(["operator"]), 403),
    ]:
        r = await seeded.client.post("/reports", json=report(), headers=headers)
        assert r.status_code == status, r.text
        assert r.headers["content-type"].startswith("application/problem+json")
    # a province administrator and an integration client report for any unit
    await seeded.post("/reports", report(), headers=seeded.admin, expect=201)
    await seeded.post("/reports", report(ID.t_ho_ngheo, 6), headers=seeded.integration, expect=201)
    rows = await seeded.pool.fetch("SELECT unit_id FROM reports ORDER BY unit_id")
    assert {r["unit_id"] for r in rows} == {ID.stc, ID.syt}


async def test_corrections_supersede_and_history_is_kept(seeded):
    officer = seeded.officer(ID.stc)
    first = (await seeded.post("/reports", report(value=3000), headers=officer, expect=201)).json()
    fix = (
        await seeded.post(
            "/reports",
            report(value=3100, supersedes=first["report"]["report_id"]),
            headers=officer,
            expect=201,
        )
    ).json()
    assert fix["progress"]["current_value"] == 3100
    # the corrected report cannot be corrected again: correct the latest correction
    r = await seeded.post(
        "/reports",
        report(value=3200, supersedes=first["report"]["report_id"]),
        headers=officer,
        expect=422,
    )
    assert [(e["pointer"], e["type"]) for e in r.json()["errors"]] == [
        ("#/supersedes", "already_superseded")
    ]
    history = (await seeded.get(f"/targets/{ID.t_thu}/reports", headers=officer)).json()
    assert [(x["value"], x["current"], x["superseded_by"]) for x in history["reports"]] == [
        (3000, False, fix["report"]["report_id"]),
        (3100, True, None),
    ]
    events = await seeded.outbox("TargetReported")
    assert events[1]["supersedes"] == first["report"]["report_id"]


async def test_a_correction_back_in_time_makes_an_older_report_current_again(seeded):
    officer = seeded.officer(ID.stc)
    may = (
        await seeded.post(
            "/reports", report(value=2500, as_of="2020-05-31"), headers=officer, expect=201
        )
    ).json()
    june = (
        await seeded.post(
            "/reports", report(value=3000, as_of="2020-06-10"), headers=officer, expect=201
        )
    ).json()
    # the June figure was in fact April's
    fix = await seeded.post(
        "/reports",
        report(value=3000, as_of="2020-04-30", supersedes=june["report"]["report_id"]),
        headers=officer,
        expect=201,
    )
    assert fix.json()["progress"]["current_report_id"] == may["report"]["report_id"]
    assert fix.json()["progress"]["current_value"] == 2500


async def test_foreign_targets_are_invisible_to_an_officer(seeded):
    r = await seeded.get(f"/targets/{ID.t_thu}/reports", headers=seeded.officer(ID.syt), expect=404)
    assert r.json()["type"] == "urn:thidua:problem:not-found"
    await seeded.get(
        f"/targets/{ID.t_thu}/reports", headers=seeded.token(["council_member"], council_id="hd")
    )


async def test_an_idempotency_key_replays_the_first_answer(seeded):
    headers = {**seeded.officer(ID.stc), "Idempotency-Key": "report-2020-06-stc-1"}
    first = await seeded.post("/reports", report(), headers=headers, expect=201)
    again = await seeded.post("/reports", report(), headers=headers, expect=201)
    assert again.headers.get("idempotent-replayed") == "true"
    assert again.json() == first.json()
    assert await seeded.count("reports") == 1
    assert len(await seeded.outbox()) == 1
    # a refused request stores nothing, its answer included, and its retry is refused the same
    bad = {**headers, "Idempotency-Key": "report-bad"}
    await seeded.post("/reports", report(as_of="2021-01-01"), headers=bad, expect=422)
    await seeded.post("/reports", report(as_of="2021-01-01"), headers=bad, expect=422)
    assert await seeded.count("reports") == 1


async def test_reported_at_is_the_clock_s_and_in_arrival_order(seeded):
    officer = seeded.officer(ID.stc)
    await seeded.post("/reports", report(), headers=officer, expect=201)
    seeded.clock.set(datetime(2020, 6, 15, 4, 0, tzinfo=UTC))
    await seeded.post("/reports", report(value=3100), headers=officer, expect=201)
    rows = await seeded.pool.fetch("SELECT reported_at FROM reports ORDER BY reported_at")
    assert [r["reported_at"].hour for r in rows] == [3, 4]
