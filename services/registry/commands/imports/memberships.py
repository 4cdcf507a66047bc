"""Bulk import from .xlsx and .csv, and export to .xlsx, of units, people, bloc memberships and
targets.

Every row is validated first and the report names each bad row, its column and the problem (rows
are numbered as a spreadsheet shows them: the header is row 1). By default nothing is imported
when any row is bad; on request (`mode="valid"`) the valid rows are imported and the bad ones
reported. A row that depends on a bad row (a unit whose parent's row is bad) is bad too.

Re-importing is harmless: the same file (by its SHA-256) again answers the first report and does
nothing; a row already in the registry with the same data counts as "unchanged" (units by code,
people by personnel code, citizen id, or name + birth year + gender + unit, memberships by bloc,
year and unit, targets by campaign, unit and name), and one with different data is an error (use
the API to change a record: a change is dated, an import row is not).

The columns are those of the export, so an exported file imports back as "unchanged". Headers are
matched without accents, case or spacing, and a few Vietnamese headers are understood too
("Mã đơn vị", "Tên đơn vị", "Họ và tên", …). Reading files, parsing cells, the report and the
run are servicekit/imports.py's, shared with progress's import of reports.
"""

from __future__ import annotations

import io
import re
from datetime import date
from typing import Annotated, Any
from uuid import UUID, uuid4

import asyncpg
from pydantic import BeforeValidator, Field

from schemas.types import (
    BlocKind,
    Code,
    Direction,
    Gender,
    Text,
    UnitKind,
    UnitLevel,
)
from servicekit import imports
from servicekit.errors import DomainError
from servicekit.imports import (
    XLSX,
    DateCell,
    ImportFileError,
    OptDateCell,
    Report,
    Row,
    RowError,
    blank_to_none,
    choice,
    may_write,
    to_bool,
    to_float,
    to_int,
)
from servicekit.text import xlsx_row
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.config import RegistryConfig
from services.registry.domain import blocs as b
from services.registry.domain import campaigns as c
from services.registry.domain import people as p
from services.registry.domain.units import UnitSpec
from services.registry.handlers import elsewhere_check

KINDS = ("units", "people", "bloc-memberships", "targets")
__all__ = ["KINDS", "XLSX", "ImportFileError", "export_rows", "run", "to_xlsx"]
_GENDERS = {"nu": "female", "nam": "male", "female": "female", "male": "male"}
_BLOC_KINDS = {"khoi": "bloc", "cum": "cluster", "bloc": "bloc", "cluster": "cluster"}
_ROLES = {
    "thanh_vien": "member",
    "khoi_truong": "head",
    "cum_truong": "head",
    "khoi_pho": "deputy",
    "cum_pho": "deputy",
    "member": "member",
    "head": "head",
    "deputy": "deputy",
}
_DIRECTIONS = {
    "higher": "higher_is_better",
    "lower": "lower_is_better",
    "cang_cao_cang_tot": "higher_is_better",
    "cang_thap_cang_tot": "lower_is_better",
    "higher_is_better": "higher_is_better",
    "lower_is_better": "lower_is_better",
}


class UnitRow(Row):
    code: Annotated[Code, BeforeValidator(blank_to_none)]
    name: Annotated[Text, BeforeValidator(blank_to_none)]
    kind: Annotated[UnitKind, BeforeValidator(blank_to_none)]
    level: Annotated[UnitLevel, BeforeValidator(blank_to_none)]
    parent_code: Annotated[Code | None, BeforeValidator(blank_to_none)] = None
    valid_from: DateCell
    valid_to: OptDateCell = None


class PersonRow(Row):
    code: Annotated[Code | None, BeforeValidator(blank_to_none)] = None
    full_name: Annotated[Text, BeforeValidator(blank_to_none)]
    gender: Annotated[Gender, BeforeValidator(choice(_GENDERS))]
    birth_year: Annotated[int, Field(ge=1900, le=2100), BeforeValidator(to_int)]
    unit_code: Annotated[Code, BeforeValidator(blank_to_none)]
    position: Annotated[Text, BeforeValidator(blank_to_none)]
    valid_from: DateCell
    citizen_id: Annotated[
        str | None,
        Field(pattern=r"^\d{9}(\d{3})?$"),
        BeforeValidator(lambda v: None if blank_to_none(v) is None else str(to_int(v))),
    ] = None


