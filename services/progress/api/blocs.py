"""Blocs (khối, cụm thi đua): standings, and what the bloc head enters — the scoring scheme, bonus
and penalty points, the members' vote — and the year's leader."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Path, Request

from servicekit.audit import audit_object
from servicekit.auth import Principal, Role, forbidden
from servicekit.errors import NotFound
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.progress import commands, store
from services.progress.api.common import (
    PROBLEMS,
    Admin,
    Officer,
    ReadCon,
    Reader,
    Rt,
    Work,
    is_officer_only,
    officer_unit,
)
from services.progress.api.models import (
    AdjustmentIn,
    AdjustmentOut,
    CriterionOut,
    LeaderOut,
    ReopenIn,
    ReopenOut,
    StandingOut,
    StandingsOut,
    VotesIn,
)
from services.progress.config import today
from services.progress.domain import Adjustment, FieldProblem, Rejected, ScoringScheme, as_decimal
from services.progress.runtime import Runtime

router = APIRouter(tags=["blocs"], responses=PROBLEMS)

Year = Annotated[int, Path(ge=1945, le=2100)]


async def _as_bloc_head(
    uow: UnitOfWork, p: Principal, bloc_id: UUID, year: int, rt: Runtime
) -> None:
    """A province administrator, or a unit officer of the bloc's head unit on the act's date:
    today, within the year (a past year's acts are its last head's). A head who left in July
    was head January–June."""
    if p.has_role(Role.PROVINCE_ADMIN):
        return
    bloc = await store.blocs.get_bloc_year(uow.con, bloc_id, year)
    if bloc is None:
        raise NotFound(Msg("no bloc {bloc_id} formed for {year}", bloc_id=bloc_id, year=year))
    day = min(max(today(rt.clock), date(year, 1, 1)), date(year, 12, 31))
    head = await store.blocs.head_on(uow.con, bloc_id, year, day) or bloc.head_unit_id
    if head is None or officer_unit(p) != head:
        raise forbidden(
            Msg(
                "only the bloc's head unit on {day:%d/%m/%Y} (or a province administrator)",
                day=day,
            )
        )


@router.get(
    "/blocs/{bloc_id}/years/{year}/standings",
    response_model=StandingsOut,
    summary="A bloc's ranking for a year, with each unit's points per criterion",
    description="A unit officer sees the standings of the blocs their unit belongs to.",
)
async def get_standings(bloc_id: UUID, year: Year, con: ReadCon, p: Reader, rt: Rt) -> StandingsOut:
    bloc = await store.blocs.get_bloc_year(con, bloc_id, year)
    if bloc is None or not bloc.code:
        raise NotFound(Msg("no bloc {bloc_id} formed for {year}", bloc_id=bloc_id, year=year))
    if is_officer_only(p) and officer_unit(p) not in bloc.members:
        raise forbidden("a unit officer sees the standings of their own unit's blocs only")
    row = await store.standings.get_standings(con, bloc_id, year)
    ranking_rows = store.standings.ranking_json(row["ranking"]) if row else []
    leader = await store.leaders.get_leader(con, bloc_id, year)
    return StandingsOut(
        bloc_id=bloc_id,
        year=year,
        code=bloc.code,
        name=bloc.name,
        version=row["version"] if row else 0,
        computed_on=row["computed_on"] if row else None,
        scheme=bloc.scheme(rt.config.scheme()).model_dump(mode="json"),
        ranking=[_standing(commands.standings.standing_from_json(s), s) for s in ranking_rows],
        merged_results=rt.config.merged_results,
        adjustments=[
            AdjustmentOut(
                adjustment_id=a["adjustment_id"],
                unit_id=a["unit_id"],
                kind=a["kind"],
                points=float(a["points"]),
                reason=a["reason"],
                entered_at=a["entered_at"],
            )
            for a in await store.scoring.adjustment_rows(con, bloc_id, year)
        ],
        votes={str(u): v for u, v in (await store.scoring.votes(con, bloc_id, year)).items()},
        leader=None
        if leader is None
        else LeaderOut(
            leader_unit_id=leader["leader_unit_id"],
            score=float(leader["score"]),
            by_vote=leader["by_vote"],
            reason="determined",
        ),
    )


def _standing(s, stored: dict) -> StandingOut:
    """`stored`: the ranking's row as saved, with the unit's membership (rows saved before it
    was kept have none)."""
    b = s.breakdown
    return StandingOut(
        member_from=stored.get("member_from"),
        member_until=stored.get("member_until"),
        merged_from=stored.get("merged_from", []),
        rank=s.rank,
        unit_id=s.unit_id,
        name=s.name,
        code=s.code,
        score=float(s.score),
        bonus=float(b.bonus),
        penalty=float(b.penalty),
        criteria=[
            CriterionOut(
                name=c.name,
                value=float(c.value),
                weight=float(c.weight),
                max_points=float(c.max_points),
                points=float(c.points),
            )
            for c in b.criteria
        ],
    )


@router.put(
    "/blocs/{bloc_id}/years/{year}/scheme",
    summary="Set the bloc's scoring scheme (thang điểm) for the year",
    description="By the bloc head. Criteria are drawn from completion, early_finish and "
    "timeliness, each with a weight and maximum points; max_bonus and max_penalty cap the bloc "
    "head's points. The standings are recomputed.",
)
async def put_scheme(
    bloc_id: UUID, year: Year, body: ScoringScheme, uow: Work, p: Officer, rt: Rt
) -> dict:
    await _as_bloc_head(uow, p, bloc_id, year, rt)
    await commands.blocs.set_scheme(uow, rt.clock, bloc_id, year, body)
    return body.model_dump(mode="json")


@router.put(
    "/scoring-schemes/{ref}",
    summary="Define a named scoring scheme blocs refer to (BlocFormed.scoring_scheme_ref)",
)
async def put_named_scheme(
    ref: Annotated[str, Path(min_length=1, max_length=64)],
    body: ScoringScheme,
    uow: Work,
    _: Admin,
    rt: Rt,
) -> dict:
    if body.ref != ref:
        raise Rejected([FieldProblem("ref", "mismatch", "the body's ref must be the path's")])
    await commands.blocs.set_named_scheme(uow, rt.clock, body)
    return body.model_dump(mode="json")


@router.post(
    "/blocs/{bloc_id}/years/{year}/adjustments",
    status_code=201,
    response_model=AdjustmentOut,
    summary="Give a member bonus (điểm thưởng) or penalty (điểm trừ) points",
)
async def post_adjustment(
    bloc_id: UUID,
    year: Year,
    body: AdjustmentIn,
    uow: Work,
    p: Officer,
    rt: Rt,
    request: Request,
) -> AdjustmentOut:
    await _as_bloc_head(uow, p, bloc_id, year, rt)
    adjustment = Adjustment(body.unit_id, body.kind, as_decimal(body.points), body.reason)  # type: ignore[arg-type]
    adjustment_id = await commands.blocs.add_adjustment(
        uow, rt.config, rt.clock, bloc_id, year, adjustment
    )
    audit_object(request, f"adjustment:{adjustment_id}")
    return AdjustmentOut(
        adjustment_id=adjustment_id,
        unit_id=body.unit_id,
        kind=body.kind,
        points=body.points,
        reason=body.reason.strip(),
        entered_at=rt.clock.now(),
    )


@router.put(
    "/blocs/{bloc_id}/years/{year}/votes",
    summary="Record the members' vote (suy tôn) at the year-end review",
    description="By the bloc head; replaces an earlier record. The vote decides the leader "
    "among units tied on score.",
)
async def put_votes(
    bloc_id: UUID, year: Year, body: VotesIn, uow: Work, p: Officer, rt: Rt
) -> dict[str, int]:
    await _as_bloc_head(uow, p, bloc_id, year, rt)
    counts = await commands.blocs.record_votes(
        uow, rt.clock, bloc_id, year, [(v.unit_id, v.votes) for v in body.votes]
    )
    return {str(u): v for u, v in counts.items()}


@router.post(
    "/blocs/{bloc_id}/years/{year}/leader",
    response_model=LeaderOut,
    summary="Determine the year's leading unit (score, then vote) and publish it",
    description="An act of the bloc head (or a province admin), from the year-end review on; "
    "reports arriving never determine it (the scheduler does, for a year assessed live, once "
    "its assessment closes). 409 when the score ties and no recorded vote decides. Once "
    "determined, the leader stands and the bloc's scoring for the year closes until the province "
    "reopens it.",
)
async def post_leader(bloc_id: UUID, year: Year, uow: Work, p: Officer, rt: Rt) -> LeaderOut:
    await _as_bloc_head(uow, p, bloc_id, year, rt)
    d = await commands.blocs.determine_leader(uow, rt.config, rt.clock, bloc_id, year)
    return LeaderOut(
        leader_unit_id=d.leader_unit_id,
        score=float(d.score) if d.score is not None else None,
        by_vote=d.by_vote,
        reason=d.reason,
    )


@router.post(
    "/blocs/{bloc_id}/years/{year}/leader/reopen",
    response_model=ReopenOut,
    summary="Reopen a determined leader (province admin), with the reason",
    description="The determination no longer stands (BlocLeaderReopened is published), the "
    "bloc's scoring for the year opens again, and the leader is determined anew by an explicit "
    "act. 409 `leader_not_determined` when there is none.",
)
async def reopen_leader(
    bloc_id: UUID,
    year: Year,
    body: ReopenIn,
    uow: Work,
    _: Admin,
    rt: Rt,
    request: Request,
) -> ReopenOut:
    previous = await commands.blocs.reopen_leader(uow, rt.clock, bloc_id, year, body.reason)
    audit_object(request, f"bloc:{bloc_id}:{year}")
    return ReopenOut(
        bloc_id=bloc_id,
        year=year,
        previous_leader_unit_id=previous,
        reason=body.reason.strip(),
        reopened_at=rt.clock.now(),
    )
