"""The award history: what a person or a collective holds (from decisions, or imported for the
years before the system), and the import itself."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request

from servicekit.audit import PersonalRead, audit_object
from servicekit.errors import Invalid
from servicekit.messages import Msg
from servicekit.problems import Problem
from services.awards.api.common import PROBLEMS, Admin, NominationReader, ReadCon, Uow
from services.awards.api.models import AwardRecordOut
from services.awards.commands import history
from services.awards.store import history as history_db
from services.awards.store import readmodel as lookup

router = APIRouter(tags=["award history"], responses=PROBLEMS)

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@router.get(
    "/award-history",
    response_model=list[AwardRecordOut],
    summary="Titles and forms held by a person or a collective",
    dependencies=[PersonalRead],
)
async def award_history(
    con: ReadCon,
    _: NominationReader,
    subject_id: UUID,
    include_revoked: bool = True,
    occasion_id: Annotated[
        UUID | None,
        Query(description="Only awards decided on a nomination dedicated to this occasion"),
    ] = None,
) -> list[AwardRecordOut]:
    if occasion_id is not None and not await lookup.occasion_exists(con, occasion_id):
        raise Invalid.param("occasion_id", "no such occasion", "unknown_occasion")
    rows = await history_db.of_subject(
        con, subject_id, include_revoked=include_revoked, occasion_id=occasion_id
    )
    return [AwardRecordOut(**{k: r[k] for k in AwardRecordOut.model_fields}) for r in rows]


_BODY = {
    "requestBody": {
        "required": True,
        "description": "The file itself (not multipart): an .xlsx workbook (first sheet) or a "
        "UTF-8 .csv, first row the column names. See services/awards/history.py for the "
        "columns (Vietnamese headers are understood).",
        "content": {
            XLSX: {"schema": {"type": "string", "format": "binary"}},
            "text/csv": {"schema": {"type": "string", "format": "binary"}},
        },
    }
}


@router.post(
    "/award-history/imports",
    summary="Import the award history of earlier years: every row checked, a row-by-row report",
    openapi_extra=_BODY,
)
async def import_history(
    request: Request,
    uow: Uow,
    who: Admin,
    mode: Annotated[
        str,
        Query(
            pattern="^(all|valid)$",
            description="all: nothing is imported if any row is bad; valid: the good rows are",
        ),
    ] = "all",
    dry_run: Annotated[bool, Query(description="Check only")] = False,
) -> Any:
    data = await request.body()
    if not data:
        raise Problem(422, "Invalid request", "the body must be the file", type="validation")
    try:
        report = await history.run(uow.con, data, mode=mode, dry_run=dry_run, by=who.sub)
    except history.ImportFileError as e:
        raise Problem(422, "Unreadable file", str(e), type="import-file") from None
    audit_object(request, f"award-history-import:{report.sha256[:16]}")
    body = report.as_dict()
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
            report=body,
            errors=body["errors"],
        )
    return body
