"""Occasions achievements are dedicated to (lập thành tích chào mừng): the province keeps the
list, everyone reads it."""

from __future__ import annotations

from uuid import UUID, uuid4

from fastapi import APIRouter, Request, Response

from servicekit.audit import audit_object
from servicekit.errors import NotFound
from servicekit.messages import Msg
from services.registry import commands, store
from services.registry.api.common import PROBLEMS, Admin, ReadCon, Reader, Uow
from services.registry.api.models import OccasionIn, OccasionOut
from services.registry.domain import occasions as o

router = APIRouter(prefix="/occasions", tags=["occasions"], responses=PROBLEMS)


def occasion_out(x: o.Occasion) -> OccasionOut:
    return OccasionOut(
        occasion_id=x.occasion_id,
        code=x.code,
        name=x.name,
        starts_on=x.starts_on,
        ends_on=x.ends_on,
    )


@router.post("", status_code=201, response_model=OccasionOut, summary="Define an occasion")
async def define_occasion(
    body: OccasionIn, uow: Uow, _: Admin, request: Request, response: Response
) -> OccasionOut:
    x = o.Occasion(uuid4(), body.code, body.name, body.starts_on, body.ends_on)
    x = await commands.occasions.define_occasion(uow, x)
    audit_object(request, f"occasion:{x.occasion_id}")
    response.headers["Location"] = f"/occasions/{x.occasion_id}"
    return occasion_out(x)


@router.get("", response_model=list[OccasionOut], summary="Occasions, the latest first")
async def list_occasions(con: ReadCon, _: Reader) -> list[OccasionOut]:
    return [occasion_out(x) for x in await store.occasions.list_occasions(con)]


@router.get("/{occasion_id}", response_model=OccasionOut)
async def get_occasion(occasion_id: UUID, con: ReadCon, _: Reader) -> OccasionOut:
    x = await store.occasions.get_occasion(con, occasion_id)
    if x is None:
        raise NotFound(Msg("no occasion {occasion_id}", occasion_id=occasion_id))
    return occasion_out(x)
