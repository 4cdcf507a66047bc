"""Importing the award history of the years before the system existed, from .xlsx or .csv, with
a row-by-row report: screening for multi-year titles (CSTĐ cấp tỉnh, Bằng khen…) needs the
titles and forms already conferred. The columns and modes: README, "Award history import"."""

from __future__ import annotations

import asyncio
import hashlib
import json
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from servicekit import imports
from servicekit.imports import ImportFileError, Report, RowError, stored_report, to_store
from servicekit.labels import AWARD_NAMES
from servicekit.text import CELL, forbidden_char, refusal
from servicekit.vietnamese import fold
from services.awards.domain.vocabulary import AWARD_KINDS
from services.awards.store import history as history_db

KIND = "award-history"
MAX_ROWS = 200_000


_header = imports.header_key  # headers and award names compared without accents or case


ALIASES = {
    "subject_kind": ("subject_kind", "kind", "loai", "doi_tuong", "loai_doi_tuong"),
    "person_id": ("person_id", "ma_ca_nhan"),
    "full_name": ("full_name", "ho_va_ten", "ho_ten"),
    "unit_code": ("unit_code", "ma_don_vi"),
    "unit_id": ("unit_id", "ma_id_don_vi"),
    "award_code": ("award_code", "ma_danh_hieu", "danh_hieu", "hinh_thuc", "danh_hieu_hinh_thuc"),
    "year": ("year", "nam", "nam_thanh_tich"),
    "period_start": ("period_start", "tu_ngay"),
    "period_end": ("period_end", "den_ngay"),
    "decision_number": ("decision_number", "so_quyet_dinh", "so_qd"),
    "decided_on": ("decided_on", "ngay_quyet_dinh", "ngay_qd"),
}
_COLUMN_OF = {alias: name for name, aliases in ALIASES.items() for alias in aliases}
_KINDS = {"person": "person", "ca_nhan": "person", "collective": "collective",
          "tap_the": "collective"}  # fmt: skip
_AWARD_BY_NAME = {_header(name): code for code, name in AWARD_NAMES.items()}


def read_rows(data: bytes) -> list[tuple[int, dict[str, Any]]]:
    """(row number, {column: value}) of the first sheet of an .xlsx or of a .csv, read by the
    services' shared reader (streamed, stopped past MAX_ROWS; blocking: call it off the event
    loop). Blank rows are skipped."""
    headers, rows = imports.read_rows(data, MAX_ROWS)
    columns = {h: _COLUMN_OF[h] for h in headers if h in _COLUMN_OF}
    if "award_code" not in columns.values():
        raise ImportFileError("no award_code column (ma_danh_hieu)")
    return [
        (number, {columns[h]: _clean(v) for h, v in values.items() if h in columns})
        for number, values in rows
    ]


def _clean(v: Any) -> Any:
    if isinstance(v, str):
        v = unicodedata.normalize("NFC", v).strip()
        return v or None
    return v


def _date(v: Any) -> date | None:
    if v is None:
        return None
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, date):
        return v
    text = str(v).strip()
    for fmt in ("%Y-%m-%d", "%d/%m/%Y", "%d-%m-%Y", "%d.%m.%Y"):
        try:
            return datetime.strptime(text, fmt).date()
        except ValueError:
            continue
    raise ValueError(f"{text!r} is not a date (YYYY-MM-DD or DD/MM/YYYY)")


def _uuid(v: Any) -> UUID | None:
    return None if v is None else UUID(str(v).strip())


@dataclass(frozen=True)
class Record:
    kind: str
    subject_id: UUID
    code: str
    start: date
    end: date
    decision_number: str | None
    decided_on: date | None


@dataclass(frozen=True)
class Lookups:
    """What the rows name, from the read model: units by code, people by unit and name."""

    units: dict[str, UUID]
    """Unit code → unit id."""
    people: dict[tuple[UUID, str], list[UUID]]
    """(unit id, full name folded) → the people of that name in that unit."""
    person_ids: dict[UUID, UUID]
    """Person id → their unit."""
    unit_ids: set[UUID]


