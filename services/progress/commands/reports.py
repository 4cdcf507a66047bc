"""Reports in through the API: each item checked by the domain (`new_report`) and applied to its
target's state (`apply_report`); the reports, the new states, the achievements they reach, move
or retract, and their events are stored in one transaction (`store.reports.save_submitted`).

`check` takes the reports' time after locking their targets and keeps each after its target's
previous report, so per target the order of `reported_at` is the commit order (what the topic
holds and what the domain's `rebuild` replays). See the service README, "Decisions".
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from servicekit.unit_of_work import UnitOfWork
from services.progress import events, store
from services.progress.config import Clock, today
from services.progress.domain import (
    Achievement,
    FieldProblem,
    Rejected,
    Report,
    Target,
    TargetState,
    apply_report,
    needs_history,
    new_report,
)

NOBODY = UUID(int=0)


BACKDATE_REFUSED = FieldProblem(
    "submitted_on",
    "not_allowed",
    "only a province administrator or an integration client enters a past submission date",
)
"""A past submission day given by a caller who may not (api.common.may_backdate)."""


@dataclass(frozen=True)
class ReportInput:
    target_id: UUID
    value: object
    as_of: date
    note: str | None = None
    evidence: Sequence[str] = ()
    supersedes: UUID | None = None
    submitted_on: date | None = None
    """A past record's submission date (who may give one: the API's `may_backdate`)."""
    occasion_id: UUID | None = None
    """The occasion the achievement is dedicated to: one of its campaign's."""


@dataclass
class Outcome:
    """What became of one submitted item."""

    report: Report | None = None
    state: TargetState | None = None
    achieved: Achievement | None = None
    retracted: Achievement | None = None
    problems: list[FieldProblem] = field(default_factory=list)

    @property
    def accepted(self) -> bool:
        return self.report is not None


async def submit(
    uow: UnitOfWork,
    clock: Clock,
    items: Sequence[ReportInput | list[FieldProblem]],
    *,
    acting_unit: UUID | None,
    may_report_for: Callable[[UUID], bool] | None = None,
) -> list[Outcome]:
    """Check and store each item on its own: one refused item does not stop the others. An item
    given as a list of problems (it did not even parse) is refused as such. `acting_unit`: the
    officer's unit, or None for a role that reports for any unit (integration client,
    province administrator). `may_report_for`: for a scoped client, the units its scopes name
    (a target of another unit is answered as unknown, as for an officer)."""
    checked = await check(
        uow.con, clock, items, acting_unit=acting_unit, may_report_for=may_report_for
    )
    await record(uow, checked)
    return checked.outcomes


def _reporter(target: Target | None, may_report_for: Callable[[UUID], bool] | None) -> UUID:
    """The unit a province-wide caller reports for: the target's, if its scopes allow it."""
    if target is None or (may_report_for is not None and not may_report_for(target.unit_id)):
        return NOBODY
    return target.unit_id


@dataclass
class Checked:
    """Items checked and applied to their targets' states in memory; nothing stored yet."""

    outcomes: list[Outcome]
    loaded: dict[UUID, store.targets.Loaded]
    """The targets as they were, locked until the transaction ends."""
    states: dict[UUID, TargetState]
    """Their states after the accepted items."""


