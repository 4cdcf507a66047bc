"""Supervision (giám sát) by the Fatherland Front, and the answers to its findings.

A supervisor (`supervisor`: Ủy ban MTTQ tỉnh and its member organisations, Luật Thi đua, khen
thưởng 2022, Điều 8) reads what a council reads — nominations with every screening rule's reason
and citation, decisions with their money, campaigns and standings (the office's and the blocs'
pages) — and writes nothing but findings (kiến nghị giám sát) against a campaign, a unit, a
nomination or a decision (awards' `/findings`). The unit concerned (its officer) or the province
answers a finding; each side reads the other's text on the finding's page. Awards decides who
may read and answer: the page only offers what the viewer's role may do."""

from __future__ import annotations

import asyncio
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekit.auth import Role
from servicekit.labels import AWARD_NAMES
from services.web.adapters.backend import BackendError
from services.web.domain import formats, pipeline
from services.web.pages.common import NotForThisAccount, Viewer, backend, form, render, viewer
from services.web.pages.officer import NOMINATION_STATUS, VERDICTS

router = APIRouter()

SUBJECTS = {
    "campaign": "Phong trào thi đua",
    "unit": "Đơn vị",
    "nomination": "Đề nghị khen thưởng",
    "decision": "Quyết định khen thưởng",
}
FINDING_STATUS = {"open": "Chưa trả lời", "answered": "Đã trả lời"}


