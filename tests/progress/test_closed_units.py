"""A unit closed on D (UnitClosed.closed_on, its first day of not existing) reports nothing dated
on or after D: the HTTP path answers 422 naming the closure and the successor and stores nothing;
a report of the log dated after D (a closure recorded after the report) is stored as refused and
moves nothing: no completion, no early finish. Before D: as ever."""

from __future__ import annotations

from datetime import UTC, date, datetime
from uuid import uuid4

import pytest

from schemas import progress as p
from schemas import registry as r
from tests.progress.seed import ID, uid
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra

NEW = uid("unit:sxd-moi")


def merger() -> list:
    """Sở Xây dựng merged into a new department on 2020-06-01."""
    return [
        r.UnitRegistered(
            unit_id=NEW,
            code="000.00.40.H12",
            name="Sở Xây dựng và Giao thông",
            kind="department",
            parent_id=ID.ubnd,
            level="province",
            valid_from=date(2020, 6, 1),
        ),
        r.UnitClosed(
            unit_id=ID.sxd,
            closed_on=date(2020, 6, 1),
            reason="sáp nhập",
            closure_kind="merged",
            successor_unit_ids=[NEW],
        ),
        r.UnitMerged(unit_id=NEW, merged_unit_ids=[ID.sxd], effective_on=date(2020, 6, 1)),
    ]


async def test_a_merged_unit_reports_nothing_dated_after_its_merger(seeded):
    await seeded.feed(*merger())
    officer = seeded.officer(ID.sxd)
    r1 = await seeded.post(
        "/reports", report(ID.t_nha_o, 1000, "2020-06-10"), headers=officer, expect=422
    )
    (error,) = r1.json()["errors"]
    assert (error["pointer"], error["type"]) == ("#/as_of", "unit_closed")
    assert "01/06/2020" in error["detail"] and "Sở Xây dựng và Giao thông" in error["detail"]
    assert "sáp nhập" in error["detail"]
    # the first day of not existing is refused too; the province admin is refused the same way
    await seeded.post("/reports", report(ID.t_nha_o, 1000, "2020-06-01"), expect=422)
    assert await seeded.count("reports") == 0 and await seeded.outbox() == []
    # in a batch, per item
    r2 = await seeded.post(
        "/reports/batch",
        {"reports": [report(ID.t_nha_o, 1000, "2020-06-05"), report(ID.t_thu, 10, "2020-06-05")]},
    )
    assert [x["status"] for x in r2.json()["results"]] == ["rejected", "accepted"]
    assert r2.json()["results"][0]["errors"][0]["pointer"] == "#/reports/0/as_of"
    # before D: as ever
    await seeded.post(
        "/reports", report(ID.t_nha_o, 400, "2020-05-31"), headers=officer, expect=201
    )
    assert await seeded.count("reports") == 2


def _june_report_and_achievement() -> tuple[p.TargetReported, p.TargetAchieved]:
    """Sở Xây dựng's report of 12 June 2020 (after its closure) and the early finish it made."""
    report_id = uuid4()
    reported = p.TargetReported(
        report_id=report_id,
        target_id=ID.t_nha_o,
        campaign_id=ID.campaign,
        unit_id=ID.sxd,
        value=1000,
        as_of=date(2020, 6, 12),
        reported_at=datetime(2020, 6, 12, 3, tzinfo=UTC),
    )
    achieved = p.TargetAchieved(
        target_id=ID.t_nha_o,
        campaign_id=ID.campaign,
        unit_id=ID.sxd,
        report_id=report_id,
        achieved_on=date(2020, 6, 12),
        deadline=date(2020, 6, 30),
        early_by_days=18,
        finished_early=True,
        completion=1.0,
    )
    return reported, achieved


async def test_a_report_of_the_log_dated_after_the_closure_is_stored_as_refused(seeded):
    await seeded.feed(*merger())
    reported, achieved = _june_report_and_achievement()
    report_id = reported.report_id
    await seeded.feed(reported, achieved)
    assert await seeded.count("reports") == 0 and await seeded.count("achievements") == 0
    row = await seeded.pool.fetchrow("SELECT * FROM refused_reports")
    assert row["report_id"] == report_id and row["reason"] == "unit_closed"
    assert "01/06/2020" in row["detail"]
    state = await seeded.pool.fetchrow(
        "SELECT current_report_id FROM targets WHERE target_id = $1", ID.t_nha_o
    )
    assert state["current_report_id"] is None
    dash = (await seeded.get(f"/campaigns/{ID.campaign}/dashboard")).json()
    assert all(not u.get("finished_early") for u in dash["units"])


