"""A unit's closure recorded after the fact: its reports dated on or after it no longer stand.
Run by the consumer of registry.units.v1 when UnitClosed arrives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from servicekit.unit_of_work import UnitOfWork
from services.progress import events, store
from services.progress.domain import (
    check_unit_open,
    close_unit,
)


async def set_aside_after_closures(uow: UnitOfWork, closures: Sequence[tuple[UUID, date]]) -> None:
    """The registry recorded (unit, closed_on) closures, often after the fact: reports of those
    units dated on or after their closure, accepted while it was not known, no longer stand.
    Each target holding one is re-judged from the others as a correction re-judges it
    (`close_unit`): the reports are moved to `refused_reports` with the reason, an achievement
    that rested only on them is retracted (TargetAchievementRetracted naming the closure's day)
    or moved to the first standing report that meets the target (TargetAchieved). What the HTTP
    path would have refused ends as if refused; a rebuild reading the closure first sets the
    same reports aside on ingest."""
    con = uow.con
    loaded = await store.targets.lock_targets(
        con, await store.reports.targets_reported_from(con, closures)
    )
    if not loaded:
        return
    stored = await store.reports.histories(con, list(loaded))
    ends = await store.units.unit_ends(con, {x.target.unit_id for x in loaded.values()})
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
    await store.reports.set_aside_reports(con, gone)
    await store.targets.save_states(con, states)
    await store.achievements.save_achievements(con, moved, overwrite=True)
    await store.achievements.delete_achievements(con, [a for a, _ in retracted])
    await store.standings.mark_units_dirty(
        con, {(s.target.unit_id, s.target.deadline.year) for s in states}
    )
    for a, closed_on in retracted:
        # no correction here: the achieving report itself, set aside, stands in for one
        retraction, eid = events.achievement_retracted(a, a.report_id, closed_on)
        await uow.publish(retraction, event_id=eid)
    for a in moved:
        achievement, eid = events.target_achieved(a)
        await uow.publish(achievement, event_id=eid)
