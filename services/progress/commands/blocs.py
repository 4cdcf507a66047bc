"""The service layer's commands besides reports (services/progress/reporting.py): a bloc's scoring
(scheme, bonus and penalty points, the members' vote, the leader), ratings and initiatives.

Each loads what the rule needs, asks the domain, stores and publishes through the unit of work.
Refusals are the domain's `Rejected` (a 422 naming the field), `NotFound` or `Conflict`.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from uuid import UUID, uuid4

from servicekit.unit_of_work import UnitOfWork
from services.progress import events, ranking, readmodel, store
from services.progress.config import Clock, ProgressConfig, today
from services.progress.domain import (
    SCOPE_OF_LEVEL,
    Adjustment,
    FieldProblem,
    Initiative,
    LeaderDecision,
    RatingEntry,
    Rejected,
    ScoringScheme,
    as_decimal,
    check_adjustment,
    check_initiative,
    check_rating,
)


class NotFound(Exception):
    pass


class Conflict(Exception):
    def __init__(self, detail: str, code: str) -> None:
        super().__init__(detail)
        self.detail, self.code = detail, code


# ---- blocs ----------------------------------------------------------------------------------


async def open_bloc_year(uow: UnitOfWork, bloc_id: UUID, year: int) -> store.BlocYear:
    """The bloc's year, locked, still open to scoring changes (no leader recorded yet)."""
    bloc = await store.get_bloc_year(uow.con, bloc_id, year, lock=True)
    if bloc is None or not bloc.code:
        raise NotFound(f"no bloc {bloc_id} formed for {year}")
    if await store.get_leader(uow.con, bloc_id, year) is not None:
        raise Conflict(
            f"the {year} leader of this bloc is determined: its scoring is closed",
            "leader_determined",
        )
    return bloc


# The bloc head's entries go on the bus (progress.standings.v1, named schemes on
# progress.schemes.v1) so a rebuild from the topics restores them (readmodel.on_standings).


async def set_scheme(
    uow: UnitOfWork,
    bus: events.Bus,
    clock: Clock,
    bloc_id: UUID,
    year: int,
    scheme: ScoringScheme,
) -> store.BlocYear:
    bloc = await open_bloc_year(uow, bloc_id, year)
    scheme, now = events.as_on_the_bus(scheme), clock.now()
    await store.set_bloc_schemes(uow.con, [(bloc_id, year, scheme, now)])
    await store.mark_blocs_dirty(uow.con, [(bloc_id, year)])
    event, eid = events.bloc_scheme_set(bloc_id, year, scheme, now)
    await bus.publish(uow, event, event_id=eid, time=now)
    return bloc


async def set_named_scheme(
    uow: UnitOfWork, bus: events.Bus, clock: Clock, scheme: ScoringScheme
) -> None:
    if any(c.isspace() for c in scheme.ref):
        # blocs name it by a code (BlocFormed.scoring_scheme_ref), and it keys its topic
        raise Rejected([FieldProblem("ref", "not_a_code", "a scheme's ref has no spaces")])
    scheme, now = events.as_on_the_bus(scheme), clock.now()
    await store.set_named_schemes(uow.con, [(scheme, now)])
    await store.mark_blocs_dirty(uow.con, await store.blocs_with_scheme_ref(uow.con, scheme.ref))
    event, eid = events.scheme_defined(scheme, now)
    await bus.publish(uow, event, event_id=eid, time=now)


async def add_adjustment(
    uow: UnitOfWork,
    bus: events.Bus,
    config: ProgressConfig,
    clock: Clock,
    bloc_id: UUID,
    year: int,
    adjustment: Adjustment,
) -> UUID:
    bloc = await open_bloc_year(uow, bloc_id, year)
    # stored as the event carries it, so a rebuild restores the same text and number
    adjustment = replace(
        adjustment, reason=_nfc(adjustment.reason), points=as_decimal(float(adjustment.points))
    )
    problems: list[FieldProblem] = []
    if adjustment.unit_id not in bloc.members:
        problems.append(
            FieldProblem("unit_id", "not_member", f"not a member of the bloc in {year}")
        )
    earlier = await store.adjustments(uow.con, bloc_id, year)
    problems += check_adjustment(bloc.scheme(config.scheme()), adjustment, earlier)
    if problems:
        raise Rejected(problems)
    adjustment_id, now = uuid4(), clock.now()
    await store.add_adjustments(uow.con, [(adjustment_id, bloc_id, year, adjustment, now)])
    await store.mark_blocs_dirty(uow.con, [(bloc_id, year)])
    event, eid = events.score_adjusted(adjustment_id, bloc_id, year, adjustment, now)
    await bus.publish(uow, event, event_id=eid, time=now)
    return adjustment_id


