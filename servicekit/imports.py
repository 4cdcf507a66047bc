"""File imports shared by the services: reading .xlsx and .csv into rows, parsing cells, checking
rows against a pydantic model, the row-by-row report, and the run that ties them together (the
same file twice answers its first report and writes nothing). What a row *means* is each
service's own (services/registry/commands/imports/, services/progress/commands/imports.py).

Rows are numbered as a spreadsheet shows them: the header is row 1. By default nothing is
written when any row is bad (`mode="all"`); on request (`mode="valid"`) the valid rows are and
the bad ones reported; a dry run writes nothing. Headers are matched without accents, case or
spacing, and each service lists the Vietnamese headers it understands.
"""

from __future__ import annotations

import asyncio
import csv
import hashlib
import io
import json
import unicodedata
import zipfile
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Annotated, Any

import asyncpg
from fastapi import Query, Request
from fastapi.responses import JSONResponse
from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from servicekit.messages import (
    SOURCE,
    Msg,
    from_json,
    language_of,
    pydantic_message,
    to_json,
    translate,
)
from servicekit.problems import Problem
from servicekit.text import check_text
from servicekit.vietnamese import fold, parse_number

MODES = ("all", "valid")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
MAX_ERRORS = 1000


class ImportFileError(ValueError):
    """The file as a whole cannot be read (not CSV/XLSX, no header, missing columns…)."""


@dataclass(frozen=True)
class RowError:
    row: int
    column: str | None
    problem: str


@dataclass
class Report:
    kind: str
    sha256: str
    mode: str
    dry_run: bool
    rows: int = 0
    valid: int = 0
    invalid: int = 0
    imported: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    replayed: bool = False

    def as_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["errors"] = d["errors"][:MAX_ERRORS]
        d["errors_truncated"] = len(self.errors) > MAX_ERRORS
        return d

    @property
    def ok(self) -> bool:
        return not self.errors


# ---- reading files ---------------------------------------------------------------------------


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def header_key(h: Any) -> str:
    text = fold(str(h or "")).replace("-", " ").replace(".", " ")
    return "_".join(text.split())


MAX_INFLATED = 256 << 20
"""Bytes an .xlsx may inflate to (all its members): a zip bomb declares gigabytes."""
MAX_COLUMNS = 200
"""Columns read from a sheet; an import's files have a few dozen at most."""
EXCEL_ROWS, EXCEL_COLUMNS = 1_048_576, 16_384  # a sheet's bounds in the file format


def read_rows(data: bytes, max_rows: int) -> tuple[list[str], list[tuple[int, dict[str, Any]]]]:
    """(normalised headers, [(row number, {header: value})]) of the first sheet of an .xlsx or of
    a .csv (UTF-8, with or without BOM; comma, semicolon or tab separated). Blank rows are
    skipped. Read as a stream that stops once more than `max_rows` rows (after the header) are
    seen, so a huge file costs no more than the limit; blocking: call it off the event loop."""
    raw = iter(_xlsx_rows(data) if data[:4] == b"PK\x03\x04" else _csv_rows(data))
    try:
        number, header = next(raw)
    except StopIteration:
        raise ImportFileError("the file is empty") from None
    headers = [header_key(h) for h in header]
    while headers and not headers[-1]:  # a sheet's rows come padded with empty cells
        headers.pop()
    if not any(headers):
        raise ImportFileError("the first row must name the columns")
    rows: list[tuple[int, dict[str, Any]]] = []
    for number, values in raw:
        if all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if len(rows) == max_rows:
            raise ImportFileError(
                Msg(
                    "the file has more than {max_rows} rows (row {row} is past the limit);"
                    " at most {max_rows} are imported at once",
                    max_rows=max_rows,
                    row=number,
                )
            )
        rows.append((number, {h: v for h, v in zip(headers, values, strict=False) if h}))
    return headers, rows


def _csv_rows(data: bytes) -> Iterable[tuple[int, list[Any]]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError("a .csv file must be UTF-8 encoded") from None
    first = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=first.count)
    try:
        yield from enumerate(csv.reader(io.StringIO(text), delimiter=delimiter), start=1)
    except csv.Error as e:
        raise ImportFileError(Msg("not a readable .csv file: {error}", error=str(e))) from None


