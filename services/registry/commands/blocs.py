"""Forming blocs and clusters for a year, changing their members, electing their heads."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from uuid import UUID

from servicekit.errors import Conflict, Invalid, NotFound
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.units import tree_for_reading
from services.registry.domain import blocs as b
from services.registry.domain.units import UnitTree


def elsewhere_check(
    others: dict[UUID, list[tuple[str, b.Membership]]],
) -> Callable[[UUID, date], str | None]:
    """(unit, day) -> the code of another bloc of the kind the unit is in from that day on."""

    def check(unit_id: UUID, day: date) -> str | None:
        for code, m in others.get(unit_id, ()):
            if m.overlaps(day, None):
                return code
        return None

    return check


async def form_bloc(
    uow: UnitOfWork,
    bloc: b.Bloc,
    year: int,
    member_ids: list[UUID],
    *,
    formed_on: date | None = None,
    scoring_scheme_ref: str | None = None,
    head_unit_id: UUID | None = None,
    deputy_unit_id: UUID | None = None,
    new: bool,
    tree: UnitTree | None = None,
) -> b.BlocYear:
    """Form `bloc` for `year` (creating the bloc when `new`)."""
    await store.blocs.lock_blocs(uow.con)
    if new:
        if await store.blocs.bloc_by_code(uow.con, bloc.code) is not None:
            raise Conflict(
                Msg("the bloc code {code} is already used", code=bloc.code), code="duplicate_code"
            )
        years: set[int] = set()
    else:
        years = set(await store.blocs.bloc_years(uow.con, bloc.bloc_id))
    tree = tree or await tree_for_reading(uow)
    others = await store.blocs.memberships_elsewhere(
        uow.con, kind=bloc.kind, year=year, except_bloc=bloc.bloc_id
    )
    by = b.form(
        bloc,
        year,
        member_ids,
        formed_on=formed_on,
        scoring_scheme_ref=scoring_scheme_ref,
        unit_exists_on=tree.valid_on,
        elsewhere=elsewhere_check(others),
        existing_years=years,
    )
    if head_unit_id is not None:
        by = b.elect(by, head_unit_id, deputy_unit_id)
    elif deputy_unit_id is not None:
        raise Invalid.at("#/head_unit_id", "a deputy is elected with a head", "missing")
    if new:
        await store.blocs.save_bloc(uow.con, bloc)
    await store.blocs.save_bloc_year(uow.con, by)
    await uow.publish(events.bloc_formed(bloc, by))
    if by.head_unit_id is not None:
        await uow.publish(events.head_elected(by))
    return by


async def load_bloc_year(uow: UnitOfWork, bloc_id: UUID, year: int) -> tuple[b.Bloc, b.BlocYear]:
    bloc = await store.blocs.get_bloc(uow.con, bloc_id, lock=True)
    if bloc is None:
        raise NotFound(Msg("no bloc {bloc_id}", bloc_id=bloc_id))
    by = (await store.blocs.bloc_years(uow.con, bloc_id, year)).get(year)
    if by is None:
        raise NotFound(
            Msg("bloc {code} is not formed for {year}", code=bloc.code, year=year),
            code="not_formed",
        )
    return bloc, by


async def change_bloc_members(
    uow: UnitOfWork,
    bloc_id: UUID,
    year: int,
    *,
    add: list[UUID],
    remove: list[UUID],
    effective_on: date,
    tree: UnitTree | None = None,
) -> b.BlocYear:
    await store.blocs.lock_blocs(uow.con)
    bloc, by = await load_bloc_year(uow, bloc_id, year)
    tree = tree or await tree_for_reading(uow)
    others = await store.blocs.memberships_elsewhere(
        uow.con, kind=bloc.kind, year=year, except_bloc=bloc_id
    )
    by = b.change_members(
        by,
        add=add,
        remove=remove,
        effective_on=effective_on,
        unit_exists_on=tree.valid_on,
        elsewhere=elsewhere_check(others),
    )
    await store.blocs.save_bloc_year(uow.con, by)
    await uow.publish(events.membership_changed(by, add, remove, effective_on))
    return by


async def elect_bloc_head(
    uow: UnitOfWork,
    bloc_id: UUID,
    year: int,
    head: UUID,
    deputy: UUID | None,
    effective_on: date | None = None,
) -> b.BlocYear:
    _, by = await load_bloc_year(uow, bloc_id, year)
    new = b.elect(by, head, deputy, effective_on)
    if (new.head_unit_id, new.deputy_unit_id) != (by.head_unit_id, by.deputy_unit_id):
        await store.blocs.save_bloc_year(uow.con, new)
        await uow.publish(events.head_elected(new, effective_on))
    return new