async def supervisor(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """Dependency: the Front's supervisor (the read views and raising findings)."""
    if not v.principal.has_role(Role.SUPERVISOR):
        raise NotForThisAccount("Trang này dành cho người giám sát của Mặt trận Tổ quốc.")
    return v


def _answers(v: Viewer, finding: dict) -> bool:
    """The province answers any finding, a unit officer those concerning their unit (awards
    checks it again)."""
    if finding["status"] != "open":
        return False
    if v.principal.has_role(Role.PROVINCE_ADMIN):
        return True
    return v.principal.has_role(Role.UNIT_OFFICER) and finding.get("unit_id") == v.unit_id


async def _subject_label(request: Request, v: Viewer, kind: str, subject_id: str) -> str:
    """What a finding is about, as people name it; the id when the viewer cannot read it."""
    api = backend(request)
    try:
        if kind == "campaign":
            c = await api.get("registry", f"/campaigns/{subject_id}", v.token)
            return f"{c['title']} ({c['code']})"
        if kind == "unit":
            u = await api.get("registry", f"/units/{subject_id}", v.token)
            return u["name"]
        if kind == "nomination":
            n = await api.get("awards", f"/nominations/{subject_id}", v.token)
            nominee = n["nominee"].get("name") or n["nominee"]["id"]
            return f"{AWARD_NAMES.get(n['award_code'], n['award_code'])} năm {n['year']}: {nominee}"
        d = await api.get("awards", f"/decisions/{subject_id}", v.token)
        return f"Quyết định số {d['number']} ngày {formats.day(d['signed_on'])}"
    except BackendError:
        return subject_id


def _href(kind: str, subject_id: str) -> str | None:
    return {
        "campaign": f"/chien-dich/{subject_id}",
        "nomination": f"/giam-sat/de-nghi/{subject_id}",
        "decision": f"/giam-sat/quyet-dinh/{subject_id}",
    }.get(kind)


# ---- the supervisor's read views -------------------------------------------------------------


@router.get("/giam-sat/de-nghi", response_class=HTMLResponse, summary="Nominations, read")
async def nominations(
    request: Request, v: Annotated[Viewer, Depends(supervisor)], nam: int | None = None
) -> Response:
    page = await backend(request).get("awards", "/nominations", v.token, year=nam, limit=200)
    return render(
        request,
        "supervision_nominations.html",
        viewer=v,
        items=page["items"],
        year=nam,
        awards=AWARD_NAMES,
        statuses=NOMINATION_STATUS,
        verdicts=VERDICTS,
    )


@router.get("/giam-sat/de-nghi/{nomination_id}", response_class=HTMLResponse, summary="One")
async def nomination(
    request: Request, nomination_id: UUID, v: Annotated[Viewer, Depends(supervisor)]
) -> Response:
    n = await backend(request).get("awards", f"/nominations/{nomination_id}", v.token)
    return render(
        request,
        "supervision_nomination.html",
        viewer=v,
        n=n,
        awards=AWARD_NAMES,
        statuses=NOMINATION_STATUS,
        verdicts=VERDICTS,
        rule_name=pipeline.rule_name,
    )


@router.get("/giam-sat/quyet-dinh", response_class=HTMLResponse, summary="Decisions, read")
async def decisions(request: Request, v: Annotated[Viewer, Depends(supervisor)]) -> Response:
    # awards lists no decisions by themselves: they are those the nominations name
    page = await backend(request).get("awards", "/nominations", v.token, limit=500)
    ids = sorted({n["decision_id"] for n in page["items"] if n.get("decision_id")})
    found = await asyncio.gather(
        *(backend(request).get("awards", f"/decisions/{d}", v.token) for d in ids)
    )
    found.sort(key=lambda d: (d["signed_on"], d["number"]), reverse=True)
    return render(request, "supervision_decisions.html", viewer=v, decisions=found)


@router.get("/giam-sat/quyet-dinh/{decision_id}", response_class=HTMLResponse, summary="One")
async def decision(
    request: Request, decision_id: UUID, v: Annotated[Viewer, Depends(supervisor)]
) -> Response:
    d = await backend(request).get("awards", f"/decisions/{decision_id}", v.token)
    return render(request, "supervision_decision.html", viewer=v, d=d)


# ---- findings: raised by a supervisor, answered by the unit or the province --------------------


@router.get("/kien-nghi", response_class=HTMLResponse, summary="Supervision findings")
async def findings(
    request: Request, v: Annotated[Viewer, Depends(viewer)], tinh_trang: str = ""
) -> Response:
    status = tinh_trang if tinh_trang in FINDING_STATUS else None
    page = await backend(request).get("awards", "/findings", v.token, status=status, limit=200)
    items = page["items"]
    labels = await asyncio.gather(
        *(_subject_label(request, v, f["subject_kind"], f["subject_id"]) for f in items)
    )
    return render(
        request,
        "findings.html",
        viewer=v,
        items=list(zip(items, labels, strict=True)),
        subjects=SUBJECTS,
        statuses=FINDING_STATUS,
        shown=status,
    )


async def _raise_page(request: Request, v: Viewer, status: int = 200, **context) -> Response:
    values = context.pop("values", {})
    kind, subject = values.get("subject_kind", ""), values.get("subject_id", "")
    label = await _subject_label(request, v, kind, subject) if kind in SUBJECTS and subject else ""
    return render(
        request,
        "finding_new.html",
        status=status,
        viewer=v,
        subjects=SUBJECTS,
        values=values,
        label=label,
        **{"errors": {}, **context},
    )


@router.get("/kien-nghi/moi", response_class=HTMLResponse, summary="Raise a finding (form)")
async def new_finding(
    request: Request,
    v: Annotated[Viewer, Depends(supervisor)],
    loai: str = "",
    doi_tuong: str = "",
) -> Response:
    return await _raise_page(request, v, values={"subject_kind": loai, "subject_id": doi_tuong})


@router.post("/kien-nghi", summary="Raise a finding")
async def raise_finding(
    request: Request,
    v: Annotated[Viewer, Depends(supervisor)],
    fields: Annotated[dict, Depends(form)],
) -> Response:
    kind = fields.get("subject_kind", "")
    content = fields.get("content", "").strip()
    errors = {}
    if kind not in SUBJECTS:
        errors["subject_kind"] = "Hãy chọn kiến nghị về việc gì."
    try:
        subject = str(UUID(fields.get("subject_id", "").strip()))
    except ValueError:
        errors["subject_id"] = (
            "Mã đối tượng không đúng dạng (mở trang của đối tượng rồi bấm “Kiến nghị”)."
        )
    if not content:
        errors["content"] = "Hãy nhập nội dung kiến nghị."
    if not errors:
        body = {
            "subject_kind": kind,
            "subject_id": subject,
            "content": content,
            "documents": formats.references(fields.get("documents", "")),
        }
        try:
            created = await backend(request).post("awards", "/findings", v.token, body)
        except BackendError as exc:
            if exc.status != 422:
                raise
            errors = exc.field_errors or {"form": str(exc.problem.get("detail", ""))}
        else:
            return RedirectResponse(f"/kien-nghi/{created['id']}?da_gui=1", status_code=303)
    return await _raise_page(request, v, status=422, errors=errors, values=fields)


async def _finding_page(
    request: Request, v: Viewer, finding_id: UUID, status: int = 200, **context
) -> Response:
    f = await backend(request).get("awards", f"/findings/{finding_id}", v.token)
    label = await _subject_label(request, v, f["subject_kind"], f["subject_id"])
    reads_subject = v.principal.has_role(Role.SUPERVISOR)  # the read views are the Front's
    return render(
        request,
        "finding.html",
        status=status,
        viewer=v,
        f=f,
        label=label,
        href=_href(f["subject_kind"], f["subject_id"]) if reads_subject else None,
        subjects=SUBJECTS,
        statuses=FINDING_STATUS,
        answers=_answers(v, f),
        **{"errors": {}, "values": {}, "message": None, **context},
    )


@router.get("/kien-nghi/{finding_id}", response_class=HTMLResponse, summary="A finding")
async def finding(
    request: Request,
    finding_id: UUID,
    v: Annotated[Viewer, Depends(viewer)],
    da_gui: int = 0,
    da_tra_loi: int = 0,
) -> Response:
    message = None
    if da_gui:
        message = "Đã gửi kiến nghị giám sát."
    elif da_tra_loi:
        message = "Đã gửi trả lời kiến nghị."
    return await _finding_page(request, v, finding_id, message=message)


@router.post("/kien-nghi/{finding_id}/tra-loi", summary="Answer a finding")
async def answer(
    request: Request,
    finding_id: UUID,
    v: Annotated[Viewer, Depends(viewer)],
    fields: Annotated[dict, Depends(form)],
) -> Response:
    text = fields.get("answer", "").strip()
    errors = {}
    if not text:
        errors["answer"] = "Hãy nhập nội dung trả lời."
    else:
        body = {"answer": text, "documents": formats.references(fields.get("documents", ""))}
        try:
            await backend(request).post("awards", f"/findings/{finding_id}/answer", v.token, body)
        except BackendError as exc:
            if exc.status not in (409, 422):
                raise
            errors = {"form": str(exc.problem.get("detail", ""))}
        else:
            return RedirectResponse(f"/kien-nghi/{finding_id}?da_tra_loi=1", status_code=303)
    return await _finding_page(request, v, finding_id, status=422, errors=errors, values=fields)