def _xlsx_rows(data: bytes) -> Iterable[tuple[int, list[Any]]]:
    """The first sheet's rows, streamed (openpyxl's read-only mode parses the sheet's XML as it
    goes). The sizes the file declares are checked first: what its members inflate to, and the
    sheet's dimension, which openpyxl would otherwise pad every row to. Rows are cut at
    MAX_COLUMNS cells, so a cell in the sheet's last column cannot make every row 16,384 wide."""
    from openpyxl import load_workbook
    from openpyxl.worksheet._read_only import ReadOnlyWorksheet

    ReadOnlyWorksheet._get_size = _sheet_size  # once is enough; see _sheet_size
    _check_zip(data)
    try:
        wb = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        ws = wb.worksheets[0]
    except Exception as e:  # openpyxl raises many kinds on a broken zip or workbook
        raise ImportFileError(Msg("not a readable .xlsx workbook ({why})", why=_why(e))) from None
    try:
        rows, columns = ws.max_row or 0, ws.max_column or 0
        if rows > EXCEL_ROWS or columns > EXCEL_COLUMNS:
            raise ImportFileError(
                Msg(
                    "the sheet declares {rows} rows and {columns} columns, beyond what a"
                    " spreadsheet holds ({max_rows} × {max_columns})",
                    rows=rows,
                    columns=columns,
                    max_rows=EXCEL_ROWS,
                    max_columns=EXCEL_COLUMNS,
                )
            )
        ws.reset_dimensions()  # do not pad rows to the declared size: read what is there
        number = 0
        try:
            for number, row in enumerate(
                ws.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1
            ):
                if number > EXCEL_ROWS:
                    raise ImportFileError(Msg("the sheet has rows past row {row}", row=EXCEL_ROWS))
                if row.count(None) < len(row):  # blank rows (and gaps) cost no more here
                    yield number, list(row)
        except ImportFileError:
            raise
        except Exception as e:  # a malformed sheet: its XML, a cell reference, a value
            raise ImportFileError(
                Msg(
                    "not a readable .xlsx workbook: the sheet is malformed past row {row} ({why})",
                    row=number,
                    why=_why(e),
                )
            ) from None
    finally:
        wb.close()


def _sheet_size(ws: Any) -> None:
    """openpyxl's own look for a read-only sheet's <dimension> waits for <sheetData>'s *end*, so
    a sheet without one (as the bombs are written) was parsed whole before its first row was
    read: 300,000 rows, 8 s. This stops at <sheetData>'s start."""
    from openpyxl.worksheet._reader import DATA_TAG, DIMENSION_TAG
    from openpyxl.worksheet.dimensions import SheetDimension
    from openpyxl.xml.functions import iterparse

    with ws._get_source() as src:
        for _event, element in iterparse(src, events=("start",)):
            if element.tag == DIMENSION_TAG:
                bounds = SheetDimension(ref=element.get("ref")).boundaries
                ws._min_column, ws._min_row, ws._max_column, ws._max_row = bounds
                return
            if element.tag == DATA_TAG:
                return


def _check_zip(data: bytes) -> None:
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            members = z.infolist()
    except (zipfile.BadZipFile, ValueError) as e:
        raise ImportFileError(Msg("not a readable .xlsx workbook ({why})", why=_why(e))) from None
    total = 0
    for m in members:
        total += m.file_size
        if total > MAX_INFLATED:
            raise ImportFileError(
                Msg(
                    "not a plausible .xlsx workbook: {member!r} inflates to {size} bytes"
                    " (at most {limit} for the whole file)",
                    member=m.filename[:100],
                    size=m.file_size,
                    limit=MAX_INFLATED,
                )
            )


def _why(e: Exception) -> str:
    """An exception named for the problem's detail: its kind and first words, bounded."""
    text = " ".join(str(e).split())[:160]
    if isinstance(e, SyntaxError) or "ParseError" in type(e).__name__:
        return f"broken XML: {text}"
    return f"{type(e).__name__}: {text}" if text else type(e).__name__


# ---- cell parsing ----------------------------------------------------------------------------


def blank_to_none(v: Any) -> Any:
    if v is None:
        return None
    if isinstance(v, str):
        v = unicodedata.normalize("NFC", check_text(v)).strip()
        return v or None
    return v


def to_date(v: Any) -> Any:
    v = blank_to_none(v)
    if isinstance(v, datetime):
        return v.date()
    if isinstance(v, str) and "/" in v:  # dd/mm/yyyy, as Vietnamese write dates
        try:
            d, m, y = (int(x) for x in v.split("/"))
            return date(y, m, d)
        except ValueError:
            raise ValueError("a date is written YYYY-MM-DD or DD/MM/YYYY") from None
    return v


