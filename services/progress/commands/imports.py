"""Reports from files (.xlsx or .csv), one report per row: each row checked as `POST /reports`
checks a report (`commands.reports.check`) and stored as it stores them
(`commands.reports.record`). A row names its target by `target_id` or by campaign, unit and name
(or indicator code), and has a natural key (`report_ref`, or the target, `as_of`, `value` and
`submitted_on`), so a re-import stores nothing twice. Reading files and running an import are
servicekit/imports.py's. See the service README, "Reports from files"."""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import BeforeValidator, Field

from servicekit import imports
from servicekit.imports import (
    Cell,
    DateCell,
    OptDateCell,
    Report,
    Row,
    RowError,
    blank_to_none,
    may_write,
    to_float,
)
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from servicekit.vietnamese import fold
from services.progress import commands, store
from services.progress.config import Clock, ProgressConfig
from services.progress.domain import FieldProblem, as_decimal

KIND = "reports"


def _refs(v: Any) -> Any:
    """Evidence references in one cell, separated by semicolons or line breaks: a reference may
    hold spaces, as people cite documents ("Tờ trình số 15/TTr-SKHCN; QĐ 15/QĐ-SKHCN")."""
    v = blank_to_none(v)
    if isinstance(v, str):
        return [r.strip() for r in re.split(r"[;\r\n]+", v) if r.strip()]
    return [] if v is None else v


class ReportRow(Row):
    report_ref: Annotated[str | None, Field(max_length=200), BeforeValidator(blank_to_none)] = None
    """The unit's own reference of the report (its dispatch number…): the row's natural key."""
    target_id: Annotated[UUID | None, BeforeValidator(blank_to_none)] = None
    campaign_code: Cell = None
    unit_code: Cell = None
    target_name: Cell = None
    indicator_code: Cell = None
    value: Annotated[float, Field(allow_inf_nan=False), BeforeValidator(to_float)]
    as_of: DateCell
    submitted_on: OptDateCell = None
    note: Cell = None
    evidence: Annotated[list[str], BeforeValidator(_refs)] = Field(default_factory=list)
    occasion: Cell = None
    """The occasion the achievement is dedicated to: its code in the registry, or its id."""


# Vietnamese headers understood, after folding (no accents, lower case, "_" for spaces).
ALIASES: dict[str, str] = {
    "so_hieu_bao_cao": "report_ref",
    "so_bao_cao": "report_ref",
    "ma_bao_cao": "report_ref",
    "ma_dot_thi_dua": "campaign_code",
    "ma_don_vi": "unit_code",
    "ten_chi_tieu": "target_name",
    "ma_chi_so": "indicator_code",
    "gia_tri": "value",
    "ket_qua": "value",
    "so_lieu_den_ngay": "as_of",
    "den_ngay": "as_of",
    "ngay_gui": "submitted_on",
    "ngay_nop": "submitted_on",
    "ghi_chu": "note",
    "tai_lieu": "evidence",
    "minh_chung": "evidence",
    "occasion_id": "occasion",
    "dip_chao_mung": "occasion",
    "ma_dip_chao_mung": "occasion",
    "dip": "occasion",
}

# the domain's fields (FieldProblem.field) → the file's columns; the target's is the row's own
_COLUMNS = {
    "value": "value",
    "as_of": "as_of",
    "note": "note",
    "submitted_on": "submitted_on",
    "occasion_id": "occasion",
}


def parse(data: bytes, max_rows: int) -> imports.Parsed:
    return imports.parse(ReportRow, ALIASES, data, max_rows)


