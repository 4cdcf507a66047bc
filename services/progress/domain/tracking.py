"""A target's progress, updated one report at a time.

The hot path (`apply_report`) is O(1): the state holds the current report and the achievement,
not the history. Only one rare case needs the history: a correction of the current report that
moves it back in time, after which an older live report may be the latest again. The caller asks
`needs_history` first and loads the target's reports only then.

Semantics:
- current value = the latest live (not superseded) report, by as_of, then reported_at.
- achievement: the first live report (not superseded), in arrival order, whose value meets the
  target — the current one or a late report about an earlier day alike — achieves it, on that
  report's as_of. A later report that does not meet the target leaves it standing (a cumulative
  figure may dip; awards may have acted on it), and a backdated report arriving afterwards does
  not move achieved_on. A correction of the achieving report re-judges it from the reports that
  stand (`judge`): another live report that meets the target achieves it in its place, else the
  achievement is retracted. A correction that meets an unachieved target achieves it. Replaying
  the same reports in the same order gives the same achievement, so rebuilding is deterministic.
- a revised target (registry's TargetRevised) is re-checked against the current value; an older or
  repeated revision is ignored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from decimal import Decimal
from typing import NamedTuple
from uuid import UUID

from services.progress.domain.completion import Completion, completion, is_met
from services.progress.domain.model import Report, Target


@dataclass(frozen=True, slots=True)
class Achievement:
    """What TargetAchieved publishes."""

    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    report_id: UUID
    achieved_on: date
    deadline: date
    completion: Decimal
    """Uncapped, at the report that achieved it."""

    @property
    def early_by_days(self) -> int:
        """Days to spare ('về đích sớm'); 0 on or after the deadline."""
        return max(0, (self.deadline - self.achieved_on).days)

    @property
    def finished_early(self) -> bool:
        return self.early_by_days > 0

    @property
    def late(self) -> bool:
        return self.achieved_on > self.deadline


@dataclass(frozen=True, slots=True)
class TargetState:
    target: Target
    current: Report | None = None
    achievement: Achievement | None = None
    first_reported: Report | None = None
    """The first report submitted (for timeliness, `Report.first_key`): its submission day tells
    whether it came in time."""
    completion: Completion | None = field(init=False, compare=False)
    """Of the current report; None before any report. Derived once here, read many times."""

    def __post_init__(self) -> None:
        c, t = self.current, self.target
        done = None if c is None else completion(t.direction, t.target_value, c.value)
        object.__setattr__(self, "completion", done)

    @property
    def met_now(self) -> bool:
        c = self.current
        return c is not None and is_met(self.target.direction, self.target.target_value, c.value)


class Applied(NamedTuple):
    state: TargetState
    achieved: Achievement | None
    """Set only when this step achieved the target: publish TargetAchieved."""
    retracted: Achievement | None = None
    """Set only when this step's correction left no report meeting the target: the achievement
    published before, to retract (TargetAchievementRetracted)."""


class HistoryRequired(Exception):
    """`apply_report` was called without history in the case `needs_history` announces."""


def needs_history(state: TargetState, report: Report) -> bool:
    """A correction that moves the current report back in time (an older live report may be the
    latest again), or one of the report that achieved the target (re-judged from the others)."""
    if report.supersedes is None:
        return False
    current, achieved = state.current, state.achievement
    return (
        current is not None
        and report.supersedes == current.id
        and report.sort_key < current.sort_key
    ) or (achieved is not None and report.supersedes == achieved.report_id)


def apply_report(
    state: TargetState, report: Report, history: Iterable[Report] | None = None
) -> Applied:
    """Apply one validated report. `history`: the target's earlier reports (superseded ones
    included), required only when `needs_history(state, report)`."""
    if report.target_id != state.target.id:
        raise ValueError("report is for another target")
    current = state.current
    if current is not None and report.id == current.id:
        return Applied(state, None)  # redelivered; the inbox should have caught it
    if needs_history(state, report):
        if history is None:
            raise HistoryRequired(f"correction {report.id} needs the target's earlier reports")
        history = [*history, report]
        current = current_report(history)
    else:
        history = None
        if current is None or report.sort_key > current.sort_key:
            current = report
    achievement, achieved, retracted = state.achievement, None, None
    if achievement is not None and report.supersedes == achievement.report_id:
        assert history is not None  # needs_history said so
        achievement = achieved = judge(state.target, history)
        retracted = state.achievement if achievement is None else None
    elif achievement is None and is_met(
        state.target.direction, state.target.target_value, report.value
    ):
        achievement = achieved = _achievement(state.target, report)
    first = state.first_reported
    if first is None or report.first_key < first.first_key:
        first = report
    new = TargetState(state.target, current, achievement, first)
    return Applied(new, achieved, retracted)


def revise_target(state: TargetState, target: Target) -> Applied:
    """Apply a new revision of the target's terms (value, direction, weight, deadline)."""
    if target.id != state.target.id:
        raise ValueError("revision is for another target")
    if target.revision <= state.target.revision:
        return Applied(state, None)
    new = replace(state, target=target)
    if state.achievement is None and new.met_now and state.current is not None:
        achieved = _achievement(target, state.current)
        return Applied(replace(new, achievement=achieved), achieved)
    return Applied(new, None)


