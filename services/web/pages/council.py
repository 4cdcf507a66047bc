"""The council member's pages: the council's sessions, a session's agenda (each nomination with
its screening summary and the objections and supervision findings raised during its notice), and
the secret ballot; the secretary opens and closes the vote on the same page.

The ballot is one form for the whole agenda, as awards takes it. It is sent in two steps: the
member chooses, the page shows the choices back, the member confirms; only the confirmation
calls awards (`PUT /sessions/{id}/ballot`). Awards records that the member voted and adds the
choices to running totals linked to nobody; a second ballot is refused (409) and the page says
so. The page shows how many members voted and, once the vote is closed, each item's totals:
never anyone's choice, which awards does not keep."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekit.auth import Role
from services.web.adapters.backend import BackendError
from services.web.domain import pipeline
from services.web.pages.common import NotForThisAccount, Viewer, backend, form, render, viewer
from services.web.pages.pipeline import LABELS, day_field, refused, sessions_holding

router = APIRouter()

COUNCIL_ROLES = (Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY)
# the statuses of the nominations a session of the council holds or held
SESSION_STATUSES = ("on_agenda", "approved", "rejected")


async def council_viewer(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """Dependency: a member (or the secretary) of a council, as the token says."""
    if not v.principal.has_role(*COUNCIL_ROLES) or not v.principal.council_id:
        raise NotForThisAccount("Tài khoản không gắn với Hội đồng Thi đua – Khen thưởng nào.")
    return v


Member = Annotated[Viewer, Depends(council_viewer)]
Fields = Annotated[dict, Depends(form)]


@router.get("/hoi-dong", response_class=HTMLResponse, summary="My council's sessions")
async def sessions_page(request: Request, v: Member) -> Response:
    api = backend(request)
    council = await api.get("awards", f"/councils/{v.principal.council_id}", v.token)
    held = await sessions_holding(request, v, SESSION_STATUSES)
    mine = [s for s in held if s["council_id"] == council["council_id"]]
    return render(
        request,
        "council_sessions.html",
        viewer=v,
        council=council,
        sessions=mine,
        **LABELS,
    )


async def session_page(
    request: Request, v: Viewer, session_id: UUID, status: int = 200, **context: Any
) -> Response:
    api = backend(request)
    s = await api.get("awards", f"/sessions/{session_id}", v.token)
    council = await api.get("awards", f"/councils/{s['council_id']}", v.token)
    me = next((m for m in council["members"] if m["subject"] == v.principal.sub), None)
    mine = v.principal.council_id == s["council_id"]
    voted = me is not None and any(x["member_id"] == me["member_id"] for x in s["voters"])
    items = []
    for item in s["agenda"]:
        n = await api.get("awards", f"/nominations/{item['nomination_id']}", v.token)
        items.append((item, n, pipeline.screening_summary(n.get("screening"))))
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("failed", None)
    return render(
        request,
        "council_session.html",
        status=status,
        viewer=v,
        s=s,
        council=council,
        me=me if mine else None,
        voted=voted,
        secretary=mine and v.principal.has_role(Role.COUNCIL_SECRETARY),
        items=items,
        **LABELS,
        **context,
    )


@router.get("/hoi-dong/phien/{session_id}", response_class=HTMLResponse, summary="A session")
async def session(
    request: Request, session_id: UUID, v: Annotated[Viewer, Depends(viewer)], xong: str = ""
) -> Response:
    return await session_page(request, v, session_id, done=xong)


def _choices(fields: dict, agenda: list[dict]) -> tuple[dict[str, str], dict[str, str]]:
    """The member's choice for every item (`chon-<nomination id>`), and the items left without."""
    chosen, errors = {}, {}
    for item in agenda:
        nid = item["nomination_id"]
        c = fields.get(f"chon-{nid}", "")
        if c in pipeline.CHOICES:
            chosen[nid] = c
        else:
            errors[f"chon-{nid}"] = "Chọn một ý kiến cho hồ sơ này."
    return chosen, errors


@router.post("/hoi-dong/phien/{session_id}/phieu", summary="Cast the ballot (confirmed)")
async def ballot(request: Request, session_id: UUID, v: Member, fields: Fields) -> Response:
    """First the choices come back to be confirmed (nothing sent); then, with `xac_nhan`, the
    ballot goes to awards."""
    api = backend(request)
    s = await api.get("awards", f"/sessions/{session_id}", v.token)
    chosen, errors = _choices(fields, s["agenda"])
    if errors:
        errors["form"] = "Phiếu chưa đủ: mỗi hồ sơ cần một ý kiến."
        return await session_page(
            request, v, session_id, status=422, errors=errors, values=fields, failed="phieu"
        )
    if fields.get("xac_nhan") != "1":
        return render(
            request,
            "council_confirm.html",
            viewer=v,
            s=s,
            chosen=chosen,
            **LABELS,
        )
    body = {"choices": [{"nomination_id": k, "choice": c} for k, c in chosen.items()]}
    try:
        await api.put("awards", f"/sessions/{session_id}/ballot", v.token, body)
    except BackendError as exc:
        problem = refused(exc)
        if exc.problem.get("code") == "already_voted":
            problem["form"] = (
                "Phiếu không được gửi: bạn đã bỏ phiếu trong phiên họp này, mỗi thành viên chỉ "
                f"bỏ phiếu một lần. ({problem.get('form', '')})"
            )
        return await session_page(
            request, v, session_id, status=exc.status, errors=problem, values={}, failed="phieu"
        )
    return RedirectResponse(f"/hoi-dong/phien/{session_id}?xong=phieu", status_code=303)


async def _secretary_step(
    request: Request, v: Viewer, session_id: UUID, step: str, fields: dict
) -> Response:
    errors: dict[str, str] = {}
    on = day_field(fields, "on", errors)
    if not errors:
        try:
            await backend(request).post(
                "awards", f"/sessions/{session_id}/{step}", v.token, {"on": on} if on else {}
            )
        except BackendError as exc:
            errors = refused(exc, {"opened_on": "on", "closed_on": "on"})
        else:
            return RedirectResponse(f"/hoi-dong/phien/{session_id}?xong={step}", status_code=303)
    return await session_page(
        request, v, session_id, status=422, errors=errors, values=fields, failed=step
    )


@router.post("/hoi-dong/phien/{session_id}/mo-bieu-quyet", summary="Open the vote (secretary)")
async def open_vote(request: Request, session_id: UUID, v: Member, fields: Fields) -> Response:
    return await _secretary_step(request, v, session_id, "open", fields)


@router.post(
    "/hoi-dong/phien/{session_id}/ket-thuc-bieu-quyet", summary="Close the vote (secretary)"
)
async def close_vote(request: Request, session_id: UUID, v: Member, fields: Fields) -> Response:
    return await _secretary_step(request, v, session_id, "close", fields)