async def _lookups(con: asyncpg.Connection) -> Lookups:
    units = {r["code"]: r["unit_id"] for r in await history_db.unit_codes(con)}
    people: dict[tuple[UUID, str], list[UUID]] = {}
    person_ids: dict[UUID, UUID] = {}
    for r in await history_db.people(con):
        people.setdefault((r["unit_id"], _name(r["full_name"])), []).append(r["person_id"])
        person_ids[r["person_id"]] = r["unit_id"]
    return Lookups(units, people, person_ids, set(units.values()))


def _name(full_name: object) -> str:
    return fold(" ".join(str(full_name).split()))


@dataclass
class _Row:
    """A row being checked: its cells, and the problems found in it so far."""

    number: int
    cells: dict[str, Any]
    errors: list[RowError]
    before: int
    """How many errors the report held before this row."""

    def err(self, column: str | None, problem: str) -> None:
        self.errors.append(RowError(self.number, column, problem))

    @property
    def clean(self) -> bool:
        return len(self.errors) == self.before


def check_row(
    number: int, cells: dict[str, Any], lookups: Lookups, errors: list[RowError]
) -> Record | None:
    """The row as an award on record, or None with its problems added to `errors`."""
    row = _Row(number, cells, errors, len(errors))
    _no_forbidden_characters(row)
    if not row.clean:
        return None
    kind = _kind(row)
    if kind is None:
        return None
    unit = _unit(row, lookups)
    subject = _person(row, lookups, unit) if kind == "person" else _collective(row, unit)
    code = _award(row, kind)
    start, end = _period(row)
    decided = _decided_on(row, start, end)
    decision_number = cells.get("decision_number")
    if not row.clean:
        return None
    # a row without problems names all of these: each step reports what it could not find
    assert subject is not None and code is not None and start and end
    return Record(
        kind, subject, code, start, end, str(decision_number) if decision_number else None, decided
    )


def _no_forbidden_characters(row: _Row) -> None:
    for column, value in row.cells.items():
        if isinstance(value, str) and (char := forbidden_char(value)):
            row.err(column, refusal(CELL, char))


def _kind(row: _Row) -> str | None:
    """Person or collective: the column, else what the row names (a person, or only a unit)."""
    cells = row.cells
    kind = _KINDS.get(_header(cells.get("subject_kind") or ""))
    if kind is None:
        has_person = cells.get("person_id") or cells.get("full_name")
        kind = "person" if has_person else "collective" if cells.get("unit_code") else None
    if kind is None:
        row.err("subject_kind", "person or collective (cá nhân / tập thể)")
    return kind


def _unit(row: _Row, lookups: Lookups) -> UUID | None:
    """The unit by its id, else by its code: the collective itself, or the person's unit."""
    unit: UUID | None = None
    try:
        unit = _uuid(row.cells.get("unit_id"))
    except ValueError:
        row.err("unit_id", "not a unit id")
    if unit is None and row.cells.get("unit_code") is not None:
        unit = lookups.units.get(str(row.cells["unit_code"]).strip())
        if unit is None:
            row.err("unit_code", "no unit with this code")
    elif unit is not None and unit not in lookups.unit_ids:
        row.err("unit_id", "no such unit")
    return unit


def _person(row: _Row, lookups: Lookups, unit: UUID | None) -> UUID | None:
    """The person by their id, else by their full name within the unit (exactly one)."""
    subject: UUID | None = None
    try:
        subject = _uuid(row.cells.get("person_id"))
    except ValueError:
        row.err("person_id", "not a person id")
    if subject is not None:
        if subject not in lookups.person_ids:
            row.err("person_id", "no such person")
    elif row.cells.get("full_name") and unit is not None:
        found = lookups.people.get((unit, _name(row.cells["full_name"])), [])
        if len(found) == 1:
            subject = found[0]
        else:
            row.err("full_name", "no person of that name in the unit" if not found
                    else "several people of that name in the unit: give person_id")  # fmt: skip
    elif row.clean:
        row.err("person_id", "person_id, or full_name with unit_code, is required")
    return subject