def rebuild(target: Target, reports: Iterable[Report]) -> TargetState:
    """The state from a target's whole history, replayed in arrival order (reported_at), exactly
    as the live path would have built it."""
    state = TargetState(target)
    seen: list[Report] = []
    for report in sorted(reports, key=lambda r: (r.reported_at, r.id)):
        state = apply_report(state, report, seen if needs_history(state, report) else None).state
        seen.append(report)
    return state


def close_unit(state: TargetState, history: Iterable[Report], closed_on: date) -> SetAside:
    """The target's unit ceased to exist on `closed_on` (a closure the registry recorded after
    reports were accepted): its reports dated on or after that day no longer stand. The state is
    re-judged from the others as a correction re-judges it (`judge`): an achievement resting on
    a report set aside moves to the first standing report that meets the target, or is
    retracted; a target without one is judged anew (a correction set aside may leave the report
    it superseded standing again). `history`: every report of the target."""
    reports = list(history)
    gone = [r for r in reports if r.as_of >= closed_on]
    if not gone:
        return SetAside(Applied(state, None), [])
    standing = [r for r in reports if r.as_of < closed_on]
    before = state.achievement
    achievement = before
    if before is None or before.report_id in {r.id for r in gone}:
        achievement = judge(state.target, standing)
    first = min(standing, key=lambda r: r.first_key, default=None)
    new = TargetState(state.target, current_report(standing), achievement, first)
    moved = achievement if achievement != before else None
    retracted = before if before is not None and achievement is None else None
    return SetAside(Applied(new, moved, retracted), gone)


class SetAside(NamedTuple):
    applied: Applied
    reports: list[Report]
    """The reports that no longer stand (dated on or after the closure)."""


def live_reports(reports: Iterable[Report]) -> list[Report]:
    """The reports of one target's history that no correction superseded, in the given order."""
    history = list(reports)
    superseded = {r.supersedes for r in history if r.supersedes is not None}
    return [r for r in history if r.id not in superseded]


def current_report(reports: Iterable[Report]) -> Report | None:
    """The latest live report of one target's history."""
    return max(live_reports(reports), key=lambda r: r.sort_key, default=None)


def judge(target: Target, reports: Iterable[Report]) -> Achievement | None:
    """The achievement the reports that stand give: the first live report, in arrival order
    (reported_at), that meets the target; None when none does."""
    live = sorted(live_reports(reports), key=lambda r: (r.reported_at, r.id))
    met = (r for r in live if is_met(target.direction, target.target_value, r.value))
    first = next(met, None)
    return None if first is None else _achievement(target, first)


def _achievement(target: Target, report: Report) -> Achievement:
    done = completion(target.direction, target.target_value, report.value)
    return Achievement(
        target_id=target.id,
        campaign_id=target.campaign_id,
        unit_id=target.unit_id,
        report_id=report.id,
        achieved_on=report.as_of,
        deadline=target.deadline,
        completion=done.uncapped,
    )
