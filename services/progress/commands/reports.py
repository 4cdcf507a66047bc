"""Reports: accepting them (HTTP) and ingesting them (the bus). Thin steps around the domain core:
load and lock the targets, ask the domain, store, publish.

Two ways in, one state:

- **HTTP** (`submit`): each item is checked by the domain (`new_report`) and applied to its
  target's state (`apply_report`); the report row, the new state, the achievement when the report
  first meets the target (or when a correction of the achieving report moves it to another), its
  deletion when a correction retracts it, and the events TargetReported, TargetAchieved and
  TargetAchievementRetracted are written in one transaction (the outbox's).
- **Bus** (`ingest`): TargetReported, TargetAchieved, its retraction and the reminders consumed from
  progress.reports.v1 — our own log, read back by a rebuild (or a benchmark) from offset zero.
  Reports are inserted by `report_id` (`ON CONFLICT DO NOTHING`): the live service consuming what
  its HTTP path already stored changes nothing, and only new reports move a target's state. This
  path derives no achievement of its own: every TargetReported on that topic was published with
  its TargetAchieved or TargetAchievementRetracted, if any, right behind it on the same key, so
  the log's are recorded as they are, in the log's order (an achievement replaces the target's
  stored one, a retraction deletes it), and a rebuild ends with exactly the live service's
  achievements, whatever order its topics are read in. It publishes nothing. Throughput: a
  batch is a few statements whatever its size — lock the targets, then insert the reports and
  advance the states of targets without a correction in one set-based statement
  (`store.insert_and_advance`, the SQL form of the domain's rule, held equal to it by a test);
  only targets whose batch holds a correction go through `apply_report` one report at a time.

Order: `submit` takes the time of the reports after locking their targets, spaces the items of one
request a microsecond apart and keeps each after its target's previous report, so per target the
order of reported_at (what the domain's `rebuild` replays as arrival order) and commit order (what
the topic holds) are the same.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from schemas import progress as p
from schemas.envelope import Envelope
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
    as_decimal,
    check_unit_open,
    close_unit,
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
    bus: events.Bus,
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
    await record(uow, bus, checked)
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
    loaded: dict[UUID, store.Loaded]
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
    loaded = await store.lock_targets(con, (i.target_id for i in inputs), last=True)
    now, day = clock.now(), today(clock)  # after the locks: see the module's docstring
    last_at = {t: x.last_reported_at for t, x in loaded.items() if x.last_reported_at}
    corrected = [i.supersedes for i in inputs if i.supersedes is not None]
    originals = {r: await store.get_report(con, r) for r in set(corrected)}
    superseded = await store.superseded(con, corrected) if corrected else set()
    ends = await store.unit_ends(con, {x.target.unit_id for x in loaded.values()})
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
            )
        except Rejected as e:
            outcomes.append(Outcome(problems=e.problems))
            continue
        assert x is not None and target is not None
        state = states[target.id]
        history = None
        if needs_history(state, report):
            earlier = [r for r, _ in accepted if r.target_id == target.id]
            history = [*await store.history(con, target.id), *earlier]
        step = apply_report(state, report, history)
        states[target.id] = step.state
        if report.supersedes is not None:
            superseded.add(report.supersedes)
        last_at[target.id] = report.reported_at
        accepted.append((report, target.campaign_id))
        outcomes.append(Outcome(report, step.state, step.achieved, step.retracted))
    return Checked(outcomes, loaded, states)


async def record(uow: UnitOfWork, bus: events.Bus, checked: Checked) -> None:
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
    await store.save_submitted(uow.con, accepted, changed, achieved, retracted)
    for o in outcomes:
        if o.report is None:
            continue
        assert o.state is not None
        event, eid = events.target_reported(o.report, o.state.target.campaign_id)
        await bus.publish(uow, event, event_id=eid)
        if o.retracted:
            event, eid = events.achievement_retracted(o.retracted, o.report.id)
            await bus.publish(uow, event, event_id=eid)
        if o.achieved:
            event, eid = events.target_achieved(o.achieved)
            await bus.publish(uow, event, event_id=eid)


def _arrival(now: datetime, n: int, last: dict[UUID, datetime], target_id: UUID) -> datetime:
    """The n-th item's time: the clock's, a microsecond per item later, and always after the
    target's previous report (clocks of two instances may disagree), so that per target the
    order of reported_at is the order of arrival."""
    at = now + timedelta(microseconds=n)
    before = last.get(target_id)
    return at if before is None or at > before else before + timedelta(microseconds=1)


def report_from_event(e: p.TargetReported) -> Report:
    return Report(
        id=e.report_id,
        target_id=e.target_id,
        unit_id=e.unit_id,
        value=as_decimal(e.value),
        as_of=e.as_of,
        reported_at=e.reported_at,
        note=e.note,
        evidence=tuple(e.evidence),
        supersedes=e.supersedes,
        submitted_on=e.submitted_on,
    )


def achievement_from_event(e: p.TargetAchieved | p.TargetAchievementRetracted) -> Achievement:
    """The achievement an event states, or the one a retraction names (a retraction carries no
    completion: deleting the achievement needs its target and report only)."""
    done = e.completion if isinstance(e, p.TargetAchieved) else 0
    return Achievement(
        target_id=e.target_id,
        campaign_id=e.campaign_id,
        unit_id=e.unit_id,
        report_id=e.report_id,
        achieved_on=e.achieved_on,
        deadline=e.deadline,
        completion=as_decimal(done),
    )


async def ingest(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """Batch handler of progress.reports.v1 (see the module's docstring)."""
    con = uow.con
    reports: list[tuple[Report, UUID]] = []
    # per target, the log's last word: an achievement (stands) or a retraction (deleted)
    last_word: dict[UUID, tuple[bool, Achievement]] = {}
    notices: list[tuple[UUID, str, str]] = []
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, p.TargetReported):
            reports.append((report_from_event(e), e.campaign_id))
        elif isinstance(e, p.TargetAchieved):
            last_word[e.target_id] = (True, achievement_from_event(e))
        elif isinstance(e, p.TargetAchievementRetracted):
            last_word[e.target_id] = (False, achievement_from_event(e))
        elif isinstance(e, p.ReportDueSoon):
            notices.append((e.target_id, "due_soon", e.period))
        elif isinstance(e, p.ReportOverdue):
            notices.append((e.target_id, "overdue", e.period))
    if reports:
        reports, refused = await _set_aside_closed(con, reports)
        # an achievement by a report set aside never stands (its retraction changes nothing)
        last_word = {
            t: (stands, a)
            for t, (stands, a) in last_word.items()
            if not (stands and a.report_id in refused)
        }
    await store.lock_for_update(con, (r.target_id for r, _ in reports))  # in id order
    corrected = {r.target_id for r, _ in reports if r.supersedes is not None}
    done = await store.insert_and_advance(con, reports, held_back=corrected)
    dirty = done.dirty
    if corrected:
        fresh = [r for r, _ in reports if r.id in done.new and r.target_id in corrected]
        dirty |= await _apply_one_by_one(con, fresh)
    if last_word:
        words = last_word.values()
        await store.save_achievements(con, [a for stands, a in words if stands], overwrite=True)
        await store.delete_achievements(con, [a for stands, a in words if not stands])
        dirty |= {(a.unit_id, a.deadline.year) for _, a in words}
    await store.mark_units_dirty(con, dirty)
    await store.record_notices(con, notices)