async def run(
    uow: UnitOfWork,
    config: ProgressConfig,
    clock: Clock,
    data: bytes,
    *,
    acting_unit: UUID | None,
    may_backdate: bool,
    may_report_for: Callable[[UUID], bool] | None = None,
    mode: str = "all",
    dry_run: bool = False,
) -> Report:
    """Validate and (unless `dry_run`, or `mode="all"` with a bad row) import a reports file in
    the caller's transaction. `acting_unit`, `may_backdate`: the caller's, as for POST /reports
    (an officer imports their unit's reports, without submission days)."""

    async def rows(good: list[tuple[int, Any]], report: Report, write: bool) -> None:
        found, occasions = await _occasions(uow, await _targets(uow, good, report), report)
        keyed = await _keys(uow, found, occasions, report)
        items: list[commands.reports.ReportInput | list[FieldProblem]] = []
        numbers: list[tuple[int, ReportRow, str, str]] = []
        refused = commands.reports.BACKDATE_REFUSED
        for n, r, target_id, key, digest in keyed:
            if r.submitted_on is not None and not may_backdate:
                report.errors.append(RowError(n, "submitted_on", refused.message))
                continue
            items.append(_input(r, target_id, occasions.get(n)))
            numbers.append((n, r, key, digest))
        checked = await commands.reports.check(
            uow.con, clock, items, acting_unit=acting_unit, may_report_for=may_report_for
        )
        accepted = []
        for (n, r, key, digest), outcome in zip(numbers, checked.outcomes, strict=True):
            if outcome.report is None:
                report.errors += [RowError(n, _column(p, r), p.message) for p in outcome.problems]
            else:
                accepted.append((key, outcome.report.id, digest))
        if may_write(report, write, mode):
            await commands.reports.record(uow, checked)
            await store.imports.save_imported_keys(uow.con, accepted)
            report.imported = len(accepted)

    return await imports.run(
        uow.con,
        KIND,
        data,
        parse=parse,
        importer=rows,
        max_rows=config.import_max_rows,
        mode=mode,
        dry_run=dry_run,
    )


def _input(r: ReportRow, target_id: UUID, occasion: UUID | None) -> commands.reports.ReportInput:
    return commands.reports.ReportInput(
        target_id=target_id,
        value=r.value,
        as_of=r.as_of,
        note=r.note,
        evidence=r.evidence,
        submitted_on=r.submitted_on,
        occasion_id=occasion,
    )


def _target_column(r: ReportRow) -> str:
    if r.target_id is not None:
        return "target_id"
    return "target_name" if r.target_name is not None else "indicator_code"


def _column(p: FieldProblem, r: ReportRow) -> str | None:
    if p.field == "target_id":
        return _target_column(r)
    if p.field.startswith("evidence"):
        return "evidence"
    return _COLUMNS.get(p.field)


async def _targets(
    uow: UnitOfWork, rows: Sequence[tuple[int, ReportRow]], report: Report
) -> list[tuple[int, ReportRow, UUID]]:
    """Each row's target: its `target_id`, or the one its campaign, unit and name (or indicator
    code) name. A row naming none, or an unknown one, is an error in the column at fault."""
    codes = sorted({r.campaign_code for _, r in rows if r.target_id is None and r.campaign_code})
    known = await store.imports.targets_by_code(uow.con, codes) if codes else []
    campaigns = {t["campaign_code"] for t in known}
    units = {(t["campaign_code"], t["unit_code"]) for t in known}
    by_name: dict[tuple[str, str, str], list[UUID]] = {}
    by_indicator: dict[tuple[str, str, str], list[UUID]] = {}
    for t in known:
        place = (t["campaign_code"], t["unit_code"])
        by_name.setdefault((*place, fold(t["name"])), []).append(t["target_id"])
        if t["indicator_code"]:
            by_indicator.setdefault((*place, t["indicator_code"]), []).append(t["target_id"])
    out = []
    for n, r in rows:
        if r.target_id is not None:
            out.append((n, r, r.target_id))
            continue
        named = r.target_name is not None or r.indicator_code is not None
        if not (r.campaign_code and r.unit_code and named):
            report.errors.append(RowError(n, "target_name", NO_TARGET))
            continue
        if r.campaign_code not in campaigns:
            report.errors.append(RowError(n, "campaign_code", "no campaign has this code"))
            continue
        if (r.campaign_code, r.unit_code) not in units:
            report.errors.append(
                RowError(n, "unit_code", "no unit with this code has targets in this campaign")
            )
            continue
        if r.target_name is not None:
            ids = by_name.get((r.campaign_code, r.unit_code, fold(r.target_name)), [])
        else:
            ids = by_indicator.get((r.campaign_code, r.unit_code, str(r.indicator_code)), [])
        if len(ids) != 1:
            problem = "no target of this unit in this campaign is named so"
            report.errors.append(RowError(n, _target_column(r), problem if not ids else AMBIGUOUS))
            continue
        out.append((n, r, ids[0]))
    return out