async def record_votes(
    uow: UnitOfWork,
    bus: events.Bus,
    clock: Clock,
    bloc_id: UUID,
    year: int,
    counts: Sequence[tuple[UUID, int]],
) -> dict[UUID, int]:
    """The members' vote (suy tôn) as the bloc head records it; replaces an earlier record."""
    bloc = await open_bloc_year(uow, bloc_id, year)
    problems = []
    seen: set[UUID] = set()
    for i, (unit_id, _) in enumerate(counts):
        if unit_id not in bloc.members:
            problems.append(
                FieldProblem(
                    f"votes[{i}].unit_id", "not_member", f"not a member of the bloc in {year}"
                )
            )
        elif unit_id in seen:
            problems.append(FieldProblem(f"votes[{i}].unit_id", "duplicate", "listed twice"))
        seen.add(unit_id)
    if problems:
        raise Rejected(problems)
    result, now = dict(counts), clock.now()
    await store.replace_votes(uow.con, bloc_id, year, result, now)
    event, eid = events.votes_recorded(bloc_id, year, result, now)
    await bus.publish(uow, event, event_id=eid, time=now)
    return result


async def determine_leader(
    uow: UnitOfWork,
    bus: events.Bus,
    config: ProgressConfig,
    clock: Clock,
    bloc_id: UUID,
    year: int,
) -> LeaderDecision:
    """At the year-end review (from `year_end_review_from`): the leader by score, then by the
    recorded vote. Conflict when it is too early or the vote does not decide."""
    day = today(clock)
    bloc = await store.get_bloc_year(uow.con, bloc_id, year)
    if bloc is None or not bloc.code:
        raise NotFound(f"no bloc {bloc_id} formed for {year}")
    if day < config.review_opens(year):
        raise Conflict(
            f"the {year} year-end review opens on {config.review_opens(year)}", "review_not_open"
        )
    decision, _ = await ranking.determine(uow, bus, config, bloc_id, year, day)
    if not decision.determined:
        raise Conflict(f"the leader is not determined: {decision.reason}", "undetermined")
    return decision


async def reopen_leader(
    uow: UnitOfWork, bus: events.Bus, clock: Clock, bloc_id: UUID, year: int, reason: str
) -> UUID:
    """The province reopens a determined leader, with its reason: the determination no longer
    stands and the year's scoring is open again until the leader is determined anew (by an act:
    the scheduler does not determine a reopened year). Returns the previous leader."""
    bloc = await store.get_bloc_year(uow.con, bloc_id, year, lock=True)
    if bloc is None or not bloc.code:
        raise NotFound(f"no bloc {bloc_id} formed for {year}")
    reason = _nfc(reason).strip()
    if not reason:
        raise Rejected([FieldProblem("reason", "missing", "a reopening states its reason")])
    leader = await store.get_leader(uow.con, bloc_id, year)
    if leader is None:
        raise Conflict(
            f"the {year} leader of this bloc is not determined: nothing to reopen",
            "leader_not_determined",
        )
    previous, now = leader["leader_unit_id"], clock.now()
    await store.reopen_leaders(uow.con, [(bloc_id, year, now, previous, reason)])
    await store.mark_blocs_dirty(uow.con, [(bloc_id, year)])
    round = await store.reopenings(uow.con, bloc_id, year)
    event, eid = events.leader_reopened(bloc_id, year, previous, reason, now, round)
    await bus.publish(uow, event, event_id=eid, time=now)
    return previous


# ---- ratings and initiatives -------------------------------------------------------------------


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
    uow: UnitOfWork, bus: events.Bus, clock: Clock, items: Sequence[RatingInput]
) -> list[RatingEntry]:
    """All or nothing: every problem of every item is listed (fields `ratings[i].…`)."""
    con = uow.con
    people = await store.people_units(con, [i.subject_id for i in items])
    units = await store.unit_names(con, [i.subject_id for i in items])
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
    for entry in await readmodel.apply_ratings(uow, entries):
        event, eid = events.performance_rated(entry)
        await bus.publish(uow, event, event_id=eid, time=entry.entered_at)
    return entries


async def recognise_initiative(
    uow: UnitOfWork,
    bus: events.Bus,
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
    known = await store.people_units(uow.con, author_ids)
    problems += [
        FieldProblem(f"author_ids[{i}]", "unknown_author", "no such person")
        for i, a in enumerate(author_ids)
        if a not in known
    ]
    if problems:
        raise Rejected(problems)
    initiative = Initiative(
        id=uuid4(),
        title=_nfc(str(title)),
        level=level,  # type: ignore[arg-type]
        recognised_on=recognised_on,  # type: ignore[arg-type]
        author_ids=tuple(author_ids),
        unit_id=unit,
        kind=kind,  # type: ignore[arg-type]
        scope=scope or SCOPE_OF_LEVEL[level],  # type: ignore[arg-type,index]
    )
    await store.save_initiatives(uow.con, [initiative])
    event, eid = events.initiative_recognized(initiative)
    await bus.publish(uow, event, event_id=eid)
    return initiative


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text).strip()


def _spaced(now: datetime, n: int) -> datetime:
    """Entries of one request a microsecond apart: their order is the order given."""
    return now + timedelta(microseconds=n)