class MembershipRow(Row):
    bloc_code: Annotated[Code, BeforeValidator(blank_to_none)]
    bloc_name: Annotated[Text, BeforeValidator(blank_to_none)]
    bloc_kind: Annotated[BlocKind, BeforeValidator(choice(_BLOC_KINDS))]
    year: Annotated[int, Field(ge=1945, le=2100), BeforeValidator(to_int)]
    unit_code: Annotated[Code, BeforeValidator(blank_to_none)]
    role: Annotated[
        str,
        Field(pattern="^(member|head|deputy)$"),
        BeforeValidator(lambda v: choice(_ROLES)(v) or "member"),
    ] = "member"
    joined_on: OptDateCell = None
    left_on: OptDateCell = None
    """Exclusive: the first day no longer a member. Exported for the members who left during
    the year; on import only as exported (unchanged), a leaving is recorded through the API."""
    scoring_scheme_ref: Annotated[Code | None, BeforeValidator(blank_to_none)] = None


class TargetRow(Row):
    campaign_code: Annotated[Code, BeforeValidator(blank_to_none)]
    unit_code: Annotated[Code, BeforeValidator(blank_to_none)]
    name: Annotated[Text, BeforeValidator(blank_to_none)]
    metric: Annotated[Text, BeforeValidator(blank_to_none)]
    unit_of_measure: Annotated[Text, BeforeValidator(blank_to_none)]
    target_value: Annotated[float, Field(allow_inf_nan=False), BeforeValidator(to_float)]
    direction: Annotated[Direction, BeforeValidator(choice(_DIRECTIONS))]
    weight: Annotated[
        float,
        Field(ge=0, allow_inf_nan=False),
        BeforeValidator(lambda v: to_float(v) if blank_to_none(v) is not None else 1.0),
    ] = 1.0
    deadline: DateCell
    indicator_code: Annotated[Code | None, BeforeValidator(blank_to_none)] = None
    allow_negative: Annotated[bool, Field(strict=True), BeforeValidator(to_bool)] = False
    """Reported values may be below zero (growth rates); a negative target_value needs it."""


ROW_MODELS: dict[str, type[Row]] = {
    "units": UnitRow,
    "people": PersonRow,
    "bloc-memberships": MembershipRow,
    "targets": TargetRow,
}

# Vietnamese headers understood, after folding (no accents, lower case, "_" for spaces).
ALIASES: dict[str, dict[str, str]] = {
    "units": {
        "ma_don_vi": "code",
        "ma_dinh_danh": "code",
        "ten_don_vi": "name",
        "loai": "kind",
        "cap": "level",
        "ma_don_vi_cap_tren": "parent_code",
        "hieu_luc_tu": "valid_from",
        "hieu_luc_den": "valid_to",
    },
    "people": {
        "ma_can_bo": "code",
        "ho_va_ten": "full_name",
        "ho_ten": "full_name",
        "gioi_tinh": "gender",
        "nam_sinh": "birth_year",
        "ma_don_vi": "unit_code",
        "chuc_vu": "position",
        "tu_ngay": "valid_from",
        "so_cccd": "citizen_id",
        "cccd": "citizen_id",
    },
    "bloc-memberships": {
        "ma_khoi": "bloc_code",
        "ten_khoi": "bloc_name",
        "loai": "bloc_kind",
        "nam": "year",
        "ma_don_vi": "unit_code",
        "vai_tro": "role",
        "ngay_tham_gia": "joined_on",
        "ngay_roi_khoi": "left_on",
    },
    "targets": {
        "ma_dot_thi_dua": "campaign_code",
        "ma_don_vi": "unit_code",
        "ten_chi_tieu": "name",
        "chi_tieu": "metric",
        "don_vi_tinh": "unit_of_measure",
        "gia_tri": "target_value",
        "huong": "direction",
        "trong_so": "weight",
        "han": "deadline",
        "ma_chi_so": "indicator_code",
        "cho_phep_am": "allow_negative",
        "cho_phep_gia_tri_am": "allow_negative",
    },
}


def parse(kind: str, data: bytes, max_rows: int) -> imports.Parsed:
    """Rows parsed into the kind's row model: ([(row number, row)], errors, number of rows)."""
    return imports.parse(ROW_MODELS[kind], ALIASES[kind], data, max_rows)


# ---- importing -------------------------------------------------------------------------------

