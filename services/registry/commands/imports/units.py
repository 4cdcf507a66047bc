"""Importing units: parents before children, a cycle of parent codes named as such."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from servicekit.errors import DomainError
from servicekit.imports import (
    Report,
    RowError,
    may_write,
)
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.imports.rows import UnitRow, domain_errors
from services.registry.config import RegistryConfig
from services.registry.domain.unit_versions import UnitSpec
from services.registry.domain.units import UnitTree

ByCode = dict[str, tuple[int, UnitRow]]
"""The rows of the file by unit code, with their numbers."""


async def import_rows(
    uow: UnitOfWork,
    config: RegistryConfig,
    rows: list[tuple[int, Any]],
    report: Report,
    write: bool,
    mode: str,
) -> None:
    await store.units.lock_tree(uow.con)
    tree = await store.units.load_tree(uow.con)
    by_code = _unique_codes(rows, report)
    done: dict[str, bool] = {}  # code -> row succeeded
    for n, r in _parents_first(by_code, report):
        done[r.code] = _take_row(tree, by_code, done, n, r, report)
    if may_write(report, write, mode):
        await store.units.save_tree(uow.con, tree)
        await uow.publish_all(events.unit_events(tree.log))


def _unique_codes(rows: list[tuple[int, UnitRow]], report: Report) -> ByCode:
    """The rows by code; a code on a second row is that row's error."""
    by_code: ByCode = {}
    for n, r in rows:
        if r.code in by_code:
            report.errors.append(
                RowError(n, "code", Msg("the code is also on row {row}", row=by_code[r.code][0]))
            )
        else:
            by_code[r.code] = (n, r)
    return by_code


def _parents_first(by_code: ByCode, report: Report) -> list[tuple[int, UnitRow]]:
    """The rows in a topological order by parent code; rows never reached are in, or under, a
    cycle of parent codes, and reported so."""
    children: dict[str, list[str]] = {}
    for code, (_, r) in by_code.items():
        if r.parent_code is not None and r.parent_code in by_code:
            children.setdefault(r.parent_code, []).append(code)
    queue = sorted(
        (code for code, (_, r) in by_code.items() if r.parent_code not in by_code),
        key=lambda code: by_code[code][0],
    )
    order: list[tuple[int, UnitRow]] = []
    for code in queue:  # grows while iterating
        order.append(by_code[code])
        queue.extend(children.get(code, ()))
    if len(order) < len(by_code):
        pending = {code: by_code[code] for code in by_code.keys() - set(queue)}
        for n, r in sorted(pending.values(), key=lambda x: x[0]):
            report.errors.append(RowError(n, "parent_code", _cycle_problem(r.code, pending)))
    return order


def _take_row(
    tree: UnitTree,
    by_code: ByCode,
    done: dict[str, bool],
    n: int,
    r: UnitRow,
    report: Report,
) -> bool:
    """Register the row's unit in the tree, or count it unchanged; whether the row succeeded."""
    parent_id = None
    if r.parent_code is not None:
        parent_id = tree.by_code(r.parent_code)
        if parent_id is None:
            if r.parent_code in by_code and not done.get(r.parent_code, False):
                problem = f"the parent's row {by_code[r.parent_code][0]} has errors"
            else:
                problem = "no unit has this code"
            report.errors.append(RowError(n, "parent_code", problem))
            return False
    existing = tree.by_code(r.code)
    if existing is not None:
        if _registered_so(tree, existing, r, parent_id):
            report.unchanged += 1
            return True
        report.errors.append(
            RowError(
                n,
                "code",
                "a unit with this code is already registered with other data; change it "
                "through the API",
            )
        )
        return False
    try:
        tree.register(
            uuid4(),
            UnitSpec(r.code, r.name, r.kind, r.level, parent_id, r.valid_from, r.valid_to),
        )
    except DomainError as e:
        report.errors.extend(domain_errors("units", n, e))
        return False
    report.imported += 1
    return True


def _registered_so(tree: UnitTree, unit_id: UUID, r: UnitRow, parent_id: UUID | None) -> bool:
    """Whether the registered unit has the row's data on the row's first day (a row as the
    export writes it: the version in force, or the unit's first)."""
    v = tree.as_of(unit_id, r.valid_from)
    first = tree.versions(unit_id)[0]
    return (
        v is not None
        and (v.name, v.kind, v.level, v.parent_id) == (r.name, r.kind, r.level, parent_id)
        and (v.valid_from == r.valid_from or first.valid_from == r.valid_from)
    )


def _cycle_problem(code: str, pending: ByCode) -> str:
    seen, current = [code], pending[code][1].parent_code
    while current in pending and current not in seen:
        seen.append(current)
        current = pending[current][1].parent_code
    if current == code:
        return "the parent codes of these rows make a cycle: " + " → ".join([*seen, code])
    return f"its parent row ({pending[seen[1]][0]}) is part of a cycle of parent codes"
