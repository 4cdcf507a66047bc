"""A campaign's dashboard: completion by unit, who finished early, what is overdue. A pure function
over the campaign's targets and reports and the day; it rebuilds every target's state, so it is
for on-demand views and checks, not for the per-report path."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from services.progress.domain.aggregate import finished_early, unit_completion
from services.progress.domain.completion import Completion
from services.progress.domain.deadlines import due_notices
from services.progress.domain.model import Campaign, Report, Target
from services.progress.domain.tracking import TargetState, rebuild


@dataclass(frozen=True, slots=True)
class UnitRow:
    unit_id: UUID
    completion: Completion | None
    """None when the unit has no targets."""
    targets: int
    met_now: int
    achieved: int
    achieved_early: int
    finished_early: bool


@dataclass(frozen=True, slots=True)
class OverdueTarget:
    target: Target
    days_overdue: int


@dataclass(frozen=True, slots=True)
class Dashboard:
    campaign_id: UUID
    today: date
    units: tuple[UnitRow, ...]
    """Every participating unit and every unit with a target, by unit id."""
    early_finishers: tuple[UUID, ...]
    overdue: tuple[OverdueTarget, ...]
    """Targets past their deadline without any report, most overdue first."""
    states: dict[UUID, TargetState]


@dataclass(frozen=True, slots=True)
class Totals:
    """A set of targets' figures taken together (a campaign's, or a campaign's with those of the
    units' own movements answering it): completion weighted over all of them."""

    targets: int
    met_now: int
    achieved: int
    achieved_early: int
    completion: Completion | None
    """None when there are no targets."""


def totals(states: Iterable[TargetState]) -> Totals:
    states = list(states)
    return Totals(
        targets=len(states),
        met_now=sum(s.met_now for s in states),
        achieved=sum(s.achievement is not None for s in states),
        achieved_early=sum(bool(s.achievement and s.achievement.finished_early) for s in states),
        completion=unit_completion(states),
    )


def campaign_dashboard(
    campaign: Campaign, targets: Iterable[Target], reports: Iterable[Report], today: date
) -> Dashboard:
    mine = [t for t in targets if t.campaign_id == campaign.id]
    history: dict[UUID, list[Report]] = defaultdict(list)
    for r in reports:
        history[r.target_id].append(r)
    states = {t.id: rebuild(t, history.get(t.id, ())) for t in mine}
    by_unit: dict[UUID, list[TargetState]] = {u: [] for u in campaign.units}
    for s in states.values():
        by_unit.setdefault(s.target.unit_id, []).append(s)
    rows = tuple(
        UnitRow(
            unit_id=unit,
            completion=unit_completion(unit_states),
            targets=len(unit_states),
            met_now=sum(s.met_now for s in unit_states),
            achieved=sum(s.achievement is not None for s in unit_states),
            achieved_early=sum(
                bool(s.achievement and s.achievement.finished_early) for s in unit_states
            ),
            finished_early=finished_early(unit_states),
        )
        for unit, unit_states in sorted(by_unit.items(), key=lambda kv: str(kv[0]))
    )
    late = [
        OverdueTarget(n.target, n.days)
        for n in due_notices(mine, history.keys(), today, lead_days=0)
        if n.kind == "overdue"
    ]
    late.sort(key=lambda o: (-o.days_overdue, str(o.target.id)))
    return Dashboard(
        campaign_id=campaign.id,
        today=today,
        units=rows,
        early_finishers=tuple(r.unit_id for r in rows if r.finished_early),
        overdue=tuple(late),
        states=states,
    )
