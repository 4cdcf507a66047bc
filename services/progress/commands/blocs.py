"""A bloc's scoring as the bloc head (or the province) enters it: the scheme, bonus and penalty
points, the members' vote, the year's leader and its reopening. Each loads what the rule needs,
asks the domain, stores and publishes in the caller's unit of work; the standings follow
asynchronously (`standings_dirty`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from uuid import UUID, uuid4

from servicekit.errors import Conflict, NotFound
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from servicekit.vietnamese import nfc
from services.progress import commands, events, store
from services.progress.config import Clock, ProgressConfig, today
from services.progress.domain import (
    Adjustment,
    FieldProblem,
    LeaderDecision,
    Rejected,
    ScoringScheme,
    as_decimal,
    check_adjustment,
)


async def open_bloc_year(uow: UnitOfWork, bloc_id: UUID, year: int) -> store.blocs.BlocYear:
    """The bloc's year, locked, still open to scoring changes (no leader recorded yet)."""
    bloc = await store.blocs.get_bloc_year(uow.con, bloc_id, year, lock=True)
    if bloc is None or not bloc.code:
        raise NotFound(Msg("no bloc {bloc_id} formed for {year}", bloc_id=bloc_id, year=year))
    if await store.leaders.get_leader(uow.con, bloc_id, year) is not None:
        raise Conflict(
            Msg("the {year} leader of this bloc is determined: its scoring is closed", year=year),
            code="leader_determined",
        )
    return bloc


# The bloc head's entries go on the bus (progress.standings.v1, named schemes on
# progress.schemes.v1) so a rebuild from the topics restores them (consumers.readback.on_standings).


async def set_scheme(
    uow: UnitOfWork,
    clock: Clock,
    bloc_id: UUID,
    year: int,
    scheme: ScoringScheme,
) -> store.blocs.BlocYear:
    bloc = await open_bloc_year(uow, bloc_id, year)
    scheme, now = events.as_on_the_bus(scheme), clock.now()
    await store.scoring.set_bloc_schemes(uow.con, [(bloc_id, year, scheme, now)])
    await store.standings.mark_blocs_dirty(uow.con, [(bloc_id, year)])
    event, eid = events.bloc_scheme_set(bloc_id, year, scheme, now)
    await uow.publish(event, event_id=eid, time=now)
    return bloc


async def set_named_scheme(uow: UnitOfWork, clock: Clock, scheme: ScoringScheme) -> None:
    if any(c.isspace() for c in scheme.ref):
        # blocs name it by a code (BlocFormed.scoring_scheme_ref), and it keys its topic
        raise Rejected([FieldProblem("ref", "not_a_code", "a scheme's ref has no spaces")])
    scheme, now = events.as_on_the_bus(scheme), clock.now()
    await store.scoring.set_named_schemes(uow.con, [(scheme, now)])
    await store.standings.mark_blocs_dirty(
        uow.con, await store.scoring.blocs_with_scheme_ref(uow.con, scheme.ref)
    )
    event, eid = events.scheme_defined(scheme, now)
    await uow.publish(event, event_id=eid, time=now)


async def add_adjustment(
    uow: UnitOfWork,
    config: ProgressConfig,
    clock: Clock,
    bloc_id: UUID,
    year: int,
    adjustment: Adjustment,
) -> UUID:
    bloc = await open_bloc_year(uow, bloc_id, year)
    # stored as the event carries it, so a rebuild restores the same text and number
    adjustment = replace(
        adjustment, reason=nfc(adjustment.reason), points=as_decimal(float(adjustment.points))
    )
    problems: list[FieldProblem] = []
    if adjustment.unit_id not in bloc.members:
        problems.append(
            FieldProblem(
                "unit_id", "not_member", Msg("not a member of the bloc in {year}", year=year)
            )
        )
    earlier = await store.scoring.adjustments(uow.con, bloc_id, year)
    problems += check_adjustment(bloc.scheme(config.scheme()), adjustment, earlier)
    if problems:
        raise Rejected(problems)
    adjustment_id, now = uuid4(), clock.now()
    await store.scoring.add_adjustments(uow.con, [(adjustment_id, bloc_id, year, adjustment, now)])
    await store.standings.mark_blocs_dirty(uow.con, [(bloc_id, year)])
    event, eid = events.score_adjusted(adjustment_id, bloc_id, year, adjustment, now)
    await uow.publish(event, event_id=eid, time=now)
    return adjustment_id


async def record_votes(
    uow: UnitOfWork,
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
                    f"votes[{i}].unit_id",
                    "not_member",
                    Msg("not a member of the bloc in {year}", year=year),
                )
            )
        elif unit_id in seen:
            problems.append(FieldProblem(f"votes[{i}].unit_id", "duplicate", "listed twice"))
        seen.add(unit_id)
    if problems:
        raise Rejected(problems)
    result, now = dict(counts), clock.now()
    await store.scoring.replace_votes(uow.con, bloc_id, year, result, now)
    event, eid = events.votes_recorded(bloc_id, year, result, now)
    await uow.publish(event, event_id=eid, time=now)
    return result


async def determine_leader(
    uow: UnitOfWork,
    config: ProgressConfig,
    clock: Clock,
    bloc_id: UUID,
    year: int,
) -> LeaderDecision:
    """At the year-end review (from `year_end_review_from`): the leader by score, then by the
    recorded vote. Conflict when it is too early or the vote does not decide."""
    day = today(clock)
    bloc = await store.blocs.get_bloc_year(uow.con, bloc_id, year)
    if bloc is None or not bloc.code:
        raise NotFound(Msg("no bloc {bloc_id} formed for {year}", bloc_id=bloc_id, year=year))
    if day < config.review_opens(year):
        raise Conflict(
            Msg(
                "the {year} year-end review opens on {value}",
                year=year,
                value=config.review_opens(year),
            ),
            code="review_not_open",
        )
    decision, _ = await commands.standings.determine(uow, config, bloc_id, year, day)
    if not decision.determined:
        raise Conflict(
            Msg("the leader is not determined: {reason}", reason=decision.reason),
            code="undetermined",
        )
    return decision


async def reopen_leader(
    uow: UnitOfWork, clock: Clock, bloc_id: UUID, year: int, reason: str
) -> UUID:
    """The province reopens a determined leader, with its reason: the determination no longer
    stands and the year's scoring is open again until the leader is determined anew (by an act:
    the scheduler does not determine a reopened year). Returns the previous leader."""
    bloc = await store.blocs.get_bloc_year(uow.con, bloc_id, year, lock=True)
    if bloc is None or not bloc.code:
        raise NotFound(Msg("no bloc {bloc_id} formed for {year}", bloc_id=bloc_id, year=year))
    reason = nfc(reason).strip()
    if not reason:
        raise Rejected([FieldProblem("reason", "missing", "a reopening states its reason")])
    leader = await store.leaders.get_leader(uow.con, bloc_id, year)
    if leader is None:
        raise Conflict(
            Msg("the {year} leader of this bloc is not determined: nothing to reopen", year=year),
            code="leader_not_determined",
        )
    previous, now = leader["leader_unit_id"], clock.now()
    await store.leaders.reopen_leaders(uow.con, [(bloc_id, year, now, previous, reason)])
    await store.standings.mark_blocs_dirty(uow.con, [(bloc_id, year)])
    round = await store.leaders.reopenings(uow.con, bloc_id, year)
    event, eid = events.leader_reopened(bloc_id, year, previous, reason, now, round)
    await uow.publish(event, event_id=eid, time=now)
    return previous