def to_int(v: Any) -> Any:
    v = blank_to_none(v)
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def to_float(v: Any) -> Any:
    """A number cell: .xlsx numbers as they are; text as Vietnamese write it ("5.300" is 5300,
    "92,5" is 92.5), else as a machine writes it ("92.5") for the model to read or refuse."""
    v = blank_to_none(v)
    if isinstance(v, str):
        number = parse_number(v)
        return float(number) if number is not None else v.strip()
    return v


def choice(aliases: dict[str, str]) -> Callable[[Any], Any]:
    def parse(v: Any) -> Any:
        v = blank_to_none(v)
        if isinstance(v, str):
            return aliases.get(header_key(v), v)
        return v

    return parse


_YES = {"true", "yes", "1", "x", "co", "dung"}
_NO = {"false", "no", "0", "khong", "sai"}


def to_bool(v: Any) -> Any:
    """A yes/no cell: .xlsx booleans, true/false, có/không, 1/0, x; blank is no."""
    v = blank_to_none(v)
    if v is None:
        return False
    if isinstance(v, bool):
        return v
    key = header_key(int(v) if isinstance(v, float) and v.is_integer() else v)
    if key in _YES:
        return True
    if key in _NO:
        return False
    raise ValueError("a yes/no column is written true or false (có or không, 1 or 0)")


Cell = Annotated[str | None, BeforeValidator(blank_to_none)]
DateCell = Annotated[date, BeforeValidator(to_date)]
OptDateCell = Annotated[date | None, BeforeValidator(to_date)]


class Row(BaseModel):
    model_config = ConfigDict(extra="ignore")


def parse(
    model: type[Row], aliases: dict[str, str], data: bytes, max_rows: int
) -> tuple[list[tuple[int, Any]], list[RowError], int]:
    """Rows parsed into `model`, headers read through `aliases` (folded Vietnamese → field):
    ([(row number, row)], errors, number of rows). More than `max_rows` rows: ImportFileError.
    Blocking (it reads the whole file): call it off the event loop."""
    headers, raw = read_rows(data, max_rows)
    mapped = [aliases.get(h, h) for h in headers]
    required = [n for n, f in model.model_fields.items() if f.is_required()]
    missing = [n for n in required if n not in mapped]
    if missing:
        raise ImportFileError(Msg("missing column(s): {columns}", columns=", ".join(missing)))
    good, errors = [], []
    for number, values in raw:
        row = {aliases.get(k, k): v for k, v in values.items()}
        try:
            good.append((number, model.model_validate(row)))
        except ValidationError as e:
            for err in e.errors(include_url=False):
                column = str(err["loc"][0]) if err["loc"] else None
                problem: str = pydantic_message(err)
                if err["type"] == "missing" or (
                    err.get("input") is None and err["type"].endswith("_type")
                ):  # a blank cell reads as None: a required column left empty
                    problem = Msg("required, but empty")
                errors.append(RowError(number, column, problem))
    return good, errors, len(raw)


# ---- running an import -----------------------------------------------------------------------

Parsed = tuple[list[tuple[int, Any]], list[RowError], int]
Parser = Callable[[bytes, int], Parsed]
"""(file, row limit) → parsed rows: the service's `parse` over its row model."""
Importer = Callable[[list[tuple[int, Any]], Report, bool], Awaitable[None]]
"""(good rows, the report to add errors and counts to, whether it may write) → None. It checks
every row and, if `may_write(report, write, mode)` after checking, writes."""


async def run(
    con: asyncpg.Connection,
    kind: str,
    data: bytes,
    *,
    parse: Parser,
    importer: Importer,
    max_rows: int,
    mode: str = "all",
    dry_run: bool = False,
) -> Report:
    """Validate and (unless `dry_run`, or `mode="all"` with a bad row) import a file, in the
    caller's transaction. The same file again (by SHA-256 and mode) answers its first report."""
    digest = sha256(data)
    if not dry_run:
        previous = await import_record(con, kind, digest, mode)
        if previous is not None:
            return stored_report(previous)
    report = Report(kind, digest, mode, dry_run)
    # Parsing is CPU work of up to max_rows rows: in a thread, so the service keeps answering.
    rows, errors, report.rows = await asyncio.to_thread(parse, data, max_rows)
    report.errors.extend(errors)
    bad = {e.row for e in errors}
    write = not dry_run
    # all-or-nothing: a bad row anywhere means nothing is written, but every row is still checked
    await importer([(n, r) for n, r in rows if n not in bad], report, write)
    report.errors.sort(key=lambda e: (e.row, e.column or ""))
    bad = {e.row for e in report.errors}
    report.invalid = len(bad)
    report.valid = report.rows - report.invalid
    if not write or (mode == "all" and report.errors):
        report.imported = 0
    if write and (mode == "valid" or not report.errors):
        await save_import_record(con, kind, digest, mode, to_store(report))
    return report


