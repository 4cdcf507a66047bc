"""Yearly performance ratings (xếp loại) of people and collectives, and recognised initiatives
(sáng kiến), entered by their unit."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from servicekit.audit import PersonalRead, audit_object
from servicekit.auth import Principal, Role
from services.progress import commands, store
from services.progress.api.common import (
    PROBLEMS,
    Officer,
    ReadCon,
    Reader,
    Rt,
    Work,
    acting_unit,
    is_officer_only,
    officer_unit,
    own_unit_only,
)
from services.progress.api.models import (
    InitiativeIn,
    InitiativeOut,
    RatingOut,
    RatingsIn,
    RatingsOut,
)
from services.progress.domain import FieldProblem, Rejected

router = APIRouter(tags=["ratings and initiatives"], responses=PROBLEMS)

Limit = Annotated[int, Query(ge=1, le=5000)]
YearQ = Annotated[int | None, Query(ge=1945, le=2100)]


def _raters(p: Principal, body: RatingsIn) -> list[UUID | None]:
    """The unit entering each rating: an administrator names it; an officer's is their own (a
    different one named is refused)."""
    if p.has_role(Role.PROVINCE_ADMIN):
        return [r.unit_id for r in body.ratings]
    mine = officer_unit(p)
    foreign = [
        FieldProblem(f"ratings[{i}].unit_id", "foreign_unit", "rate for your own unit")
        for i, r in enumerate(body.ratings)
        if r.unit_id not in (None, mine)
    ]
    if foreign:
        raise Rejected(foreign)
    return [mine] * len(body.ratings)


@router.post(
    "/ratings",
    status_code=201,
    response_model=RatingsOut,
    summary="Enter yearly ratings (HTXSNV, HTTNV, HTNV, KHTNV) of the unit's people or itself",
    description="All or nothing: every problem of every item is answered (`#/ratings/<i>/…`). A "
    "later rating of the same subject and year replaces the earlier one (kept in history); "
    "PerformanceRated is published for each new or changed rating. A rating is not the title: "
    "`ldtt_not_conferred` records that a person rated HTXSNV or HTTNV was not conferred Lao động "
    "tiên tiến, and why.",
)
async def post_ratings(body: RatingsIn, uow: Work, p: Officer, rt: Rt) -> RatingsOut:
    items = [
        commands.ratings.RatingInput(
            subject_kind=r.subject_kind,
            subject_id=r.subject_id,
            year=r.year,
            rating=r.rating,
            unit_id=unit,
            ldtt_not_conferred=r.ldtt_not_conferred,
        )
        for r, unit in zip(body.ratings, _raters(p, body), strict=True)
    ]
    entries = await commands.ratings.enter_ratings(uow, rt.clock, items)
    return RatingsOut(
        ratings=[
            RatingOut(
                subject_kind=e.subject_kind,
                subject_id=e.subject_id,
                year=e.year,
                rating=e.rating,
                unit_id=e.unit_id,
                entered_at=e.entered_at,
                ldtt_not_conferred=e.ldtt_not_conferred,
            )
            for e in entries
        ]
    )


@router.get(
    "/ratings",
    response_model=RatingsOut,
    summary="Ratings in force",
    dependencies=[PersonalRead],  # people's performance ratings
)
async def get_ratings(
    con: ReadCon,
    p: Reader,
    unit_id: Annotated[UUID | None, Query(description="The rating unit")] = None,
    year: YearQ = None,
    limit: Limit = 1000,
) -> RatingsOut:
    if is_officer_only(p):
        unit_id = unit_id or officer_unit(p)
        own_unit_only(p, unit_id, "ratings")
    rows = await store.ratings.list_ratings(con, unit_id, year, limit)
    return RatingsOut(
        ratings=[
            RatingOut(
                subject_kind=r["subject_kind"],
                subject_id=r["subject_id"],
                year=r["year"],
                rating=r["rating"],
                unit_id=r["unit_id"],
                entered_at=r["entered_at"],
                ldtt_not_conferred=r["ldtt_not_conferred"],
            )
            for r in rows
        ]
    )


@router.post(
    "/initiatives",
    status_code=201,
    response_model=InitiativeOut,
    summary="Record a recognised initiative (sáng kiến) and publish InitiativeRecognized",
)
async def post_initiative(
    body: InitiativeIn, uow: Work, p: Officer, rt: Rt, request: Request
) -> InitiativeOut:
    i = await commands.ratings.recognise_initiative(
        uow,
        rt.clock,
        title=body.title,
        level=body.level,
        recognised_on=body.recognised_on,
        author_ids=body.author_ids,
        unit_id=body.unit_id,
        entering_unit=acting_unit(p),
        kind=body.kind,
        scope=body.scope,
    )
    audit_object(request, f"initiative:{i.id}")
    return InitiativeOut(
        initiative_id=i.id,
        title=i.title,
        level=i.level,
        recognised_on=i.recognised_on,
        author_ids=list(i.author_ids),
        unit_id=i.unit_id,
        kind=i.kind,
        scope=i.scope,
    )


@router.get("/initiatives", response_model=list[InitiativeOut], summary="Recognised initiatives")
async def get_initiatives(
    con: ReadCon,
    p: Reader,
    unit_id: UUID | None = None,
    year: YearQ = None,
    limit: Limit = 1000,
) -> list[InitiativeOut]:
    if is_officer_only(p):
        unit_id = unit_id or officer_unit(p)
        own_unit_only(p, unit_id, "initiatives")
    rows = await store.initiatives.list_initiatives(con, unit_id, year, limit)
    return [
        InitiativeOut(
            initiative_id=r["initiative_id"],
            title=r["title"],
            level=r["level"],
            recognised_on=r["recognised_on"],
            author_ids=list(r["author_ids"]),
            unit_id=r["unit_id"],
            kind=r["kind"],
            scope=r["scope"],
        )
        for r in rows
    ]
