"""People (minimal personal data) and their discipline, investigation, inspection and complaint
statuses."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request, Response

from servicekit.audit import PersonalRead, audit_object
from servicekit.errors import NotFound
from servicekit.messages import Msg
from services.registry import commands, store
from services.registry.api.common import (
    PROBLEMS,
    Admin,
    Config,
    Cursor,
    Limit,
    Page,
    PeopleReader,
    ReadCon,
    Today,
    Uow,
    is_officer_only,
    own_unit_only,
)
from services.registry.api.models import (
    PersonChangeIn,
    PersonDetail,
    PersonIn,
    PersonOut,
    PersonVersionOut,
    StatusEndIn,
    StatusIn,
    StatusOut,
)
from services.registry.domain import people as p

router = APIRouter(prefix="/people", tags=["people"], responses=PROBLEMS)

AsOf = Annotated[date | None, Query(description="Default: today in Vietnam")]


def person_out(x: p.Person, v: p.PersonVersion, blocked: bool) -> PersonOut:
    return PersonOut(
        person_id=x.person_id,
        full_name=v.full_name,
        gender=x.gender,
        birth_year=x.birth_year,
        unit_id=v.unit_id,
        position=v.position,
        valid_from=v.valid_from,
        valid_to=v.valid_to,
        blocked=blocked,
    )


def status_out(s: p.StatusPeriod) -> StatusOut:
    return StatusOut(
        status_id=s.status_id,
        person_id=s.subject_id,
        kind=s.kind,
        discipline_level=s.discipline_level,
        start=s.start,
        end=s.end,
    )


@router.post("", status_code=201, response_model=PersonOut, summary="Register a person")
async def register_person(
    body: PersonIn, uow: Uow, cfg: Config, _: Admin, request: Request, response: Response
) -> PersonOut:
    person_id = uuid4()
    x = await commands.people.register_person(
        uow,
        cfg,
        person_id,
        full_name=body.full_name,
        gender=body.gender,
        birth_year=body.birth_year,
        unit_id=body.unit_id,
        position=body.position,
        valid_from=body.valid_from,
        code=body.code,
        citizen_id=body.citizen_id,
    )
    audit_object(request, f"person:{person_id}")
    response.headers["Location"] = f"/people/{person_id}"
    return person_out(x, x.latest, False)


@router.get(
    "",
    response_model=Page[PersonOut],
    summary="People as of a day",
    dependencies=[PersonalRead],
)
async def list_people(
    con: ReadCon,
    who: PeopleReader,
    today: Today,
    as_of: AsOf = None,
    unit_id: UUID | None = None,
    gender: Annotated[str | None, Query(pattern="^(female|male)$")] = None,
    blocked: Annotated[
        bool | None, Query(description="Only people a status blocks (true) or not (false) that day")
    ] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Search in names, accents optional")
    ] = None,
    sort: Annotated[
        str,
        Query(
            pattern=r"^-?(name|birth_year)$",
            description="name sorts by given name first, in Vietnamese order",
        ),
    ] = "name",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[PersonOut]:
    if is_officer_only(who):
        if unit_id is None:
            unit_id = UUID(who.unit_id)
        own_unit_only(who, unit_id, "another unit's people")
    result = await store.people.list_people(
        con,
        as_of=as_of or today,
        unit_id=unit_id,
        gender=gender,
        blocked=blocked,
        search=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    items = [
        PersonOut(
            person_id=r["person_id"],
            full_name=r["full_name"],
            gender=r["gender"],
            birth_year=r["birth_year"],
            unit_id=r["unit_id"],
            position=r["position"],
            valid_from=r["valid_from"],
            valid_to=r["valid_to"],
            blocked=r["blocked"],
        )
        for r in result.items
    ]
    return Page[PersonOut](items=items, next_cursor=result.next_cursor)


@router.get(
    "/{person_id}",
    response_model=PersonDetail,
    summary="A person, history, statuses",
    dependencies=[PersonalRead],
)
async def get_person(
    person_id: UUID, con: ReadCon, who: PeopleReader, today: Today, as_of: AsOf = None
) -> PersonDetail:
    x = await store.people.get_person(con, person_id)
    if x is None:
        raise NotFound(Msg("no person {person_id}", person_id=person_id))
    day = as_of or today
    v = x.as_of(day) or x.latest
    own_unit_only(who, v.unit_id, "another unit's people")
    statuses = await store.statuses.statuses(con, person_id)
    return PersonDetail(
        **person_out(x, v, bool(p.blocking(statuses, day))).model_dump(),
        code=x.code,
        history=[
            PersonVersionOut(
                full_name=h.full_name,
                unit_id=h.unit_id,
                position=h.position,
                valid_from=h.valid_from,
                valid_to=h.valid_to,
            )
            for h in x.versions
        ],
        statuses=[status_out(s) for s in statuses],
    )


@router.post(
    "/{person_id}/changes",
    response_model=PersonOut,
    summary="A new version (name, unit, position) from a day, or a correction",
)
async def change_person(person_id: UUID, body: PersonChangeIn, uow: Uow, _: Admin) -> PersonOut:
    changes = body.model_dump(exclude={"effective_from"}, exclude_none=True)
    x, v = await commands.people.change_person(uow, person_id, body.effective_from, **changes)
    shown = v or x.as_of(body.effective_from) or x.latest
    return person_out(x, shown, False)


@router.get("/{person_id}/statuses", response_model=list[StatusOut], dependencies=[PersonalRead])
async def list_statuses(
    person_id: UUID, con: ReadCon, who: PeopleReader, today: Today
) -> list[StatusOut]:
    x = await store.people.get_person(con, person_id)
    if x is None:
        raise NotFound(Msg("no person {person_id}", person_id=person_id))
    own_unit_only(who, (x.as_of(today) or x.latest).unit_id, "another unit's people")
    return [status_out(s) for s in await store.statuses.statuses(con, person_id)]


@router.post(
    "/{person_id}/statuses",
    status_code=201,
    response_model=StatusOut,
    summary="Record a discipline, or a pending investigation, inspection or complaint",
)
async def add_status(
    person_id: UUID, body: StatusIn, uow: Uow, _: Admin, response: Response
) -> StatusOut:
    s = await commands.statuses.add_status(
        uow,
        p.StatusPeriod(uuid4(), person_id, body.kind, body.start, body.end, body.discipline_level),
    )
    response.headers["Location"] = f"/people/{person_id}/statuses/{s.status_id}"
    return status_out(s)


@router.post(
    "/{person_id}/statuses/{status_id}/end",
    response_model=StatusOut,
    summary="End a status (investigation concluded, discipline expired…)",
)
async def end_status(
    person_id: UUID, status_id: UUID, body: StatusEndIn, uow: Uow, _: Admin
) -> StatusOut:
    return status_out(await commands.statuses.end_status(uow, person_id, status_id, body.end))
