"""Bulk import (.xlsx, .csv) and export (.xlsx) of units, people, bloc memberships and targets."""

from __future__ import annotations

import io
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response

from servicekit.audit import PersonalRead
from servicekit.imports import FILE_BODY, RESPONSES, XLSX, DryRun, Mode, answer
from servicekit.text import xlsx_row
from services.registry import store
from services.registry.api.common import PROBLEMS, Admin, Config, ReadCon, Today, Uow
from services.registry.commands import imports
from services.registry.commands.imports.rows import EXPORT_COLUMNS

router = APIRouter(tags=["import and export"], responses=PROBLEMS)

Kind = Annotated[
    str,
    Path(
        pattern="^(units|people|bloc-memberships|targets)$",
        description="units, people, bloc-memberships or targets",
    ),
]


@router.post(
    "/imports/{kind}",
    summary="Import a file: every row validated, a row-by-row report",
    description="The columns are those of the export (GET /exports/{kind}).",
    openapi_extra=FILE_BODY,
    responses=RESPONSES,
)
async def import_file(
    kind: Kind,
    request: Request,
    uow: Uow,
    cfg: Config,
    _: Admin,
    mode: Mode = "all",
    dry_run: DryRun = False,
) -> Any:
    return await answer(
        request,
        mode,
        lambda data: imports.run(uow, cfg, kind, data, mode=mode, dry_run=dry_run),
    )


@router.get(
    "/exports/{kind}",
    summary="Export a list as .xlsx (the columns of the import)",
    response_class=Response,
    responses={200: {"content": {XLSX: {}}}},
    dependencies=[PersonalRead],  # lists of people, and the units they work in
)
async def export_file(
    kind: Kind,
    con: ReadCon,
    _: Admin,
    today: Today,
    as_of: Annotated[date | None, Query(description="Units and people as of this day")] = None,
    year: Annotated[int | None, Query(ge=1945, le=2100, description="Bloc memberships")] = None,
    campaign_id: Annotated[UUID | None, Query(description="Targets of one campaign")] = None,
) -> Response:
    rows = await store.exports.export_rows(
        con, kind, as_of=as_of or today, year=year, campaign_id=campaign_id
    )
    if kind == "bloc-memberships":  # a year's list: named by the year asked for
        name = f"{kind}-{year or (as_of or today).year}.xlsx"
    else:
        name = f"{kind}-{(as_of or today).isoformat()}.xlsx"
    return Response(
        to_xlsx(kind, rows),
        media_type=XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


def to_xlsx(kind: str, rows: list[list[Any]]) -> bytes:
    """An export's workbook: one sheet, the import's columns as its header."""
    from openpyxl import Workbook

    wb = Workbook(write_only=True)
    ws = wb.create_sheet(kind)
    ws.append(EXPORT_COLUMNS[kind])
    for row in rows:
        ws.append(xlsx_row(ws, row))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
