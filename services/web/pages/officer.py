"""A unit officer's pages: the unit's campaigns and targets, reporting a target's value, and the
unit's inbox (notify's)."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekit.labels import AWARD_NAMES
from services.web.adapters.backend import BackendError
from services.web.domain import formats
from services.web.pages.common import Viewer, backend, form, render, unit_viewer, viewer

router = APIRouter()


@router.get("/don-vi", response_class=HTMLResponse, summary="My unit's campaigns and targets")
async def my_unit(request: Request, v: Annotated[Viewer, Depends(unit_viewer)]) -> Response:
    api = backend(request)
    completion = await api.get("progress", f"/units/{v.unit_id}/completion", v.token)
    unit = await api.get("registry", f"/units/{v.unit_id}", v.token)
    campaigns = await api.get("registry", "/campaigns", v.token, unit_id=v.unit_id, limit=100)
    titles = {c["campaign_id"]: c for c in campaigns["items"]}
    return render(
        request,
        "unit.html",
        viewer=v,
        unit=unit,
        campaigns=[(titles.get(c["campaign_id"]), c) for c in completion["campaigns"]],
    )


async def _target_page(
    request: Request, v: Viewer, target_id: UUID, status: int = 200, **context
) -> Response:
    history = await backend(request).get("progress", f"/targets/{target_id}/reports", v.token)
    campaign = await backend(request).get(
        "registry", f"/campaigns/{history['target']['campaign_id']}", v.token
    )
    context.setdefault("errors", {})
    context.setdefault("values", {})
    return render(
        request, "target.html", status=status, viewer=v, h=history, campaign=campaign, **context
    )


@router.get("/chi-tieu/{target_id}", response_class=HTMLResponse, summary="A target and its form")
async def target(
    request: Request, target_id: UUID, v: Annotated[Viewer, Depends(viewer)], da_gui: int = 0
) -> Response:
    return await _target_page(request, v, target_id, sent=bool(da_gui))


# The report form's fields and what each is called on the page (for the service's errors).
_FIELDS = {f: f for f in ("value", "as_of", "evidence", "note", "supersedes")}


@router.post("/chi-tieu/{target_id}/bao-cao", summary="Report the target's value")
async def report(
    request: Request,
    target_id: UUID,
    v: Annotated[Viewer, Depends(viewer)],
    fields: Annotated[dict, Depends(form)],
) -> Response:
    value = formats.parse_number(fields.get("value", ""))
    as_of = formats.parse_day(fields.get("as_of", ""))
    evidence = formats.references(fields.get("evidence", ""))
    note = fields.get("note", "").strip() or None
    # a correction names the report it replaces (the current one, offered by the form)
    supersedes = fields.get("supersedes") or None
    errors = {}
    if value is None:
        errors["value"] = "Nhập một số, ví dụ 5.300 hoặc 12,5."
    if as_of is None:
        errors["as_of"] = "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 20/11/2020."
    if not errors:
        body = {
            "target_id": str(target_id),
            "value": float(value),  # type: ignore[arg-type]
            "as_of": as_of.isoformat(),  # type: ignore[union-attr]
            "evidence": evidence,
            "note": note,
            "supersedes": supersedes,
        }
        try:
            await backend(request).post("progress", "/reports", v.token, body)
        except BackendError as exc:
            if exc.status != 422:
                raise
            errors = {_FIELDS.get(k, "form"): d for k, d in exc.field_errors.items()} or {
                "form": str(exc.problem.get("detail", ""))
            }
        else:
            # after a POST, a GET (the page can be reloaded without reporting twice)
            return RedirectResponse(f"/chi-tieu/{target_id}?da_gui=1", status_code=303)
    return await _target_page(request, v, target_id, status=422, errors=errors, values=fields)


@router.get("/hop-thu", response_class=HTMLResponse, summary="My unit's inbox")
async def inbox(request: Request, v: Annotated[Viewer, Depends(unit_viewer)]) -> Response:
    page = await backend(request).get("notify", f"/units/{v.unit_id}/inbox", v.token, limit=50)
    return render(request, "inbox.html", viewer=v, page=page)


# Where a nomination stands, as the unit reads it (awards' statuses).
NOMINATION_STATUS = {
    "submitted": "Đã gửi, chờ thẩm định",
    "screened": "Đã thẩm định",
    "on_notice": "Đang công khai lấy ý kiến",
    "on_agenda": "Đưa ra Hội đồng xét",
    "approved": "Hội đồng đã thông qua",
    "rejected": "Hội đồng không thông qua",
    "decided": "Đã có quyết định khen thưởng",
    "revoked": "Đã thu hồi",
}
VERDICTS = {
    "eligible": "Đủ điều kiện",
    "ineligible": "Chưa đủ điều kiện",
    "incomplete": "Hồ sơ chưa đầy đủ",
    "blocked": "Tạm dừng xét (đang bị xem xét kỷ luật, điều tra, thanh tra hoặc khiếu nại)",
}


@router.get("/de-nghi", response_class=HTMLResponse, summary="My unit's nominations")
async def nominations(request: Request, v: Annotated[Viewer, Depends(unit_viewer)]) -> Response:
    page = await backend(request).get(
        "awards", "/nominations", v.token, proposer_unit_id=v.unit_id, limit=200
    )
    return render(
        request,
        "nominations.html",
        viewer=v,
        items=page["items"],
        awards=AWARD_NAMES,
        statuses=NOMINATION_STATUS,
        verdicts=VERDICTS,
    )