_POINTER_COLUMNS = {
    "units": {
        "#/parent_id": "parent_code",
        "#/level": "level",
        "#/valid_to": "valid_to",
        "#/valid_from": "valid_from",
        "#/effective_from": "valid_from",
    },
    "people": {"#/unit_id": "unit_code", "#/valid_from": "valid_from"},
    "bloc-memberships": {
        "#/member_unit_ids": "unit_code",
        "#/add_unit_ids": "unit_code",
        "#/formed_on": "joined_on",
        "#/effective_on": "joined_on",
        "#/head_unit_id": "role",
        "#/deputy_unit_id": "role",
    },
    "targets": {
        "#/unit_id": "unit_code",
        "#/deadline": "deadline",
        "#/weight": "weight",
        "#/target_value": "target_value",
    },
}


def _domain_errors(kind: str, number: int, e: DomainError) -> list[RowError]:
    columns = _POINTER_COLUMNS[kind]
    if not e.violations:
        return [RowError(number, None, e.detail)]
    return [
        RowError(number, columns.get(re.sub(r"(/\d+)+$", "", v.field)), v.detail)
        for v in e.violations
    ]


async def run(
    uow: UnitOfWork,
    config: RegistryConfig,
    kind: str,
    data: bytes,
    *,
    mode: str = "all",
    dry_run: bool = False,
) -> Report:
    """Validate and (unless `dry_run`, or `mode="all"` with a bad row) import a file. The caller
    owns the transaction; its events are published through `uow`."""
    importer = {
        "units": _units,
        "people": _people,
        "bloc-memberships": _memberships,
        "targets": _targets,
    }[kind]

    async def rows(good: list[tuple[int, Any]], report: Report, write: bool) -> None:
        await importer(uow, config, good, report, write, mode)

    return await imports.run(
        uow.con,
        kind,
        data,
        parse=lambda d, m: parse(kind, d, m),
        importer=rows,
        max_rows=config.import_max_rows,
        mode=mode,
        dry_run=dry_run,
    )


async def _units(
    uow: UnitOfWork,
    config: RegistryConfig,
    rows: list[tuple[int, Any]],
    report: Report,
    write: bool,
    mode: str,
) -> None:
    await store.lock_tree(uow.con)
    tree = await store.load_tree(uow.con)
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
            report.errors.extend(_domain_errors("units", n, e))
            continue
        done[r.code] = True
        report.imported += 1
    if may_write(report, write, mode):
        await store.save_tree(uow.con, tree)
        await uow.publish_all(events.unit_events(tree.log))


def _cycle_problem(code: str, pending: dict[str, tuple[int, UnitRow]]) -> str:
    seen, current = [code], pending[code][1].parent_code
    while current in pending and current not in seen:
        seen.append(current)
        current = pending[current][1].parent_code
    if current == code:
        return "the parent codes of these rows make a cycle: " + " → ".join([*seen, code])
    return f"its parent row ({pending[seen[1]][0]}) is part of a cycle of parent codes"


