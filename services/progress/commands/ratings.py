"""Yearly ratings (xếp loại) and recognised initiatives (sáng kiến), entered by their unit: checked
by the domain, stored, published (PerformanceRated, InitiativeRecognized)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from servicekit.unit_of_work import UnitOfWork
from servicekit.vietnamese import nfc
from services.progress import events, store
from services.progress.config import Clock, today
from services.progress.domain import (
    SCOPE_OF_LEVEL,
    FieldProblem,
    Initiative,
    RatingEntry,
    Rejected,
    apply_rating,
    check_initiative,
    check_rating,
)


@dataclass(frozen=True)
class RatingInput:
    subject_kind: object
    subject_id: UUID
    year: object
    rating: object
    unit_id: UUID | None
    """The unit entering the rating: the officer's own, or the one an administrator acts for."""
    ldtt_not_conferred: object = None


async def enter_ratings(
    uow: UnitOfWork, clock: Clock, items: Sequence[RatingInput]
) -> list[RatingEntry]:
    """All or nothing: every problem of every item is listed (fields `ratings[i].…`)."""
    con = uow.con
    people = await store.units.people_units(con, [i.subject_id for i in items])
    units = await store.units.unit_names(con, [i.subject_id for i in items])
    day, now = today(clock), clock.now()
    problems: list[FieldProblem] = []
    entries: list[RatingEntry] = []
    for n, item in enumerate(items):
        if item.unit_id is None:
            problems.append(
                FieldProblem(f"ratings[{n}].unit_id", "missing", "name the unit that rates")
            )
            continue
        subject_unit = (
            people.get(item.subject_id)
            if item.subject_kind == "person"
            else (item.subject_id if item.subject_id in units else None)
        )
        found = check_rating(
            subject_kind=item.subject_kind,
            subject_id=item.subject_id,
            subject_unit_id=subject_unit,
            year=item.year,
            rating=item.rating,
            entering_unit=item.unit_id,
            today=day,
            ldtt_not_conferred=item.ldtt_not_conferred,
        )
        problems += [FieldProblem(f"ratings[{n}].{p.field}", p.code, p.message) for p in found]
        if not found:
            entries.append(
                RatingEntry(
                    id=uuid4(),
                    subject_kind=item.subject_kind,  # type: ignore[arg-type]
                    subject_id=item.subject_id,
                    year=item.year,  # type: ignore[arg-type]
                    rating=item.rating,  # type: ignore[arg-type]
                    unit_id=item.unit_id,
                    entered_at=_spaced(now, n),
                    ldtt_not_conferred=item.ldtt_not_conferred,  # type: ignore[arg-type]
                )
            )
    if problems:
        raise Rejected(problems)
    for entry in await apply_ratings(uow, entries):
        event, eid = events.performance_rated(entry)
        await uow.publish(event, event_id=eid, time=entry.entered_at)
    return entries


async def recognise_initiative(
    uow: UnitOfWork,
    clock: Clock,
    *,
    title: object,
    level: object,
    recognised_on: object,
    author_ids: Sequence[UUID],
    unit_id: UUID | None,
    entering_unit: UUID | None,
    kind: object = "initiative",
    scope: object = None,
) -> Initiative:
    """`entering_unit`: the officer's unit; None for an administrator, who records for
    `unit_id`. `scope` not given: the reach of the recognising level (SCOPE_OF_LEVEL)."""
    unit = unit_id or entering_unit
    if unit is None:
        raise Rejected([FieldProblem("unit_id", "missing", "name the initiative's unit")])
    problems = check_initiative(
        title=title,
        level=level,
        kind=kind,
        scope=scope,
        recognised_on=recognised_on,
        author_ids=author_ids,
        unit_id=unit,
        entering_unit=entering_unit or unit,
        today=today(clock),
    )
    known = await store.units.people_units(uow.con, author_ids)
    problems += [
        FieldProblem(f"author_ids[{i}]", "unknown_author", "no such person")
        for i, a in enumerate(author_ids)
        if a not in known
    ]
    if problems:
        raise Rejected(problems)
    initiative = Initiative(
        id=uuid4(),
        title=nfc(str(title)),
        level=level,  # type: ignore[arg-type]
        recognised_on=recognised_on,  # type: ignore[arg-type]
        author_ids=tuple(author_ids),
        unit_id=unit,
        kind=kind,  # type: ignore[arg-type]
        scope=scope or SCOPE_OF_LEVEL[level],  # type: ignore[arg-type,index]
    )
    await store.initiatives.save_initiatives(uow.con, [initiative])
    event, eid = events.initiative_recognized(initiative)
    await uow.publish(event, event_id=eid)
    return initiative


async def apply_ratings(uow: UnitOfWork, entries: list[RatingEntry]) -> list[RatingEntry]:
    """Store the entries and update the ratings in force (`apply_rating`); returns the entries
    that changed a subject's rating for the year."""
    current = await store.ratings.current_ratings_for(
        uow.con, sorted({e.key for e in entries}, key=str)
    )
    changed: dict[tuple, RatingEntry] = {}
    moved = []
    for entry in entries:
        step = apply_rating(current.get(entry.key), entry)
        current[entry.key] = step.current
        if step.current is entry:
            changed[entry.key] = entry
        if step.changed:
            moved.append(entry)
    await store.ratings.save_ratings(uow.con, entries, list(changed.values()))
    return moved


def _spaced(now: datetime, n: int) -> datetime:
    """Entries of one request a microsecond apart: their order is the order given."""
    return now + timedelta(microseconds=n)