async def _occasions(
    uow: UnitOfWork, rows: list[tuple[int, ReportRow, UUID]], report: Report
) -> tuple[list[tuple[int, ReportRow, UUID]], dict[int, UUID]]:
    """The occasion each row names (by row number), by its id or its code as the registry names
    it (matched without case). An unknown code is an error in the `occasion` column; whether the
    campaign is dedicated to it is the report's check (`check_occasion`)."""
    codes = sorted({r.occasion.upper() for _, r, _ in rows if r.occasion and not _uuid(r.occasion)})
    known = await store.occasions.occasions_by_code(uow.con, codes) if codes else {}
    out, named = [], {}
    for n, r, t in rows:
        if r.occasion is not None:
            occasion = _uuid(r.occasion) or known.get(r.occasion.upper())
            if occasion is None:
                report.errors.append(RowError(n, "occasion", "no occasion has this code"))
                continue
            named[n] = occasion
        out.append((n, r, t))
    return out, named


def _uuid(cell: str) -> UUID | None:
    try:
        return UUID(cell)
    except ValueError:
        return None


NO_TARGET = (
    "name the target: target_id, or campaign_code, unit_code and target_name (or indicator_code)"
)
AMBIGUOUS = "several targets of this unit in this campaign answer to it: give target_id"


async def _keys(
    uow: UnitOfWork,
    rows: list[tuple[int, ReportRow, UUID]],
    occasions: dict[int, UUID],
    report: Report,
) -> list[tuple[int, ReportRow, UUID, str, str]]:
    """The rows to import, each with its natural key and digest; rows imported before with the
    same data count as unchanged, with other data (or twice in the file) are errors."""
    keyed = [(n, r, t, _key(r, t), _digest(r, t, occasions.get(n))) for n, r, t in rows]
    before = await store.imports.imported_keys(uow.con, [k for *_, k, _ in keyed])
    first_row: dict[str, int] = {}
    out = []
    for n, r, t, key, digest in keyed:
        column = "report_ref" if r.report_ref is not None else "value"
        if key in first_row:
            report.errors.append(
                RowError(n, column, Msg("the same report is on row {row}", row=first_row[key]))
            )
            continue
        first_row[key] = n
        if key in before:
            if before[key] == digest:
                report.unchanged += 1
            else:
                report.errors.append(RowError(n, column, CHANGED))
            continue
        out.append((n, r, t, key, digest))
    return out


CHANGED = (
    "a report was imported under this key with other data; correct it through the API "
    "(a correction names the report it supersedes)"
)


def _key(r: ReportRow, target_id: UUID) -> str:
    if r.report_ref is not None:
        return f"{target_id}|ref|{r.report_ref}"
    return f"{target_id}|{r.as_of}|{as_decimal(r.value)}|{r.submitted_on or ''}"


def _digest(r: ReportRow, target_id: UUID, occasion: UUID | None) -> str:
    said: list[Any] = [str(target_id), str(as_decimal(r.value)), _day(r.as_of)]
    said += [_day(r.submitted_on), r.note, r.evidence]
    if occasion is not None:  # only then: the digests of rows naming none stay as they were
        said.append(str(occasion))
    return hashlib.sha256(json.dumps(said, ensure_ascii=False).encode()).hexdigest()


def _day(d: date | None) -> str | None:
    return d.isoformat() if d else None
