from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal as D

from services.progress.domain import campaign_dashboard, unit_stats
from services.progress.domain.aggregate import reported_on_time
from tests.progress.domain.factories import UNIT_A, UNIT_B, campaign, report, target, uid

UNIT_C = uid("unit:c")


def test_dashboard_completion_early_finishers_and_overdue():
    a1, a2 = target("a1", weight=2), target("a2", weight=1)
    b1 = target("b1", unit=UNIT_B, deadline=date(2020, 9, 30))
    b2 = target("b2", unit=UNIT_B, value=10, direction="lower_is_better")
    reports = [
        report(a1, 110, date(2020, 10, 31)),
        report(a2, 100, date(2020, 11, 30)),
        report(b2, 20, date(2020, 10, 31)),
    ]
    board = campaign_dashboard(
        campaign(units=(UNIT_A, UNIT_B, UNIT_C)), [a1, a2, b1, b2], reports, date(2020, 12, 5)
    )
    rows = {r.unit_id: r for r in board.units}
    assert rows[UNIT_A].completion.capped == D(1) and rows[UNIT_A].finished_early
    assert rows[UNIT_B].completion.capped == D("0.25")  # (0 + 10/20) / 2
    assert rows[UNIT_B].achieved == 0 and not rows[UNIT_B].finished_early
    assert rows[UNIT_C].completion is None and rows[UNIT_C].targets == 0
    assert board.early_finishers == (UNIT_A,)
    assert [(o.target, o.days_overdue) for o in board.overdue] == [(b1, 66)]


def test_dashboard_ignores_other_campaigns_targets():
    foreign = replace(target("x"), campaign_id=uid("other"))
    board = campaign_dashboard(campaign(), [foreign], [], date(2021, 1, 5))
    assert board.states == {} and board.overdue == ()


def test_unit_stats_for_scoring():
    on_time = target("t1", deadline=date(2020, 6, 30))
    late = target("t2", deadline=date(2020, 6, 30))
    never = target("t3", deadline=date(2020, 6, 30))
    not_due = target("t4", deadline=date(2020, 12, 31))
    board = campaign_dashboard(
        campaign(),
        [on_time, late, never, not_due],
        [
            # 23:30 on 30 June in Hà Nội is 16:30 UTC: still in time.
            report(on_time, 100, date(2020, 6, 1), at=datetime(2020, 6, 30, 16, 30, tzinfo=UTC)),
            # 00:30 on 1 July in Hà Nội is 17:30 UTC on 30 June: late.
            report(late, 50, date(2020, 6, 30), at=datetime(2020, 6, 30, 17, 30, tzinfo=UTC)),
        ],
        date(2020, 7, 10),
    )
    states = board.states
    assert reported_on_time(states[on_time.id]) is True
    assert reported_on_time(states[late.id]) is False
    assert reported_on_time(states[never.id]) is None
    stats = unit_stats(UNIT_A, "Sở Tài chính", states.values(), date(2020, 7, 10), code="STC")
    assert stats.completion == D("0.375")  # (1 + 0.5 + 0 + 0) / 4
    assert stats.early_finish == D("0.25")  # one of four achieved early
    assert stats.timeliness == D("0.333333")  # 1 on time of 3 due or reported; t4 not due yet


def test_unit_stats_without_targets():
    stats = unit_stats(UNIT_A, "Sở Nội vụ", [], date(2020, 7, 10))
    assert (stats.completion, stats.early_finish, stats.timeliness) == (D(0), D(0), D(1))
