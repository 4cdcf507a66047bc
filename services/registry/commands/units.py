"""Commands on the unit tree: run under the tree's lock, saved and published as one."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import TypeVar
from uuid import UUID

from servicekit.errors import Invalid
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.domain.units import UnitTree

T = TypeVar("T")


async def on_tree(uow: UnitOfWork, command: Callable[[UnitTree], T]) -> tuple[T, UnitTree]:
    """Run a command on the unit tree under the tree's lock; save and publish what it did."""
    await store.units.lock_tree(uow.con)
    tree = await store.units.load_tree(uow.con)
    result = command(tree)
    await store.units.save_tree(uow.con, tree)
    await uow.publish_all(events.unit_events(tree.log))
    tree.log.clear()
    return result, tree


async def tree_for_reading(uow: UnitOfWork) -> UnitTree:
    await store.units.lock_tree(uow.con, shared=True)
    return await store.units.load_tree(uow.con)


def known_unit(tree: UnitTree, unit_id: UUID, pointer: str, day: date | None = None) -> None:
    if unit_id not in tree:
        raise Invalid.at(pointer, Msg("no unit {unit_id}", unit_id=unit_id), "unknown_unit")
    if day is not None and not tree.valid_on(unit_id, day):
        s, e = tree.span(unit_id)
        raise Invalid.at(
            pointer,
            Msg(
                "unit {value} does not exist on {day} (it exists from {s}{value2})",
                value=tree.code(unit_id),
                day=day,
                s=s,
                value2=f" until {e}" if e else "",
            ),
            "not_valid",
        )
