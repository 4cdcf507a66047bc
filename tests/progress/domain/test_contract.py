"""The domain's results fit the published event contracts (schemas/progress.py) as they are."""

from datetime import date
from uuid import UUID

from schemas import progress as events
from services.progress.domain import (
    ScoringScheme,
    TargetState,
    UnitStats,
    apply_report,
    determine_leader,
    due_notices,
    standings,
)
from tests.progress.domain.factories import CAMPAIGN, report, target, uid


def test_achievement_maps_onto_target_achieved():
    for as_of in (date(2020, 11, 30), date(2020, 12, 31), date(2021, 1, 4)):
        t = target(deadline=date(2020, 12, 31))
        a = apply_report(TargetState(t), report(t, 101, as_of)).achieved
        event = events.TargetAchieved(  # its validator re-derives early_by_days and the flag
            target_id=a.target_id,
            campaign_id=a.campaign_id,
            unit_id=a.unit_id,
            report_id=a.report_id,
            achieved_on=a.achieved_on,
            deadline=a.deadline,
            early_by_days=a.early_by_days,
            finished_early=a.finished_early,
            completion=float(a.completion),
        )
        assert event.finished_early == (as_of < t.deadline)


def test_notices_map_onto_due_soon_and_overdue():
    t = target(deadline=date(2020, 12, 31))
    for today, cls, days_field in (
        (date(2020, 12, 31), events.ReportDueSoon, "days_left"),
        (date(2021, 1, 1), events.ReportOverdue, "days_overdue"),
    ):
        [n] = due_notices([t], [], today, 7)
        event = cls(
            target_id=t.id,
            campaign_id=CAMPAIGN,
            unit_id=t.unit_id,
            deadline=t.deadline,
            period=n.period,
            **{days_field: n.days},
        )
        assert event.period == "2020-12-31"


def test_standings_and_leader_map_onto_their_events():
    scheme = ScoringScheme(
        ref="S", criteria=[{"name": "completion", "weight": 1, "max_points": 10}]
    )
    ranking = standings(
        scheme, [UnitStats(uid(n), n, completion=c) for n, c in [("a", 1), ("b", 1)]]
    )
    changed = events.StandingsChanged(
        bloc_id=uid("bloc"),
        year=2020,
        ranking=[
            events.Standing(unit_id=s.unit_id, rank=s.rank, score=float(s.score)) for s in ranking
        ],
    )
    assert [s.rank for s in changed.ranking] == [1, 1]
    decision = determine_leader(ranking, {uid("b"): 2})
    leader = events.BlocLeaderDetermined(
        bloc_id=uid("bloc"),
        year=2020,
        leader_unit_id=decision.leader_unit_id,
        score=float(decision.score),
        by_vote=decision.by_vote,
    )
    assert isinstance(leader.leader_unit_id, UUID) and leader.by_vote
