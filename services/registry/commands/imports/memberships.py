"""Importing bloc memberships: the rows of one bloc and year form the bloc, or add members to
it, and elect its head and deputy."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID, uuid4

from servicekit.errors import DomainError
from servicekit.imports import (
    Report,
    RowError,
    may_write,
)
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.blocs import elsewhere_check
from services.registry.commands.imports.rows import MembershipRow, domain_errors
from services.registry.config import RegistryConfig
from services.registry.domain import blocs as b


async def memberships(
    uow: UnitOfWork,
    config: RegistryConfig,
    rows: list[tuple[int, Any]],
    report: Report,
    write: bool,
    mode: str,
) -> None:
    await store.blocs.lock_blocs(uow.con)
    await store.units.lock_tree(uow.con, shared=True)
    tree = await store.units.load_tree(uow.con)
    groups: dict[tuple[str, int], list[tuple[int, MembershipRow]]] = {}
    for n, r in rows:
        groups.setdefault((r.bloc_code, r.year), []).append((n, r))
    planned: list[tuple[str, Any]] = []
    taken: dict[tuple[str, int, UUID], int] = {}  # (kind, year, unit) -> row, within the file
    for (code, year), group in groups.items():
        first_n, first = group[0]
        bad_group = False
        for n, r in group[1:]:
            if (r.bloc_name, r.bloc_kind) != (first.bloc_name, first.bloc_kind):
                report.errors.append(
                    RowError(
                        n,
                        "bloc_name",
                        f"bloc {code} is named or kinded differently on row {first_n}",
                    )
                )
                bad_group = True
        bloc = await store.blocs.bloc_by_code(uow.con, code)
        if bloc is not None and bloc.kind != first.bloc_kind:
            report.errors.append(RowError(first_n, "bloc_kind", f"bloc {code} is a {bloc.kind}"))
            bad_group = True
        years = await store.blocs.bloc_years(uow.con, bloc.bloc_id) if bloc else {}
        by = years.get(year)
        others = await store.blocs.memberships_elsewhere(
            uow.con, kind=first.bloc_kind, year=year, except_bloc=bloc.bloc_id if bloc else None
        )
        elsewhere = elsewhere_check(others)
        formed_on = by.formed_on if by else (first.joined_on or date(year, 1, 1))
        members: list[UUID] = []
        head = deputy = None
        current = set(by.current_members()) if by else set()
        seen: dict[UUID, int] = {}
        rows_ok: list[int] = []
        for n, r in group:
            unit_id = tree.by_code(r.unit_code)
            day = r.joined_on or formed_on
            if unit_id is None:
                report.errors.append(RowError(n, "unit_code", "no unit has this code"))
                continue
            if day.year != year or day < formed_on:
                report.errors.append(
                    RowError(
                        n,
                        "joined_on",
                        f"must lie in {year}, on or after the bloc's formation ({formed_on})",
                    )
                )
                continue
            if unit_id in seen:
                report.errors.append(
                    RowError(n, "unit_code", f"the unit is also on row {seen[unit_id]}")
                )
                continue
            seen[unit_id] = n
            if r.left_on is not None:
                if by is not None and any(
                    (m.unit_id, m.joined_on, m.left_on) == (unit_id, day, r.left_on)
                    for m in by.memberships
                ):
                    report.unchanged += 1
                else:
                    report.errors.append(
                        RowError(
                            n,
                            "left_on",
                            "a unit leaving a bloc is recorded through the API "
                            "(the bloc's members), not imported",
                        )
                    )
                continue
            if unit_id in current:
                held = {
                    "member": True,
                    "head": by.head_unit_id == unit_id,
                    "deputy": by.deputy_unit_id == unit_id,
                }[r.role]
                if held:
                    report.unchanged += 1
                    continue
            else:
                if not tree.valid_on(unit_id, day):
                    report.errors.append(
                        RowError(n, "unit_code", f"the unit does not exist on {day}")
                    )
                    continue
                other = elsewhere(unit_id, day)
                key = (first.bloc_kind, year, unit_id)
                if other is None and key in taken:
                    other = f"the bloc of row {taken[key]}"
                if other is not None:
                    report.errors.append(
                        RowError(
                            n,
                            "unit_code",
                            f"the unit is already a "
                            f"member of {other} ({first.bloc_kind}s are "
                            "exclusive)",
                        )
                    )
                    continue
                taken[key] = n
                members.append(unit_id)
            if r.role == "head":
                if head is not None:
                    report.errors.append(RowError(n, "role", "a second head for this bloc"))
                    continue
                head = unit_id
            elif r.role == "deputy":
                if deputy is not None:
                    report.errors.append(RowError(n, "role", "a second deputy for this bloc"))
                    continue
                deputy = unit_id
            rows_ok.append(n)
        if bad_group:
            continue
        if by is not None and head is None and deputy is not None:
            head = by.head_unit_id
        if head is None and deputy is not None:
            report.errors.append(RowError(first_n, "role", "a deputy is elected with a head"))
            continue
        if head is not None and head == deputy:
            report.errors.append(RowError(first_n, "role", "the head cannot also be the deputy"))
            continue
        if not rows_ok:
            continue
        planned.append(
            (
                "group",
                (bloc, code, first, year, by, members, head, deputy, formed_on, rows_ok, group),
            )
        )
    if not may_write(report, write, mode):
        return
    for _, (
        bloc,
        code,
        first,
        year,
        by,
        members,
        head,
        deputy,
        formed_on,
        rows_ok,
        group,
    ) in planned:
        try:
            if bloc is None:
                bloc = b.Bloc(uuid4(), code, first.bloc_name, first.bloc_kind)
                await store.blocs.save_bloc(uow.con, bloc)
            if by is None:
                by = b.form(
                    bloc,
                    year,
                    members,
                    formed_on=formed_on,
                    scoring_scheme_ref=first.scoring_scheme_ref,
                    unit_exists_on=tree.valid_on,
                    elsewhere=lambda u, d: None,
                )  # checked above
                if head is not None:
                    by = b.elect(by, head, deputy)
                await store.blocs.save_bloc_year(uow.con, by)
                await uow.publish(events.bloc_formed(bloc, by))
                if by.head_unit_id is not None:
                    await uow.publish(events.head_elected(by))
            else:
                joined: dict[date, list[UUID]] = {}
                for _, r in group:
                    u = tree.by_code(r.unit_code)
                    if u in members:
                        joined.setdefault(r.joined_on or formed_on, []).append(u)
                for day, add in sorted(joined.items()):
                    by = b.change_members(
                        by,
                        add=add,
                        remove=[],
                        effective_on=day,
                        unit_exists_on=tree.valid_on,
                        elsewhere=lambda u, d: None,
                    )
                    await uow.publish(events.membership_changed(by, add, [], day))
                if head is not None and (head, deputy) != (by.head_unit_id, by.deputy_unit_id):
                    by = b.elect(by, head, deputy)
                    await uow.publish(events.head_elected(by))
                await store.blocs.save_bloc_year(uow.con, by)
            report.imported += len(rows_ok)
        except DomainError as e:
            report.errors.extend(domain_errors("bloc-memberships", group[0][0], e))
