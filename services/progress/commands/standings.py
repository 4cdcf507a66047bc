"""Bloc standings and leaders: gather a bloc's inputs (its members' targets due in the year, its
scheme, the bloc head's points), let the domain score and rank, store, and publish
StandingsChanged when a rank changed (numbered per bloc and year: `standings.version`, part of
the event id). Run by the standings worker on the blocs marked in `standings_dirty`; see the
service README, "Standings are asynchronous"."""

from __future__ import annotations

import logging
from collections import defaultdict
from dataclasses import replace
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
    Membership,
    MergedResults,
    ScoringScheme,
    Standing,
    TargetState,
    UnitStats,
    determine_leader,
    plan_rows,
    ranking_changes,
    standings,
    unit_stats,
)
from services.progress.domain.members import Part, Row
from services.progress.domain.scoring import CriterionScore, ScoreBreakdown

log = logging.getLogger("services.progress.standings")

BLOCS_PER_ROUND = 500


async def compute(
    con: asyncpg.Connection,
    bloc: store.blocs.BlocYear,
    default: ScoringScheme,
    day: date,
    merged_results: MergedResults = "carry_over",
) -> tuple[ScoringScheme, list[Standing], dict[UUID, dict[str, Any]]]:
    """The bloc's ranking for its year: every unit for the period it was a member, with its
    targets due in that period; merged units carried to their successor or not
    (`domain.members`). Returns too, per row, its membership and the merged units it counts
    (stored with the ranking, shown by the standings)."""
    scheme = bloc.scheme(default)
    dated = await store.blocs.memberships(con, bloc.bloc_id, bloc.year)
    if not dated:  # known by its members only: the whole year
        dated = [Membership(u, date(bloc.year, 1, 1)) for u in bloc.members]
    units = sorted({m.unit_id for m in dated})
    ends = await store.units.unit_ends(con, units)
    successor_of = {
        u: end.successors[0][0]
        for u, (end, _) in ends.items()
        if end.kind == "merged" and len(end.successors) == 1
    }
    closed_on = {u: end.closed_on for u, (end, _) in ends.items()}
    plan = plan_rows(dated, successor_of, merged_results, closed_on)
    if not plan.rows:
        return scheme, [], {}
    by_unit: dict[UUID, list[TargetState]] = defaultdict(list)
    for state in await store.targets.states_of_units(con, units, bloc.year):
        by_unit[state.target.unit_id].append(state)
    names = await store.units.unit_names(con, units)

    def of(part: Part) -> UnitStats:
        name, code = names.get(part.unit_id, (str(part.unit_id), ""))
        counted = [s for s in by_unit.get(part.unit_id, ()) if part.counts(s.target.deadline)]
        return unit_stats(part.unit_id, name, counted, day, code)

    stats, extras = [], {}
    for row in plan.rows:
        own = of(row.own)
        counted = [s for part in row.parts for s in by_unit.get(part.unit_id, ())
                   if part.counts(s.target.deadline)]  # fmt: skip
        stats.append(unit_stats(row.unit_id, own.name, counted, day, own.code))
        extras[row.unit_id] = membership_json(row, [of(part) for part in row.merged])
    adjustments = [
        replace(a, unit_id=plan.row_of.get(a.unit_id, a.unit_id))
        for a in await store.scoring.adjustments(con, bloc.bloc_id, bloc.year)
    ]
    return scheme, standings(scheme, stats, adjustments), extras


def membership_json(row: Row, merged: list[UnitStats]) -> dict[str, Any]:
    """A row's membership, and the merged units it counts with their own results (their
    reports' completion, early finish and timeliness over their membership)."""

    def period(part: Part) -> dict[str, Any]:
        until = part.member_until
        return {
            "member_from": part.member_from.isoformat(),
            "member_until": until.isoformat() if until else None,
        }

    return {
        **period(row.own),
        "merged_from": [
            {
                "unit_id": str(part.unit_id),
                "name": x.name,
                "code": x.code,
                **period(part),
                "completion": str(x.completion),
                "early_finish": str(x.early_finish),
                "timeliness": str(x.timeliness),
            }
            for part, x in zip(row.merged, merged, strict=True)
        ],
    }


async def recompute(
    uow: UnitOfWork, config: ProgressConfig, bloc_id: UUID, year: int, day: date
) -> bool:
    """Recompute one bloc's ranking for a year, store it, publish it if a rank changed."""
    con = uow.con
    row = await store.standings.lock_standings(con, bloc_id, year)
    bloc = await store.blocs.get_bloc_year(con, bloc_id, year)
    new: list[Standing] = []
    extras: dict[UUID, dict[str, Any]] = {}
    if bloc is not None and bloc.code:
        _, new, extras = await compute(con, bloc, config.scheme(), day, config.merged_results)
    old = [standing_from_json(x) for x in store.standings.ranking_json(row["ranking"])]
    changed = bool(ranking_changes(old, new))
    version = row["version"] + 1 if changed else row["version"]
    rows = [to_json(s) | extras.get(s.unit_id, {}) for s in new]
    await store.standings.save_standings(con, bloc_id, year, version, rows, day)
    if changed:
        event, eid = events.standings_changed(bloc_id, year, version, new)
        await uow.publish(event, event_id=eid)
    return changed


async def recompute_dirty(
    pool: asyncpg.Pool,
    config: ProgressConfig,
    clock: Clock,
    *,
    limit: int = BLOCS_PER_ROUND,
) -> int:
    """Recompute the blocs marked since the last call, up to `limit` of them (one transaction).
    Returns how many: `limit` means more may be waiting."""
    day = today(clock)
    async with UnitOfWork(pool, source=events.SOURCE, topic_map=config.topic_map) as uow:
        pairs = await store.standings.take_dirty(uow.con, limit)
        for bloc_id, year in pairs:
            await recompute(uow, config, bloc_id, year, day)
    return len(pairs)


async def determine(
    uow: UnitOfWork, config: ProgressConfig, bloc_id: UUID, year: int, day: date
) -> tuple[LeaderDecision, bool]:
    """Determine the bloc's leader for the year from a fresh ranking and the recorded vote.
    Returns the decision and whether it was recorded (and BlocLeaderDetermined published) now.
    A leader already recorded stands: the decision then restates it."""
    con = uow.con
    bloc = await store.blocs.get_bloc_year(con, bloc_id, year, lock=True)
    if bloc is None:
        raise LookupError(f"no bloc {bloc_id} in {year}")
    recorded = await store.leaders.get_leader(con, bloc_id, year)
    if recorded is not None:
        return LeaderDecision(
            recorded["leader_unit_id"],
            recorded["score"],
            recorded["by_vote"],
            (),
            "already determined",
        ), False
    _, ranking, _ = await compute(con, bloc, config.scheme(), day, config.merged_results)
    decision = determine_leader(ranking, await store.scoring.votes(con, bloc_id, year))
    if not decision.determined:
        return decision, False
    assert decision.leader_unit_id is not None and decision.score is not None
    saved = await store.leaders.save_leaders(
        con, [(bloc_id, year, decision.leader_unit_id, decision.score, decision.by_vote)]
    )
    if saved:
        event, eid = events.leader_determined(
            bloc_id,
            year,
            decision.leader_unit_id,
            float(decision.score),
            decision.by_vote,
            await store.leaders.reopenings(con, bloc_id, year),
        )
        await uow.publish(event, event_id=eid)
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
