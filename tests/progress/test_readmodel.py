"""The consumer's batch handlers, without Kafka: registry events build the read model; progress's
own events read back (a rebuild, or the live service seeing what it published) apply once."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest

from schemas import progress as p
from schemas import registry as r
from tests.progress.seed import ID, closed, launched, registry_events, spec
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra


async def test_registry_events_build_the_read_model(progress):
    await progress.feed(*registry_events())
    assert await progress.count("units") == 5
    assert await progress.count("people") == 2
    assert await progress.count("targets") == 4
    assert await progress.count("bloc_members") == 3
    bloc = await progress.pool.fetchrow("SELECT * FROM blocs")
    assert (bloc["code"], bloc["head_unit_id"]) == ("K-KT", ID.stc)
    await progress.feed(
        r.UnitChanged(
            unit_id=ID.syt,
            code="000.00.09.H12",
            name="Sở Y tế tỉnh Cà Mau",
            kind="department",
            level="province",
            parent_id=ID.ubnd,
            valid_from=date(2020, 3, 1),
        ),
        r.BlocMembershipChanged(
            bloc_id=ID.bloc,
            year=2020,
            member_unit_ids=[ID.stc, ID.syt],
            removed_unit_ids=[ID.sxd],
            effective_on=date(2020, 4, 1),
        ),
        r.TargetAssigned(
            target_id=ID.t_nha_o,
            campaign_id=ID.campaign,
            unit_id=ID.sxd,
            name="Nhà ở xã hội",
            metric="Nhà ở",
            unit_of_measure="căn",
            target_value=500,
            direction="higher_is_better",
            deadline=date(2020, 6, 30),
            revision=1,
        ),  # an older revision than stored: ignored
        r.TargetRevised(
            target_id=ID.t_thu,
            campaign_id=ID.campaign,
            unit_id=ID.stc,
            name="Tổng thu ngân sách",
            metric="Thu",
            unit_of_measure="tỷ đồng",
            target_value=5400,
            direction="higher_is_better",
            weight=2,
            deadline=date(2020, 12, 31),
            revision=2,
            reason="Điều chỉnh",
        ),
        closed(),
    )
    name = await progress.pool.fetchval("SELECT name FROM units WHERE unit_id = $1", ID.syt)
    assert name == "Sở Y tế tỉnh Cà Mau"
    # a unit that left still counts for the months it was a member
    assert await progress.count("bloc_members") == 3
    left = await progress.pool.fetchrow(
        "SELECT joined_on, left_on FROM bloc_memberships WHERE unit_id = $1", ID.sxd
    )
    assert (left["joined_on"], left["left_on"]) == (date(2020, 1, 1), date(2020, 4, 1))
    row = await progress.pool.fetchrow(
        "SELECT target_value, revision FROM targets WHERE target_id = $1", ID.t_thu
    )
    assert (row["target_value"], row["revision"]) == (5400, 2)
    assert (
        await progress.pool.fetchval(
            "SELECT target_value FROM targets WHERE target_id = $1", ID.t_nha_o
        )
        == 1000
    )
    assert await progress.pool.fetchval("SELECT state FROM campaigns") == "closed"
    assert await progress.count("standings_dirty") > 0


async def test_a_target_revised_below_the_current_value_is_achieved(seeded):
    await seeded.post(
        "/reports", report(ID.t_thu, 5000, "2020-06-14"), headers=seeded.officer(ID.stc), expect=201
    )
    await seeded.clear_outbox()
    revised = r.TargetRevised(
        target_id=ID.t_thu,
        campaign_id=ID.campaign,
        unit_id=ID.stc,
        name="Tổng thu ngân sách",
        metric="Thu",
        unit_of_measure="tỷ đồng",
        target_value=4800,
        direction="higher_is_better",
        weight=2,
        deadline=date(2020, 12, 31),
        revision=2,
    )
    await seeded.feed(revised)
    (event,) = await seeded.outbox("TargetAchieved")
    assert event["achieved_on"] == "2020-06-14" and event["early_by_days"] == 200
    await seeded.feed(revised)  # the same revision again
    assert len(await seeded.outbox("TargetAchieved")) == 1


async def test_our_own_events_read_back_change_nothing(seeded):
    officer = seeded.officer(ID.stc)
    await seeded.post(
        "/reports", report(ID.t_giai_ngan, 100, "2020-06-14"), headers=officer, expect=201
    )
    await seeded.post("/reports", report(ID.t_thu, 3000), headers=officer, expect=201)
    seeded.clock.set(datetime(2020, 6, 25, 3, tzinfo=UTC))
    await seeded.scheduler.tick()  # ReportDueSoon for nhà ở
    before = await _snapshot(seeded)
    envelopes = await seeded.outbox_envelopes()
    assert {type(e.data).__name__ for e in envelopes} == {
        "TargetReported",
        "TargetAchieved",
        "ReportDueSoon",
    }
    await seeded.clear_outbox()
    await seeded.feed_envelopes(envelopes)
    assert await _snapshot(seeded) == before
    assert await seeded.outbox() == []  # reading back publishes nothing


async def test_reports_read_before_their_target_are_applied_when_it_arrives(progress):
    """A rebuild reads topics in no particular order across them."""
    at = datetime(2020, 6, 1, 3, tzinfo=UTC)
    first = p.TargetReported(
        report_id=uuid4(),
        target_id=ID.t_thu,
        campaign_id=ID.campaign,
        unit_id=ID.stc,
        value=2000,
        as_of=date(2020, 5, 31),
        reported_at=at,
    )
    second = p.TargetReported(
        report_id=uuid4(),
        target_id=ID.t_thu,
        campaign_id=ID.campaign,
        unit_id=ID.stc,
        value=2500,
        as_of=date(2020, 6, 30),
        reported_at=at.replace(month=7),
    )
    await progress.feed(first, second)
    assert await progress.count("reports") == 2
    await progress.feed(*registry_events())
    row = await progress.pool.fetchrow(
        "SELECT current_report_id, first_report_id FROM targets WHERE target_id = $1", ID.t_thu
    )
    assert (row["current_report_id"], row["first_report_id"]) == (second.report_id, first.report_id)
    # the achievement is the one the log records, whenever it is read
    achieved = p.TargetAchieved(
        target_id=ID.t_giai_ngan,
        campaign_id=ID.campaign,
        unit_id=ID.stc,
        report_id=uuid4(),
        achieved_on=date(2020, 6, 1),
        deadline=date(2020, 9, 30),
        early_by_days=121,
        finished_early=True,
        completion=1.2,
    )
    await progress.feed(achieved)
    (row,) = await progress.pool.fetch("SELECT * FROM achievements")
    assert row["report_id"] == achieved.report_id and row["completion"] == Decimal("1.2")
    await progress.feed(achieved)  # again
    assert await progress.count("achievements") == 1
    assert await progress.outbox() == []


async def test_a_campaign_launched_with_more_targets_later(progress):
    await progress.feed(*registry_events())
    extra = spec(ID.t_nha_o, ID.sxd, "Nhà ở xã hội", 1200, date(2020, 6, 30), uom="căn")
    relaunched = launched().model_copy(update={"targets": [extra]})
    await progress.feed(relaunched)  # revision 1 again: the stored target stands
    assert (
        await progress.pool.fetchval(
            "SELECT target_value FROM targets WHERE target_id = $1", ID.t_nha_o
        )
        == 1000
    )


async def _snapshot(progress) -> dict:
    return {
        table: sorted(map(tuple, await progress.pool.fetch(f"SELECT * FROM {table}")), key=str)
        for table in ("reports", "targets", "achievements", "notices_sent")
    }
