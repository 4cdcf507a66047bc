"""Importing units: parents before children, a cycle of parent codes named as such."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from servicekit.errors import DomainError
from servicekit.imports import (
    Report,
    RowError,
    may_write,
)
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.imports.rows import UnitRow, domain_errors
from services.registry.config import RegistryConfig
from services.registry.domain.unit_versions import UnitSpec


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
    by_code: dict[str, tuple[int, UnitRow]] = {}
    for n, r in rows:
        if r.code in by_code:
            report.errors.append(
                RowError(n, "code", f"the code is also on row {by_code[r.code][0]}")
            )
        else:
            by_code[r.code] = (n, r)
    # parents first (a topological order of the rows by parent code); rows never reached are in,
    # or under, a cycle of parent codes
    done: dict[str, bool] = {}  # code -> row succeeded
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
    for n, r in order:
        done[r.code] = False
        parent_id = None
        if r.parent_code is not None:
            if (
                r.parent_code in by_code
                and not done.get(r.parent_code, False)
                and tree.by_code(r.parent_code) is None
            ):
                report.errors.append(
                    RowError(
                        n, "parent_code", f"the parent's row {by_code[r.parent_code][0]} has errors"
                    )
                )
                continue
            parent_id = tree.by_code(r.parent_code)
            if parent_id is None:
                report.errors.append(RowError(n, "parent_code", "no unit has this code"))
                continue
        existing = tree.by_code(r.code)
        if existing is not None:
            v = tree.as_of(existing, r.valid_from)
            first = tree.versions(existing)[0]
            same = (
                v is not None
                and (v.name, v.kind, v.level, v.parent_id) == (r.name, r.kind, r.level, parent_id)
                and (v.valid_from == r.valid_from or first.valid_from == r.valid_from)
            )
            if same:
                report.unchanged += 1
                done[r.code] = True
            else:
                report.errors.append(
                    RowError(
                        n,
                        "code",
                        "a unit with this code is already "
                        "registered with other data; change it through the "
                        "API",
                    )
                )
            continue
        try:
            tree.register(
                uuid4(),
                UnitSpec(r.code, r.name, r.kind, r.level, parent_id, r.valid_from, r.valid_to),
            )
        except DomainError as e:
            report.errors.extend(domain_errors("units", n, e))
            continue
        done[r.code] = True
        report.imported += 1
    if may_write(report, write, mode):
        await store.units.save_tree(uow.con, tree)
        await uow.publish_all(events.unit_events(tree.log))


def _cycle_problem(code: str, pending: dict[str, tuple[int, UnitRow]]) -> str:
    seen, current = [code], pending[code][1].parent_code
    while current in pending and current not in seen:
        seen.append(current)
        current = pending[current][1].parent_code
    if current == code:
        return "the parent codes of these rows make a cycle: " + " → ".join([*seen, code])
    return f"its parent row ({pending[seen[1]][0]}) is part of a cycle of parent codes"