async def check(
    con: asyncpg.Connection,
    clock: Clock,
    items: Sequence[ReportInput | list[FieldProblem]],
    *,
    acting_unit: UUID | None,
    may_report_for: Callable[[UUID], bool] | None = None,
) -> Checked:
    """`submit`'s first half: lock the targets, check each item and apply it (see `submit`).
    An import checks a whole file this way before deciding whether to `record` it."""
    inputs = [i for i in items if isinstance(i, ReportInput)]
    found = await store.targets.lock_report_targets(con, (i.target_id for i in inputs))
    loaded = found.loaded
    now, day = clock.now(), today(clock)  # after the locks: see the module's docstring
    last_at = {t: x.last_reported_at for t, x in loaded.items() if x.last_reported_at}
    corrected = [i.supersedes for i in inputs if i.supersedes is not None]
    originals = {r: await store.reports.get_report(con, r) for r in set(corrected)}
    superseded = await store.reports.superseded(con, corrected) if corrected else set()
    # most units are open: their closures are read only when one is closed
    ends = await store.units.unit_ends(con, found.closed_units) if found.closed_units else {}
    # the occasions of the campaigns only when a report names one (most name none)
    naming = {
        x.target.campaign_id for i in inputs if i.occasion_id and (x := loaded.get(i.target_id))
    }
    dedicated = await store.occasions.campaign_occasions(con, naming) if naming else {}
    states = {tid: x.state for tid, x in loaded.items()}
    accepted: list[tuple[Report, UUID]] = []
    outcomes: list[Outcome] = []
    for n, item in enumerate(items):
        if not isinstance(item, ReportInput):
            outcomes.append(Outcome(problems=item))
            continue
        x = loaded.get(item.target_id)
        target = x.target if x else None
        try:
            report = new_report(
                id=uuid4(),
                target=target,
                campaign=x.campaign if x else None,
                reporter_unit=acting_unit or _reporter(target, may_report_for),
                value=item.value,
                as_of=item.as_of,
                reported_at=_arrival(now, n, last_at, item.target_id),
                today=day,
                note=item.note,
                evidence=item.evidence,
                supersedes=item.supersedes,
                submitted_on=item.submitted_on,
                original=originals.get(item.supersedes) if item.supersedes else None,
                already_superseded=item.supersedes in superseded,
                unit_end=ends.get(target.unit_id) if target else None,
                occasion_id=item.occasion_id,
                dedicated_to=dedicated.get(target.campaign_id, ()) if target else (),
            )
        except Rejected as e:
            outcomes.append(Outcome(problems=e.problems))
            continue
        assert x is not None and target is not None
        state = states[target.id]
        history = None
        if needs_history(state, report):
            earlier = [r for r, _ in accepted if r.target_id == target.id]
            history = [*await store.reports.history(con, target.id), *earlier]
        step = apply_report(state, report, history)
        states[target.id] = step.state
        if report.supersedes is not None:
            superseded.add(report.supersedes)
        last_at[target.id] = report.reported_at
        accepted.append((report, target.campaign_id))
        outcomes.append(Outcome(report, step.state, step.achieved, step.retracted))
    return Checked(outcomes, loaded, states)


async def record(uow: UnitOfWork, checked: Checked) -> None:
    """`submit`'s second half: store the accepted items, their targets' new states and
    achievements, and publish their events."""
    outcomes, loaded, states = checked.outcomes, checked.loaded, checked.states
    accepted = [(o.report, o.state.target.campaign_id) for o in outcomes if o.report and o.state]
    if not accepted:
        return
    changed = [states[t] for t in sorted({r.target_id for r, _ in accepted})]
    # what the request's steps left: each changed target's final achievement, or none
    before = {t: x.state.achievement for t, x in loaded.items()}
    achieved = [
        s.achievement for s in changed if s.achievement and s.achievement != before[s.target.id]
    ]
    retracted = [s.target.id for s in changed if not s.achievement and before[s.target.id]]
    await store.reports.save_submitted(uow.con, accepted, changed, achieved, retracted)
    await store.occasions.save_report_occasions(uow.con, [r for r, _ in accepted])
    for o in outcomes:
        if o.report is None:
            continue
        assert o.state is not None
        reported, eid = events.target_reported(o.report, o.state.target.campaign_id)
        await uow.publish(reported, event_id=eid)
        if o.retracted:
            retraction, eid = events.achievement_retracted(o.retracted, o.report.id)
            await uow.publish(retraction, event_id=eid)
        if o.achieved:
            achievement, eid = events.target_achieved(o.achieved)
            await uow.publish(achievement, event_id=eid)


def _arrival(now: datetime, n: int, last: dict[UUID, datetime], target_id: UUID) -> datetime:
    """The n-th item's time: the clock's, a microsecond per item later, and always after the
    target's previous report (clocks of two instances may disagree), so that per target the
    order of reported_at is the order of arrival."""
    at = now + timedelta(microseconds=n)
    before = last.get(target_id)
    return at if before is None or at > before else before + timedelta(microseconds=1)