def to_store(report: Report) -> dict[str, Any]:
    """The report as kept for the same file again: each row's problem as its English text and as
    its message (template and parameters), so the answer again is in the asker's language."""
    body = report.as_dict()
    body["errors"] = [
        {**e, "message": to_json(err.problem)}
        for e, err in zip(body["errors"], report.errors, strict=False)
    ]
    return body


def stored_report(stored: dict[str, Any]) -> Report:
    """A report kept by `to_store`, as it was answered (replayed). A report kept before the
    messages were (no `message`) answers its English texts, the catalogue translating the
    literal ones."""
    stored = {**stored, "replayed": True}
    stored["errors"] = [
        RowError(e["row"], e["column"], from_json(e.get("message")) or e["problem"])
        for e in stored["errors"]
    ]
    stored.pop("errors_truncated", None)
    return Report(**stored)


def may_write(report: Report, write: bool, mode: str) -> bool:
    return write and (mode == "valid" or not report.errors)


# The `import_files` table each importing service has (the same columns): files imported, so
# that importing the same file again changes nothing and answers the same.


async def import_record(con: asyncpg.Connection, kind: str, sha256: str, mode: str) -> Any:
    raw = await con.fetchval(
        "SELECT report FROM import_files WHERE kind = $1 AND sha256 = $2 AND mode = $3",
        kind,
        sha256,
        mode,
    )
    return json.loads(raw) if raw is not None else None


async def save_import_record(
    con: asyncpg.Connection, kind: str, sha256: str, mode: str, report: dict[str, Any]
) -> None:
    await con.execute(
        "INSERT INTO import_files (kind, sha256, mode, report) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT DO NOTHING",
        kind,
        sha256,
        mode,
        json.dumps(report, ensure_ascii=False, default=str),
    )


# ---- the HTTP answer -------------------------------------------------------------------------


async def answer(
    request: Request, mode: str, run_on: Callable[[bytes], Awaitable[Report]]
) -> JSONResponse:
    """The import endpoint's answer: the body is the file (not multipart); the report, or a 422
    problem when the file is unreadable or, with mode=all, when rows are bad (nothing written;
    `errors` list each row, column and problem, `report` the whole report)."""
    data = await request.body()
    if not data:
        raise Problem(
            422, "Invalid request", "the body must be the file to import", type="validation"
        )
    try:
        report = await run_on(data)
    except ImportFileError as e:
        detail = e.args[0] if e.args and isinstance(e.args[0], str) else str(e)
        raise Problem(422, "Unreadable file", detail, type="import-file") from None
    lang = language_of(request)
    body = localized_report(report.as_dict(), lang)
    if mode == "all" and not report.ok:
        raise Problem(
            422,
            "Invalid rows",
            Msg(
                "{invalid} of {rows} rows have errors; nothing was imported",
                invalid=report.invalid,
                rows=report.rows,
            ),
            type="import-rows",
            errors=[
                {"in": "body", "row": e["row"], "column": e["column"], "detail": e["problem"]}
                for e in body["errors"]
            ],
            report=body,
        )
    return JSONResponse(body, headers={"Content-Language": lang})


def localized_report(body: dict[str, Any], lang: str) -> dict[str, Any]:
    """An import report whose rows' problems are in `lang`."""
    if lang == SOURCE:
        return body
    errors = [{**e, "problem": translate(e["problem"], lang)} for e in body["errors"]]
    return {**body, "errors": errors}


Mode = Annotated[
    str,
    Query(
        pattern="^(all|valid)$",
        description="all: nothing is imported if any row is bad; valid: the valid rows are",
    ),
]
DryRun = Annotated[bool, Query(description="Validate only")]
"""The import endpoint's query parameters (defaults "all" and False)."""

FILE_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file itself (not multipart): an .xlsx workbook (first sheet) or a "
        "UTF-8 .csv, first row the column names (the endpoint's description lists them).",
        "content": {
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}
"""The OpenAPI request body of an import endpoint (`openapi_extra`)."""
RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"description": "The report (also for a dry run or mode=valid)"},
    422: {
        "description": "mode=all and some rows are bad: nothing imported; the problem's `errors` "
        "list each row, column and problem"
    },
}
"""An import endpoint's answers besides the service's common problems."""
