"""Bloc standings and leaders: gather a bloc's inputs, let the domain score and rank, store and
publish.

What a bloc's year ranking counts: the targets of its members for that year (deadline within the
year), whatever campaign they belong to; the scheme the bloc uses that year (`BlocYear.scheme`);
the bloc head's bonus and penalty points. "Today" matters for timeliness (a deadline passed
without a report counts as late), so the scheduler marks every bloc of the year for recomputing
when the day changes.

Recomputing is asynchronous: whatever changes an input marks the bloc and year in
`standings_dirty` in its own transaction; `recompute_dirty` (the standings worker, every
`standings_interval_seconds`) claims the marks, recomputes each bloc once and publishes
StandingsChanged when a rank changed (`ranking_changes`), numbering the changes of each bloc and
year (`standings.version`, part of the event id).
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

import asyncpg

from servicekit.unit_of_work import UnitOfWork
from services.progress import events, store
from services.progress.config import Clock, ProgressConfig, today
from services.progress.domain import (
    LeaderDecision,
    ScoringScheme,
    Standing,
    TargetState,
    determine_leader,
    ranking_changes,
    standings,
    unit_stats,
)
from services.progress.domain.scoring import CriterionScore, ScoreBreakdown

log = logging.getLogger("services.progress.ranking")

BLOCS_PER_ROUND = 500


async def compute(
    con: asyncpg.Connection, bloc: store.BlocYear, default: ScoringScheme, day: date
) -> tuple[ScoringScheme, list[Standing]]:
    scheme = bloc.scheme(default)
    if not bloc.members:
        return scheme, []
    by_unit: dict[UUID, list[TargetState]] = defaultdict(list)
    for state in await store.states_of_units(con, bloc.members, bloc.year):
        by_unit[state.target.unit_id].append(state)
    names = await store.unit_names(con, bloc.members)
    stats = []
    for unit in bloc.members:
        name, code = names.get(unit, (str(unit), ""))
        stats.append(unit_stats(unit, name, by_unit.get(unit, []), day, code))
    adjustments = await store.adjustments(con, bloc.bloc_id, bloc.year)
    return scheme, standings(scheme, stats, adjustments)


async def recompute(
    uow: UnitOfWork, bus: events.Bus, config: ProgressConfig, bloc_id: UUID, year: int, day: date
) -> bool:
    """Recompute one bloc's ranking for a year, store it, publish it if a rank changed."""
    con = uow.con
    row = await store.lock_standings(con, bloc_id, year)
    bloc = await store.get_bloc_year(con, bloc_id, year)
    new: list[Standing] = []
    if bloc is not None and bloc.code:
        _, new = await compute(con, bloc, config.scheme(), day)
    old = [standing_from_json(x) for x in store.ranking_json(row["ranking"])]
    changed = bool(ranking_changes(old, new))
    version = row["version"] + 1 if changed else row["version"]
    await store.save_standings(con, bloc_id, year, version, [to_json(s) for s in new], day)
    if changed:
        event, eid = events.standings_changed(bloc_id, year, version, new)
        await bus.publish(uow, event, event_id=eid)
    return changed


async def recompute_dirty(
    pool: asyncpg.Pool,
    bus: events.Bus,
    config: ProgressConfig,
    clock: Clock,
    *,
    limit: int = BLOCS_PER_ROUND,
) -> int:
    """Recompute the blocs marked since the last call, up to `limit` of them (one transaction).
    Returns how many: `limit` means more may be waiting."""
    day = today(clock)
    async with UnitOfWork(pool, source=events.SOURCE) as uow:
        pairs = await store.take_dirty(uow.con, limit)
        for bloc_id, year in pairs:
            await recompute(uow, bus, config, bloc_id, year, day)
    return len(pairs)


async def determine(
    uow: UnitOfWork, bus: events.Bus, config: ProgressConfig, bloc_id: UUID, year: int, day: date
) -> tuple[LeaderDecision, bool]:
    """Determine the bloc's leader for the year from a fresh ranking and the recorded vote.
    Returns the decision and whether it was recorded (and BlocLeaderDetermined published) now.
    A leader already recorded stands: the decision then restates it."""
    con = uow.con
    bloc = await store.get_bloc_year(con, bloc_id, year, lock=True)
    if bloc is None:
        raise LookupError(f"no bloc {bloc_id} in {year}")
    recorded = await store.get_leader(con, bloc_id, year)
    if recorded is not None:
        return LeaderDecision(
            recorded["leader_unit_id"],
            recorded["score"],
            recorded["by_vote"],
            (),
            "already determined",
        ), False
    _, ranking = await compute(con, bloc, config.scheme(), day)
    decision = determine_leader(ranking, await store.votes(con, bloc_id, year))
    if not decision.determined:
        return decision, False
    assert decision.leader_unit_id is not None and decision.score is not None
    saved = await store.save_leaders(
        con, [(bloc_id, year, decision.leader_unit_id, decision.score, decision.by_vote)]
    )
    if saved:
        event, eid = events.leader_determined(
            bloc_id,
            year,
            decision.leader_unit_id,
            float(decision.score),
            decision.by_vote,
            await store.reopenings(con, bloc_id, year),
        )
        await bus.publish(uow, event, event_id=eid)
    return decision, bool(saved)


# ---- a ranking as stored (standings.ranking) -------------------------------------------------


def to_json(s: Standing) -> dict[str, Any]:
    b = s.breakdown
    return {
        "rank": s.rank,
        "unit_id": str(s.unit_id),
        "name": s.name,
        "code": s.code,
        "score": str(s.score),
        "bonus": str(b.bonus),
        "penalty": str(b.penalty),
        "criteria": [
            {
                "name": c.name,
                "value": str(c.value),
                "weight": str(c.weight),
                "max_points": str(c.max_points),
                "points": str(c.points),
            }
            for c in b.criteria
        ],
    }


def standing_from_json(d: dict[str, Any]) -> Standing:
    unit_id = UUID(d["unit_id"])
    score = Decimal(d["score"])
    breakdown = ScoreBreakdown(
        unit_id=unit_id,
        criteria=tuple(
            CriterionScore(
                c["name"],
                Decimal(c["value"]),
                Decimal(c["weight"]),
                Decimal(c["max_points"]),
                Decimal(c["points"]),
            )
            for c in d.get("criteria", ())
        ),
        bonus=Decimal(d.get("bonus", "0")),
        penalty=Decimal(d.get("penalty", "0")),
        total=score,
    )
    return Standing(d["rank"], unit_id, d["name"], d["code"], score, breakdown)
