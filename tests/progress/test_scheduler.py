"""Reminders: ReportDueSoon within the lead time, ReportOverdue after the deadline, for targets
without any report; each once per target and period, even with two instances ticking at once."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime

import pytest

from services.progress.jobs.scheduler import Scheduler
from tests.progress.seed import ID, closed
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra


async def test_due_soon_then_overdue_once_each(seeded):
    seeded.clock.set(datetime(2020, 6, 25, 3, tzinfo=UTC))  # Sở Xây dựng's deadline: 30/6
    await seeded.scheduler.tick()
    (due,) = await seeded.outbox()
    assert due["_type"] == "ReportDueSoon"
    assert (due["target_id"], due["days_left"], due["period"]) == (str(ID.t_nha_o), 5, "2020-06-30")
    await seeded.scheduler.tick()
    assert len(await seeded.outbox()) == 1  # once per target and period
    seeded.clock.set(datetime(2020, 7, 2, 3, tzinfo=UTC))
    await seeded.scheduler.tick()
    await seeded.scheduler.tick()
    overdue = await seeded.outbox("ReportOverdue")
    assert [(e["target_id"], e["days_overdue"]) for e in overdue] == [(str(ID.t_nha_o), 2)]
    assert await seeded.count("notices_sent") == 2


async def test_a_reported_target_gets_no_reminder(seeded):
    seeded.app.state.progress.config.overdue_window_days = 120
    seeded.clock.set(datetime(2020, 9, 25, 3, tzinfo=UTC))  # giải ngân due 30/9, nhà ở overdue
    await seeded.post(
        "/reports",
        report(ID.t_giai_ngan, 80, "2020-09-20"),
        headers=seeded.officer(ID.stc),
        expect=201,
    )
    await seeded.clear_outbox()
    await seeded.scheduler.tick()
    sent = [(e["_type"], e["target_id"]) for e in await seeded.outbox()]
    assert sent == [("ReportOverdue", str(ID.t_nha_o))]


async def test_the_lead_time_is_configurable(seeded):
    seeded.app.state.progress.config.due_lead_days = 20
    seeded.clock.set(datetime(2020, 6, 12, 3, tzinfo=UTC))
    await seeded.scheduler.tick()
    assert [e["days_left"] for e in await seeded.outbox("ReportDueSoon")] == [18]


async def test_closed_campaigns_and_old_deadlines_are_not_reminded(seeded):
    seeded.clock.set(datetime(2020, 11, 1, 3, tzinfo=UTC))  # nhà ở 124 days overdue
    await seeded.scheduler.tick()
    overdue = {e["target_id"] for e in await seeded.outbox("ReportOverdue")}
    assert overdue == {str(ID.t_giai_ngan)}  # 32 days; 30/6 is beyond the 60-day window
    await seeded.feed(closed())
    await seeded.clear_outbox()
    seeded.clock.set(datetime(2021, 1, 3, 3, tzinfo=UTC))
    await seeded.scheduler.tick()
    assert await seeded.outbox("ReportOverdue") == []


async def test_two_instances_send_each_notice_once(seeded):
    rt = seeded.app.state.progress
    seeded.clock.set(datetime(2020, 10, 2, 3, tzinfo=UTC))
    a = Scheduler(seeded.pool, rt.config, seeded.clock)
    b = Scheduler(seeded.pool, rt.config, seeded.clock)
    await asyncio.gather(a.tick(), b.tick(), a.tick(), b.tick())
    events = await seeded.outbox("ReportOverdue")
    assert [e["target_id"] for e in events] == [str(ID.t_giai_ngan)]
    # a deterministic event id: whoever derives the notice, it is the same event
    assert len({e["_id"] for e in events}) == 1


async def test_a_past_campaign_recorded_now_reminds_only_who_missed_a_deadline(seeded):
    """2020's campaign entered in 2026, its reports dated back then and entered in date order:
    before any report nobody is reminded; once the record has reached a day after a deadline,
    the targets without a report dated on or before that deadline are overdue, as of that day
    (the 60-day window counts from when the reports were made, not from 2020)."""
    seeded.clock.set(datetime(2026, 3, 2, 3, tzinfo=UTC))
    await seeded.scheduler.tick()
    assert await seeded.outbox() == []  # launched, nothing reported yet: nothing judged
    stc = seeded.officer(ID.stc)
    # giải ngân (due 30/9) is reported on time; thu (due 31/12) has no report dated by then
    await seeded.post("/reports", report(ID.t_giai_ngan, 60, "2020-06-30"), headers=stc, expect=201)
    await seeded.scheduler.tick()
    assert await seeded.outbox("ReportOverdue") == []  # the record reached 30/6 only
    await seeded.post(
        "/reports", report(ID.t_giai_ngan, 100, "2020-09-30"), headers=stc, expect=201
    )
    await seeded.scheduler.tick()
    overdue = await seeded.outbox("ReportOverdue")
    # nhà ở (due 30/6) was never reported: overdue by 92 days as of 30/9, the record's day
    assert [(e["target_id"], e["days_overdue"]) for e in overdue] == [(str(ID.t_nha_o), 92)]
    assert await seeded.outbox("ReportDueSoon") == []  # a past deadline was never "due soon"
    await seeded.scheduler.tick()
    assert len(await seeded.outbox("ReportOverdue")) == 1  # once