async def _set_aside_closed(
    con: asyncpg.Connection, reports: list[tuple[Report, UUID]]
) -> tuple[list[tuple[Report, UUID]], set[UUID]]:
    """Reports of the log dated on or after their unit's closure are stored as refused
    (`refused_reports`, with the reason) and applied to nothing: no completion, no early finish.
    The HTTP path refuses them outright; the log holds one only when the registry recorded the
    closure after the report was accepted (closures are often recorded after the fact). Not
    dead-lettered: the event is valid and the log's own, and a rebuild keeps it the same way.
    Returns the others and the ids set aside."""
    ends = await store.unit_ends(con, {r.unit_id for r, _ in reports})
    if not ends:
        return reports, set()
    kept, refused = [], []
    for report, campaign_id in reports:
        problems = check_unit_open(report.as_of, ends.get(report.unit_id))
        if problems:
            refused.append((report, campaign_id, problems[0].code, problems[0].message))
        else:
            kept.append((report, campaign_id))
    await store.save_refused_reports(con, refused)
    return kept, {r.id for r, *_ in refused}


async def set_aside_after_closures(
    uow: UnitOfWork, bus: events.Bus, closures: Sequence[tuple[UUID, date]]
) -> None:
    """The registry recorded (unit, closed_on) closures, often after the fact: reports of those
    units dated on or after their closure, accepted while it was not known, no longer stand.
    Each target holding one is re-judged from the others as a correction re-judges it
    (`close_unit`): the reports are moved to `refused_reports` with the reason, an achievement
    that rested only on them is retracted (TargetAchievementRetracted naming the closure's day)
    or moved to the first standing report that meets the target (TargetAchieved). What the HTTP
    path would have refused ends as if refused; a rebuild reading the closure first sets the
    same reports aside on ingest."""
    con = uow.con
    loaded = await store.lock_targets(con, await store.targets_reported_from(con, closures))
    if not loaded:
        return
    stored = await store.histories(con, list(loaded))
    ends = await store.unit_ends(con, {x.target.unit_id for x in loaded.values()})
    gone: list[tuple[UUID, str, str]] = []
    states, moved, retracted = [], [], []
    for target_id in sorted(loaded):
        x = loaded[target_id]
        end = ends[x.target.unit_id]
        step, aside = close_unit(x.state, stored.get(target_id, []), end[0].closed_on)
        for r in aside:
            (problem,) = check_unit_open(r.as_of, end)
            gone.append((r.id, problem.code, problem.message))
        states.append(step.state)
        if step.retracted:
            retracted.append((step.retracted, end[0].closed_on))
        if step.achieved:
            moved.append(step.achieved)
    await store.set_aside_reports(con, gone)
    await store.save_states(con, states)
    await store.save_achievements(con, moved, overwrite=True)
    await store.delete_achievements(con, [a for a, _ in retracted])
    await store.mark_units_dirty(con, {(s.target.unit_id, s.target.deadline.year) for s in states})
    for a, closed_on in retracted:
        # no correction here: the achieving report itself, set aside, stands in for one
        event, eid = events.achievement_retracted(a, a.report_id, closed_on)
        await bus.publish(uow, event, event_id=eid)
    for a in moved:
        event, eid = events.target_achieved(a)
        await bus.publish(uow, event, event_id=eid)


async def _apply_one_by_one(con: asyncpg.Connection, fresh: list[Report]) -> set[tuple[UUID, int]]:
    """The domain's step per report, for targets whose batch holds a correction (which may need
    the target's history). Reports of targets not known yet wait for their target (see
    readmodel: its arrival rebuilds the state from the stored reports)."""
    loaded = await store.lock_targets(con, (r.target_id for r in fresh))
    states = {tid: x.state for tid, x in loaded.items()}
    pending = {r.id for r in fresh}
    for report in fresh:
        pending.discard(report.id)
        state = states.get(report.target_id)
        if state is None:
            continue
        history = None
        if needs_history(state, report):
            history = [h for h in await store.history(con, report.target_id)
                       if h.id not in pending and h.id != report.id]  # fmt: skip
        # the achievement it may derive is never stored: the log's TargetAchieved is
        states[report.target_id] = apply_report(state, report, history).state
    await store.save_states(con, (states[t] for t in sorted(states)))
    return {(s.target.unit_id, s.target.deadline.year) for s in states.values()}
