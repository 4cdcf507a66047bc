"""Bulk import (.xlsx, .csv) and export (.xlsx) of units, people, bloc memberships and targets."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Path, Query, Request, Response
from fastapi.responses import JSONResponse

from servicekit.problems import Problem
from services.registry import imports
from services.registry.api.common import PROBLEMS, Admin, Config, ReadCon, Today, Uow

router = APIRouter(tags=["import and export"], responses=PROBLEMS)

Kind = Annotated[
    str,
    Path(
        pattern="^(units|people|bloc-memberships|targets)$",
        description="units, people, bloc-memberships or targets",
    ),
]

_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file itself (not multipart): an .xlsx workbook (first sheet) or a "
        "UTF-8 .csv, first row the column names (those of the export).",
        "content": {
            imports.XLSX: {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/imports/{kind}",
    summary="Import a file: every row validated, a row-by-row report",
    openapi_extra=_BODY,
    responses={
        200: {"description": "The report (also for a dry run or mode=valid)"},
        422: {
            "description": "mode=all and some rows are bad: nothing imported; the "
            "problem's `errors` list each row, column and problem"
        },
    },
)
async def import_file(
    kind: Kind,
    request: Request,
    uow: Uow,
    cfg: Config,
    _: Admin,
    mode: Annotated[
        str,
        Query(
            pattern="^(all|valid)$",
            description="all: nothing is imported if any row is bad; valid: the valid rows are",
        ),
    ] = "all",
    dry_run: Annotated[bool, Query(description="Validate only")] = False,
) -> Any:
    data = await request.body()
    if not data:
        raise Problem(
            422, "Invalid request", "the body must be the file to import", type="validation"
        )
    try:
        report = await imports.run(uow, cfg, kind, data, mode=mode, dry_run=dry_run)
    except imports.ImportFileError as e:
        raise Problem(422, "Unreadable file", str(e), type="import-file") from None
    body = report.as_dict()
    if mode == "all" and not report.ok:
        raise Problem(
            422,
            "Invalid rows",
            f"{report.invalid} of {report.rows} rows have errors; nothing was imported",
            type="import-rows",
            errors=[
                {"in": "body", "row": e["row"], "column": e["column"], "detail": e["problem"]}
                for e in body["errors"]
            ],
            report=body,
        )
    return JSONResponse(body)


@router.get(
    "/exports/{kind}",
    summary="Export a list as .xlsx (the columns of the import)",
    response_class=Response,
    responses={200: {"content": {imports.XLSX: {}}}},
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
    rows = await imports.export_rows(
        con, kind, as_of=as_of or today, year=year, campaign_id=campaign_id
    )
    if kind == "bloc-memberships":  # a year's list: named by the year asked for
        name = f"{kind}-{year or (as_of or today).year}.xlsx"
    else:
        name = f"{kind}-{(as_of or today).isoformat()}.xlsx"
    return Response(
        imports.to_xlsx(kind, rows),
        media_type=imports.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