async def _people(
    uow: UnitOfWork,
    config: RegistryConfig,
    rows: list[tuple[int, Any]],
    report: Report,
    write: bool,
    mode: str,
) -> None:
    await store.lock_tree(uow.con, shared=True)
    tree = await store.load_tree(uow.con)
    existing = await uow.con.fetch(
        "SELECT pe.id, pe.code, pe.gender, pe.birth_year, pe.citizen_id_hash, pv.full_name,"
        " pv.unit_id, pv.position, pv.valid_from FROM people pe JOIN person_versions pv"
        " ON pv.person_id = pe.id"
    )
    by_code = {r["code"]: r for r in existing if r["code"]}
    by_hash = {bytes(r["citizen_id_hash"]): r for r in existing if r["citizen_id_hash"]}
    by_identity = {
        (r["full_name"], r["birth_year"], r["gender"], r["unit_id"]): r for r in existing
    }
    seen_codes: dict[str, int] = {}
    seen_hashes: dict[bytes, int] = {}
    new: list[p.Person] = []
    hashes: list[bytes | None] = []
    for n, r in rows:
        unit_id = tree.by_code(r.unit_code)
        if unit_id is None:
            report.errors.append(RowError(n, "unit_code", "no unit has this code"))
            continue
        if not tree.valid_on(unit_id, r.valid_from):
            report.errors.append(
                RowError(n, "unit_code", f"the unit does not exist on {r.valid_from}")
            )
            continue
        digest = None
        if r.citizen_id is not None:
            digest = config.citizen_digest(r.citizen_id)
            if digest is None:
                report.errors.append(
                    RowError(n, "citizen_id", "this registry is not configured to keep citizen ids")
                )
                continue
            if digest in seen_hashes:
                report.errors.append(
                    RowError(
                        n, "citizen_id", f"the same citizen id is on row {seen_hashes[digest]}"
                    )
                )
                continue
            seen_hashes[digest] = n
        if r.code is not None:
            if r.code in seen_codes:
                report.errors.append(
                    RowError(n, "code", f"the code is also on row {seen_codes[r.code]}")
                )
                continue
            seen_codes[r.code] = n
        match = (by_code.get(r.code) if r.code else None) or (
            by_hash.get(digest) if digest else None
        )
        identity = (r.full_name, r.birth_year, r.gender, unit_id)
        if match is None and r.code is None and digest is None:
            match = by_identity.get(identity)
        if match is not None:
            same = (
                match["full_name"],
                match["birth_year"],
                match["gender"],
                match["unit_id"],
                match["position"],
            ) == (*identity, r.position)
            if same:
                report.unchanged += 1
            else:
                report.errors.append(
                    RowError(
                        n,
                        "code" if r.code else "citizen_id",
                        "this person is already registered with other "
                        "data; change it through the API",
                    )
                )
            continue
        try:
            person = p.register(
                uuid4(),
                full_name=r.full_name,
                gender=r.gender,
                birth_year=r.birth_year,
                unit_id=unit_id,
                position=r.position,
                valid_from=r.valid_from,
                code=r.code,
            )
        except DomainError as e:
            report.errors.extend(_domain_errors("people", n, e))
            continue
        new.append(person)
        hashes.append(digest)
        report.imported += 1
    if may_write(report, write, mode):
        await store.save_people(uow.con, new, hashes)
        await uow.publish_all(events.person_registered(x) for x in new)


