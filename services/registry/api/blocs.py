"""Emulation blocs and clusters: formed per year with members, head and deputy."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request, Response

from servicekit.audit import audit_object
from servicekit.auth import forbidden
from servicekit.errors import NotFound
from servicekit.messages import Msg
from services.registry import commands, store
from services.registry.api.common import (
    PROBLEMS,
    Admin,
    Cursor,
    Limit,
    Page,
    ReadCon,
    Reader,
    Today,
    Uow,
    is_officer_only,
)
from services.registry.api.models import (
    BlocDetail,
    BlocIn,
    BlocOut,
    BlocYearIn,
    HeadIn,
    MembershipChangeIn,
    MembershipOut,
)
from services.registry.domain import blocs as b

router = APIRouter(prefix="/blocs", tags=["blocs"], responses=PROBLEMS)


def bloc_out(bloc: b.Bloc, by: b.BlocYear) -> BlocOut:
    return BlocOut(
        bloc_id=bloc.bloc_id,
        code=bloc.code,
        name=bloc.name,
        kind=bloc.kind,
        year=by.year,
        formed_on=by.formed_on,
        head_unit_id=by.head_unit_id,
        deputy_unit_id=by.deputy_unit_id,
        scoring_scheme_ref=by.scoring_scheme_ref,
        member_unit_ids=by.current_members(),
    )


def _no_officers(p) -> None:
    if is_officer_only(p):
        raise forbidden("a unit officer reads only their own unit and its targets")


@router.post(
    "",
    status_code=201,
    response_model=BlocOut,
    summary="Create a bloc or cluster and form it for a year",
)
async def create_bloc(
    body: BlocIn, uow: Uow, _: Admin, request: Request, response: Response
) -> BlocOut:
    bloc = b.Bloc(uuid4(), body.code, body.name, body.kind)
    by = await commands.blocs.form_bloc(
        uow,
        bloc,
        body.year,
        body.member_unit_ids,
        formed_on=body.formed_on,
        scoring_scheme_ref=body.scoring_scheme_ref,
        head_unit_id=body.head_unit_id,
        deputy_unit_id=body.deputy_unit_id,
        new=True,
    )
    audit_object(request, f"bloc:{bloc.bloc_id}")
    response.headers["Location"] = f"/blocs/{bloc.bloc_id}?year={by.year}"
    return bloc_out(bloc, by)


@router.get("", response_model=Page[BlocOut], summary="Blocs formed for a year")
async def list_blocs(
    con: ReadCon,
    p: Reader,
    today: Today,
    year: Annotated[int | None, Query(ge=1945, le=2100, description="Default: this year")] = None,
    kind: Annotated[str | None, Query(pattern="^(bloc|cluster)$")] = None,
    unit_id: Annotated[
        UUID | None,
        Query(description="Blocs this unit belongs to (required of a unit officer: their own)"),
    ] = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str, Query(pattern=r"^-?(name|code)$")] = "name",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[BlocOut]:
    if is_officer_only(p) and (unit_id is None or str(unit_id) != p.unit_id):
        # their own unit's blocs only: its bloc head finds the bloc it leads this way
        raise forbidden("a unit officer lists only the blocs their own unit belongs to")
    result = await store.blocs.list_blocs(
        con,
        year=year or today.year,
        kind=kind,
        unit_id=unit_id,
        search=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    items = [
        BlocOut(
            bloc_id=r["bloc_id"],
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            year=r["year"],
            formed_on=r["formed_on"],
            head_unit_id=r["head_unit_id"],
            deputy_unit_id=r["deputy_unit_id"],
            scoring_scheme_ref=r["scoring_scheme_ref"],
            member_unit_ids=list(r["member_unit_ids"]),
        )
        for r in result.items
    ]
    return Page[BlocOut](items=items, next_cursor=result.next_cursor)


@router.get("/{bloc_id}", response_model=BlocDetail, summary="A bloc in a year")
async def get_bloc(
    bloc_id: UUID,
    con: ReadCon,
    p: Reader,
    today: Today,
    year: Annotated[
        int | None, Query(ge=1945, le=2100, description="Default: the latest year formed")
    ] = None,
) -> BlocDetail:
    _no_officers(p)
    bloc = await store.blocs.get_bloc(con, bloc_id)
    if bloc is None:
        raise NotFound(Msg("no bloc {bloc_id}", bloc_id=bloc_id))
    years = await store.blocs.bloc_years(con, bloc_id)
    if not years:
        raise NotFound(Msg("bloc {code} was never formed", code=bloc.code))
    chosen = year or max(years)
    by = years.get(chosen)
    if by is None:
        raise NotFound(
            Msg("bloc {code} is not formed for {chosen}", code=bloc.code, chosen=chosen),
            code="not_formed",
        )
    return BlocDetail(
        **bloc_out(bloc, by).model_dump(),
        memberships=[
            MembershipOut(unit_id=m.unit_id, joined_on=m.joined_on, left_on=m.left_on)
            for m in by.memberships
        ],
        years=sorted(years),
    )


@router.post(
    "/{bloc_id}/years",
    status_code=201,
    response_model=BlocOut,
    summary="Form an existing bloc for another year",
)
async def form_year(bloc_id: UUID, body: BlocYearIn, uow: Uow, _: Admin) -> BlocOut:
    bloc = await store.blocs.get_bloc(uow.con, bloc_id)
    if bloc is None:
        raise NotFound(Msg("no bloc {bloc_id}", bloc_id=bloc_id))
    by = await commands.blocs.form_bloc(
        uow,
        bloc,
        body.year,
        body.member_unit_ids,
        formed_on=body.formed_on,
        scoring_scheme_ref=body.scoring_scheme_ref,
        head_unit_id=body.head_unit_id,
        deputy_unit_id=body.deputy_unit_id,
        new=False,
    )
    return bloc_out(bloc, by)


@router.post(
    "/{bloc_id}/years/{year}/members",
    response_model=BlocOut,
    summary="Units join or leave the bloc during the year",
)
async def change_members(
    bloc_id: UUID, year: int, body: MembershipChangeIn, uow: Uow, _: Admin
) -> BlocOut:
    by = await commands.blocs.change_bloc_members(
        uow,
        bloc_id,
        year,
        add=body.add_unit_ids,
        remove=body.remove_unit_ids,
        effective_on=body.effective_on,
    )
    bloc = await store.blocs.get_bloc(uow.con, bloc_id)
    assert bloc is not None
    return bloc_out(bloc, by)


@router.post(
    "/{bloc_id}/years/{year}/head",
    response_model=BlocOut,
    summary="Record the head (khối trưởng) and deputy (khối phó) the members elected",
)
async def elect_head(bloc_id: UUID, year: int, body: HeadIn, uow: Uow, _: Admin) -> BlocOut:
    by = await commands.blocs.elect_bloc_head(
        uow, bloc_id, year, body.head_unit_id, body.deputy_unit_id, body.effective_on
    )
    bloc = await store.blocs.get_bloc(uow.con, bloc_id)
    assert bloc is not None
    return bloc_out(bloc, by)