def _collective(row: _Row, unit: UUID | None) -> UUID | None:
    if unit is None and row.clean:
        row.err("unit_code", "unit_code or unit_id is required for a collective")
    return unit


def _award(row: _Row, kind: str) -> str | None:
    """The award by its code or its Vietnamese name, one the subject's kind receives."""
    raw_code = str(row.cells.get("award_code") or "").strip()
    code = (
        raw_code.upper()
        if raw_code.upper() in AWARD_KINDS
        else _AWARD_BY_NAME.get(_header(raw_code))
    )
    if code is None:
        row.err("award_code", "not an award code (LDTT, CSTDCS, …) or name")
    elif kind not in AWARD_KINDS[code]:
        row.err("award_code", f"{code} is not awarded to a {kind}")
    return code


def _period(row: _Row) -> tuple[date | None, date | None]:
    """The achievement period: both its ends, or the whole of a year."""
    start = end = None
    try:
        start, end = _date(row.cells.get("period_start")), _date(row.cells.get("period_end"))
    except ValueError as e:
        row.err("period_start", str(e))
    if start is None and end is None:
        return _year(row)
    if start is None or end is None:
        row.err("period_end" if end is None else "period_start", "give both ends of the period")
    elif end < start:
        row.err("period_end", "the period ends before it starts")
    return start, end


def _year(row: _Row) -> tuple[date | None, date | None]:
    year = row.cells.get("year")
    if year is None:
        row.err("year", "a year, or period_start and period_end, is required")
        return None, None
    try:
        y = int(str(year).strip())
    except ValueError:
        row.err("year", "not a year")
        return None, None
    if not 1945 <= y <= 2100:
        row.err("year", "not a plausible year")
        return None, None
    return date(y, 1, 1), date(y, 12, 31)


def _decided_on(row: _Row, start: date | None, end: date | None) -> date | None:
    """The decision's date, not before the achievement period starts (checked once the period
    has both its ends)."""
    try:
        decided = _date(row.cells.get("decided_on"))
    except ValueError as e:
        row.err("decided_on", str(e))
        return None
    if decided is not None and start is not None and end is not None and decided < start:
        row.err("decided_on", "the decision predates the achievement period")
    return decided


async def run(con: asyncpg.Connection, data: bytes, *, mode: str, dry_run: bool, by: str) -> Report:
    sha = hashlib.sha256(data).hexdigest()
    if not dry_run:
        stored = await history_db.stored_report(con, sha, mode)
        if stored is not None:
            report = json.loads(stored)
            report.setdefault("kind", KIND)  # stored before the report named its kind
            return stored_report(report)
    rows = await asyncio.to_thread(read_rows, data)  # CPU work: the service keeps answering
    report = Report(KIND, sha, mode, dry_run, rows=len(rows))
    lookups = await _lookups(con)
    records: list[Record] = []
    seen: set[tuple] = set()
    for number, row in rows:
        rec = check_row(number, row, lookups, report.errors)
        if rec is None:
            report.invalid += 1
            continue
        key = (rec.kind, rec.subject_id, rec.code, rec.end, rec.decision_number or "")
        if key in seen:
            report.errors.append(RowError(number, None, "the same award appears twice"))
            report.invalid += 1
            continue
        seen.add(key)
        records.append(rec)
    report.valid = len(records)
    if dry_run or (mode == "all" and report.errors):
        return report
    import_id = uuid4()
    report.imported = await history_db.record_imported(
        con,
        import_id,
        kinds=[r.kind for r in records],
        subjects=[r.subject_id for r in records],
        codes=[r.code for r in records],
        starts=[r.start for r in records],
        ends=[r.end for r in records],
        decided_on=[r.decided_on for r in records],
        numbers=[r.decision_number for r in records],
    )
    report.unchanged = len(records) - report.imported
    await history_db.record_import(
        con, import_id, sha, mode, by, json.dumps(to_store(report), ensure_ascii=False, default=str)
    )
    return report