async def _memberships(
    uow: UnitOfWork,
    config: RegistryConfig,
    rows: list[tuple[int, Any]],
    report: Report,
    write: bool,
    mode: str,
) -> None:
    await store.lock_blocs(uow.con)
    await store.lock_tree(uow.con, shared=True)
    tree = await store.load_tree(uow.con)
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
        bloc = await store.bloc_by_code(uow.con, code)
        if bloc is not None and bloc.kind != first.bloc_kind:
            report.errors.append(RowError(first_n, "bloc_kind", f"bloc {code} is a {bloc.kind}"))
            bad_group = True
        years = await store.bloc_years(uow.con, bloc.bloc_id) if bloc else {}
        by = years.get(year)
        others = await store.memberships_elsewhere(
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
                await store.save_bloc(uow.con, bloc)
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
                await store.save_bloc_year(uow.con, by)
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
                await store.save_bloc_year(uow.con, by)
            report.imported += len(rows_ok)
        except DomainError as e:
            report.errors.extend(_domain_errors("bloc-memberships", group[0][0], e))


async def _targets(
    uow: UnitOfWork,
    config: RegistryConfig,
    rows: list[tuple[int, Any]],
    report: Report,
    write: bool,
    mode: str,
) -> None:
    # no tree lock: campaign rows are locked first, as the launch does (one lock order)
    tree = await store.load_tree(uow.con)
    ends = await store.unit_ends(uow.con, tree.closures)
    campaigns: dict[str, tuple[c.Campaign, set[UUID], list[c.Target]] | None] = {}
    new: dict[UUID, list[c.Target]] = {}
    for n, r in rows:
        if r.campaign_code not in campaigns:
            cid = await store.campaign_id_by_code(uow.con, r.campaign_code)
            x = await store.get_campaign(uow.con, cid, lock=True) if cid else None
            if x is None:
                campaigns[r.campaign_code] = None
            else:
                participants, _ = await store.participants(uow.con, x)
                campaigns[r.campaign_code] = (
                    x,
                    set(participants),
                    await store.targets_of(uow.con, x.campaign_id),
                )
        entry = campaigns[r.campaign_code]
        if entry is None:
            report.errors.append(RowError(n, "campaign_code", "no campaign has this code"))
            continue
        x, participants, existing = entry
        unit_id = tree.by_code(r.unit_code)
        if unit_id is None:
            report.errors.append(RowError(n, "unit_code", "no unit has this code"))
            continue
        t = c.Target(
            uuid4(),
            x.campaign_id,
            unit_id,
            r.name,
            r.metric,
            r.unit_of_measure,
            r.target_value,
            r.direction,
            r.deadline,
            r.weight,
            r.indicator_code,
            allow_negative=r.allow_negative,
        )
        same = next((e for e in existing if e.unit_id == unit_id and e.name == r.name), None)
        if same is not None and same.target_id not in {
            y.target_id for y in new.get(x.campaign_id, [])
        }:
            if same.terms == t.terms:
                report.unchanged += 1
            else:
                report.errors.append(
                    RowError(
                        n,
                        "name",
                        "the unit already has a target of this "
                        "name with other terms; revise it through the "
                        "API",
                    )
                )
            continue
        try:
            t = c.assign(x, t, participants, existing, ends)
        except DomainError as e:
            if e.code == "duplicate":
                report.errors.append(RowError(n, "name", "the same target is on another row"))
            else:
                report.errors.extend(_domain_errors("targets", n, e))
            continue
        existing.append(t)
        new.setdefault(x.campaign_id, []).append(t)
        report.imported += 1
    if may_write(report, write, mode):
        for cid, targets in new.items():
            x = next(e[0] for e in campaigns.values() if e and e[0].campaign_id == cid)
            await store.save_targets(uow.con, targets, record_revision=x.state == "launched")
            if x.state == "launched":
                await uow.publish_all(events.target_assigned(t) for t in targets)


# ---- exporting -------------------------------------------------------------------------------

EXPORT_COLUMNS: dict[str, list[str]] = {
    kind: [n for n in model.model_fields if not (kind == "people" and n == "citizen_id")]
    for kind, model in ROW_MODELS.items()
}


async def export_rows(
    con: asyncpg.Connection,
    kind: str,
    *,
    as_of: date,
    year: int | None = None,
    campaign_id: UUID | None = None,
) -> list[list[Any]]:
    """The rows of an export, in the columns of the import."""
    if kind == "units":
        tree = await store.load_tree(con)
        out = []
        for v in sorted(tree.snapshot(as_of), key=lambda v: v.code):
            parent = tree.code(v.parent_id) if v.parent_id else None
            out.append([v.code, v.name, v.kind, v.level, parent, v.valid_from, v.valid_to])
        return out
    if kind == "people":
        rows = await con.fetch(
            "SELECT pe.code, pv.full_name, pe.gender, pe.birth_year, u.code AS unit_code,"
            " pv.position, pv.valid_from FROM person_versions pv JOIN people pe"
            " ON pe.id = pv.person_id JOIN units u ON u.id = pv.unit_id WHERE pv.valid_from <= $1"
            " AND (pv.valid_to IS NULL OR pv.valid_to > $1) ORDER BY u.code, pv.name_key",
            as_of,
        )
        return [list(r.values()) for r in rows]
    if kind == "bloc-memberships":
        # every member of the year, with the dates of its membership (those who left too)
        rows = await con.fetch(
            "SELECT bl.code, bl.name, bl.kind, y.year, u.code AS unit_code,"
            " CASE WHEN m.left_on IS NOT NULL THEN 'member'"
            " WHEN y.head_unit_id = m.unit_id THEN 'head'"
            " WHEN y.deputy_unit_id = m.unit_id THEN 'deputy' ELSE 'member' END,"
            " m.joined_on, m.left_on, y.scoring_scheme_ref FROM bloc_members m"
            " JOIN bloc_years y ON y.bloc_id = m.bloc_id AND y.year = m.year"
            " JOIN blocs bl ON bl.id = m.bloc_id JOIN units u ON u.id = m.unit_id"
            " WHERE m.year = $1 ORDER BY bl.code, m.joined_on, u.code",
            year or as_of.year,
        )
        return [list(r.values()) for r in rows]
    rows = await con.fetch(
        "SELECT c.code, u.code AS unit_code, t.name, t.metric, t.unit_of_measure, t.target_value,"
        " t.direction, t.weight, t.deadline, t.indicator_code, t.allow_negative FROM targets t"
        " JOIN campaigns c ON c.id = t.campaign_id JOIN units u ON u.id = t.unit_id"
        " WHERE ($1::uuid IS NULL OR t.campaign_id = $1) ORDER BY c.code, u.code, t.name",
        campaign_id,
    )
    return [list(r.values()) for r in rows]


def to_xlsx(kind: str, rows: list[list[Any]]) -> bytes:
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(kind)
    ws.append(EXPORT_COLUMNS[kind])
    for row in rows:
        ws.append(xlsx_row(ws, row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
