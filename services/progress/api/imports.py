"""Reports from a file (.xlsx, .csv): every row checked, a row-by-row report (services/progress/
commands/imports.py; the registry's imports work the same way)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request

from servicekit.imports import FILE_BODY, RESPONSES, DryRun, Mode, answer
from services.progress import commands
from services.progress.api.common import (
    PROBLEMS,
    Reporter,
    Rt,
    Work,
    acting_unit,
    may_backdate,
    report_scope,
)

router = APIRouter(tags=["import"], responses=PROBLEMS)


@router.post(
    "/imports/reports",
    summary="Import reports from a file: every row checked, a row-by-row report",
    description="One report per row. Columns (headers without accents, case or spacing; the "
    "Vietnamese names in brackets are understood too): `target_id`, or `campaign_code` (Mã đợt "
    "thi đua), `unit_code` (Mã đơn vị) and `target_name` (Tên chỉ tiêu) or `indicator_code` (Mã "
    "chỉ số); `value` (Giá trị, Kết quả), `as_of` (Số liệu đến ngày, Đến ngày), optional "
    "`submitted_on` (Ngày gửi; province administrators and integration clients only), `note` "
    "(Ghi chú), `evidence` (Tài liệu, Minh chứng: references separated by ';' or line breaks, "
    "each as written) and `report_ref` (Số hiệu báo cáo: the row's key for re-imports; "
    "without it the key is the target, as_of, value and submitted_on). Dates YYYY-MM-DD or "
    "DD/MM/YYYY. A unit officer imports their own unit's reports. The same file again answers "
    "its first report; a row imported before with the same data is `unchanged`, with other "
    "data an error.",
    openapi_extra=FILE_BODY,
    responses=RESPONSES,
)
async def import_reports(
    request: Request,
    uow: Work,
    p: Reporter,
    rt: Rt,
    mode: Mode = "all",
    dry_run: DryRun = False,
) -> Any:
    return await answer(
        request,
        mode,
        lambda data: commands.imports.run(
            uow,
            rt.config,
            rt.clock,
            data,
            acting_unit=acting_unit(p),
            may_backdate=may_backdate(p),
            may_report_for=report_scope(p),
            mode=mode,
            dry_run=dry_run,
        ),
    )
