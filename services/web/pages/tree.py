"""The unit tree as of a day, beside another day's (by default a year before), so that merges and
splits show: each unit that appeared with what it came from, each that is gone with how it ended
and its successors (the registry's `/units/tree` and `/units/{id}`)."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from servicekit.vietnamese import sort_key
from services.web.adapters.backend import BackendError
from services.web.domain import tree
from services.web.domain.formats import VIETNAM, day, parse_day
from services.web.pages.charts import office
from services.web.pages.common import Viewer, backend, render

router = APIRouter()


async def _rows(request: Request, v: Viewer, on: date) -> list[tree.Row]:
    found = await backend(request).get("registry", "/units/tree", v.token, as_of=on.isoformat())
    return list(tree.rows(found))


async def _lineage(request: Request, v: Viewer, unit_id: str) -> dict:
    try:
        return await backend(request).get("registry", f"/units/{unit_id}", v.token)
    except BackendError:
        return {}


@router.get("/cay-don-vi", response_class=HTMLResponse, summary="The unit tree as of a day")
async def unit_tree(
    request: Request, v: Annotated[Viewer, Depends(office)], ngay: str = "", so_voi: str = ""
) -> Response:
    errors = {}
    on = parse_day(ngay) if ngay else datetime.now(VIETNAM).date()
    if on is None:
        errors["ngay"] = "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 01/07/2025."
        on = datetime.now(VIETNAM).date()
    before = parse_day(so_voi) if so_voi else on - timedelta(days=365)
    if before is None:
        errors["so_voi"] = "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 30/06/2025."
        before = on - timedelta(days=365)
    now, then = await asyncio.gather(_rows(request, v, on), _rows(request, v, before))
    added, gone = tree.changes(then, now)
    details = await asyncio.gather(*(_lineage(request, v, r.unit_id) for r in [*added, *gone]))
    lineage = {r.unit_id: d for r, d in zip([*added, *gone], details, strict=True)}
    names = {r.unit_id: r.name for r in [*then, *now]}

    def named(ids: list[str]) -> list[str]:
        return sorted((names.get(i, i) for i in ids), key=sort_key)

    origins = {u: named(d.get("predecessor_ids") or []) for u, d in lineage.items()}
    successors = {
        u: named((d.get("closure") or {}).get("successor_ids") or []) for u, d in lineage.items()
    }
    return render(
        request,
        "tree.html",
        viewer=v,
        rows=now,
        added=added,
        gone=gone,
        lineage=lineage,
        origins=origins,
        successors=successors,
        endings=tree.ENDINGS,
        on=on,
        before=before,
        values={"ngay": ngay or day(on), "so_voi": so_voi or day(before)},
        errors=errors,
    )
