"""Defining the occasions achievements are dedicated to."""

from __future__ import annotations

from servicekit.errors import Conflict
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.domain import occasions as o


async def define_occasion(uow: UnitOfWork, x: o.Occasion) -> o.Occasion:
    x = o.define(x)
    if await store.occasions.occasion_id_by_code(uow.con, x.code) is not None:
        raise Conflict(
            Msg("the occasion code {code} is already used", code=x.code), code="duplicate_code"
        )
    await store.occasions.save_occasion(uow.con, x)
    await uow.publish(events.occasion_defined(x))
    return x
