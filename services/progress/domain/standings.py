"""A bloc's ranking, its changes, and its leader for the year.

Ranking is standard competition ranking (1, 2, 2, 4): a unit's rank is one more than the number of
units with a strictly higher score. Within a tie the order is by Vietnamese name, then code, then
id: deterministic, so a recomputation with the same inputs publishes nothing new.

The leader: the unit ranked first alone; when several share first place, the members' vote (suy
tôn) recorded by the bloc head decides among them; if the vote ties too, or there was none, the
leader is undetermined and the reason says why (the bloc head must record a deciding vote).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from uuid import UUID

from servicekit.messages import Msg
from servicekit.vietnamese import sort_key
from services.progress.domain.scoring import (
    Adjustment,
    ScoreBreakdown,
    ScoringScheme,
    UnitStats,
    score_unit,
)


@dataclass(frozen=True, slots=True)
class Standing:
    rank: int
    unit_id: UUID
    name: str
    code: str
    score: Decimal
    breakdown: ScoreBreakdown


def standings(
    scheme: ScoringScheme, stats: Iterable[UnitStats], adjustments: Iterable[Adjustment] = ()
) -> list[Standing]:
    """Best first."""
    units = list(stats)
    if len({u.unit_id for u in units}) != len(units):
        raise ValueError("a unit is listed twice")
    by_unit: dict[UUID, list[Adjustment]] = {}
    for a in adjustments:
        by_unit.setdefault(a.unit_id, []).append(a)
    scored = [(u, score_unit(scheme, u, by_unit.get(u.unit_id, ()))) for u in units]
    scored.sort(key=lambda p: (-p[1].total, sort_key(p[0].name), p[0].code, str(p[0].unit_id)))
    ranking: list[Standing] = []
    for i, (unit, breakdown) in enumerate(scored):
        rank = ranking[-1].rank if ranking and ranking[-1].score == breakdown.total else i + 1
        ranking.append(
            Standing(rank, unit.unit_id, unit.name, unit.code, breakdown.total, breakdown)
        )
    return ranking


@dataclass(frozen=True, slots=True)
class RankChange:
    unit_id: UUID
    old_rank: int | None
    """None: the unit joined the ranking."""
    new_rank: int | None
    """None: the unit left it."""
    old_score: Decimal | None
    new_score: Decimal | None


def ranking_changes(old: Sequence[Standing], new: Sequence[Standing]) -> list[RankChange]:
    """The units whose rank changed, or that joined or left, in the new ranking's order (leavers
    last). A score change that keeps every rank is not a ranking change. Publish StandingsChanged
    when this is not empty."""
    before = {s.unit_id: s for s in old}
    after = {s.unit_id: s for s in new}
    changes = []
    for s in new:
        was = before.get(s.unit_id)
        if was is None or was.rank != s.rank:
            changes.append(
                RankChange(
                    s.unit_id,
                    was.rank if was else None,
                    s.rank,
                    was.score if was else None,
                    s.score,
                )
            )
    for s in old:
        if s.unit_id not in after:
            changes.append(RankChange(s.unit_id, s.rank, None, s.score, None))
    return changes


@dataclass(frozen=True, slots=True)
class LeaderDecision:
    leader_unit_id: UUID | None
    score: Decimal | None
    by_vote: bool
    """True when the vote broke a tie on score (BlocLeaderDetermined.by_vote)."""
    tied: tuple[UUID, ...]
    """The units sharing first place on score (one when the score alone decided)."""
    reason: str

    @property
    def determined(self) -> bool:
        return self.leader_unit_id is not None


def determine_leader(
    ranking: Sequence[Standing], votes: Mapping[UUID, int] | None = None
) -> LeaderDecision:
    """`votes`: the members' votes (suy tôn) per unit as recorded by the bloc head; votes for
    units outside the first-place tie are not counted."""
    votes = votes or {}
    if any(v < 0 for v in votes.values()):
        raise ValueError("a vote count cannot be negative")
    if not ranking:
        return LeaderDecision(None, None, False, (), Msg("no unit was scored"))
    top = [s for s in ranking if s.rank == 1]
    tied = tuple(s.unit_id for s in top)
    if len(top) == 1:
        return LeaderDecision(top[0].unit_id, top[0].score, False, tied, Msg("highest score"))
    counted = {s.unit_id: votes.get(s.unit_id, 0) for s in top}
    most = max(counted.values())
    if most == 0:
        reason = Msg("{count} units tied on score and no vote recorded", count=len(top))
        return LeaderDecision(None, top[0].score, False, tied, reason)
    winners = [s for s in top if counted[s.unit_id] == most]
    if len(winners) > 1:
        reason = Msg("{count} units tied on score and on votes", count=len(winners))
        return LeaderDecision(None, top[0].score, False, tied, reason)
    return LeaderDecision(
        winners[0].unit_id, winners[0].score, True, tied, Msg("tie on score broken by vote")
    )