async def test_a_closure_recorded_later_sets_aside_the_reports_after_it_and_their_early_finish(
    seeded,
):
    """Reports accepted over HTTP before the registry recorded a closure dated earlier: the
    closure's arrival re-judges the unit's targets from the reports that stand, and retracts
    the achievement that rested only on a report dated on or after it."""
    officer = seeded.officer(ID.sxd)
    before = await seeded.post(
        "/reports", report(ID.t_nha_o, 400, "2020-05-20"), headers=officer, expect=201
    )
    after = await seeded.post(
        "/reports", report(ID.t_nha_o, 1000, "2020-06-10"), headers=officer, expect=201
    )
    assert after.json()["achieved_now"] is True
    await seeded.clear_outbox()

    await seeded.feed(*merger())  # closed on 2020-06-01

    history = (await seeded.get(f"/targets/{ID.t_nha_o}/reports")).json()
    assert history["progress"]["achieved"] is None
    assert history["progress"]["current_report_id"] == before.json()["report"]["report_id"]
    assert [r["report_id"] for r in history["reports"]] == [before.json()["report"]["report_id"]]
    # the unit still sees what became of its report, and why
    (aside,) = history["set_aside"]
    assert aside["report_id"] == after.json()["report"]["report_id"]
    assert (aside["value"], aside["as_of"], aside["reason"]) == (1000, "2020-06-10", "unit_closed")
    assert "01/06/2020" in aside["detail"] and "Sở Xây dựng và Giao thông" in aside["detail"]
    mine = (await seeded.get(f"/targets/{ID.t_nha_o}/reports", headers=officer)).json()
    assert [x["report_id"] for x in mine["set_aside"]] == [aside["report_id"]]
    row = await seeded.pool.fetchrow("SELECT * FROM refused_reports")
    assert str(row["report_id"]) == after.json()["report"]["report_id"]
    assert row["reason"] == "unit_closed" and "01/06/2020" in row["detail"]
    (retracted,) = await seeded.outbox("TargetAchievementRetracted")
    assert retracted["report_id"] == after.json()["report"]["report_id"]
    assert retracted["unit_closed_on"] == "2020-06-01" and retracted["finished_early"] is True
    dash = (await seeded.get(f"/campaigns/{ID.campaign}/dashboard")).json()
    sxd = next(u for u in dash["units"] if u["unit_id"] == str(ID.sxd))
    assert (sxd["achieved"], sxd["finished_early"]) == (0, False)
    assert sxd["completion"]["capped"] == 0.4
    # the closure read again (a redelivery) changes nothing more
    await seeded.clear_outbox()
    await seeded.feed(*merger())
    assert await seeded.outbox() == []


async def test_a_closure_moves_the_achievement_to_a_report_before_it_that_meets_the_goal(seeded):
    officer = seeded.officer(ID.sxd)
    after = await seeded.post(
        "/reports", report(ID.t_nha_o, 1000, "2020-06-10"), headers=officer, expect=201
    )
    earlier = await seeded.post(
        "/reports", report(ID.t_nha_o, 1000, "2020-05-25"), headers=officer, expect=201
    )
    assert earlier.json()["achieved_now"] is False  # the first to meet it stands
    await seeded.clear_outbox()

    await seeded.feed(*merger())

    achieved = (await seeded.get(f"/targets/{ID.t_nha_o}/reports")).json()["progress"]["achieved"]
    assert achieved["report_id"] == earlier.json()["report"]["report_id"]
    assert achieved["achieved_on"] == "2020-05-25"
    assert [e["_type"] for e in await seeded.outbox()] == ["TargetAchieved"]
    assert after.json()["report"]["report_id"] not in {
        str(r["report_id"]) for r in await seeded.pool.fetch("SELECT report_id FROM reports")
    }


async def test_a_rebuild_reading_the_reports_before_the_closure_ends_as_the_live_service(seeded):
    """The log's report and achievement read first (a rebuild reads topics in no order across
    them), the registry's closure after: the report is set aside and the achievement goes, as
    the live service ended."""
    reported, achieved = _june_report_and_achievement()
    report_id = reported.report_id
    await seeded.feed(reported, achieved)
    assert await seeded.count("achievements") == 1
    await seeded.feed(*merger())
    assert (await seeded.count("achievements"), await seeded.count("reports")) == (0, 0)
    history = (await seeded.get(f"/targets/{ID.t_nha_o}/reports")).json()
    assert [x["report_id"] for x in history["set_aside"]] == [str(report_id)]
    assert history["progress"]["current_report_id"] is None
