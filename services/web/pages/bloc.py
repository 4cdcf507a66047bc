"""A bloc's standings (khối, cụm thi đua), as its head and members read them: each unit's points
per criterion, the bonus and penalty points with their reasons, the members' vote, the order and
its tie-breaks, and the year's leader, which the bloc head determines here.

The bloc head is no role of its own: progress lets the officer of the bloc's head unit (or a
province administrator) act for the bloc (services/progress/api/blocs.py, `_as_bloc_head`). The
page offers the head's acts to the head unit's officer and the province; progress still decides.

Live: a member unit's report (progress's events, services/web/consumers/live.py) nudges the page;
the standings worker recomputes the bloc within its interval, so the stream fetches the standings
every second for a few seconds after each nudge and sends each change."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekit.auth import Role, is_officer_only
from services.web.adapters.backend import BackendError
from services.web.domain import standings as explain
from services.web.domain.formats import VIETNAM, parse_number
from services.web.pages import live_stream
from services.web.pages.common import Viewer, backend, form, render, templates, viewer

router = APIRouter()
templates.env.globals["criterion_name"] = explain.criterion_name

Year = Annotated[int, Path(ge=1945, le=2100)]
FOLLOW = 5
"""Fetches after a nudge, a second apart, while the standings worker recomputes (its interval
is a second by default)."""


# progress names the tie in its own (English) words inside the problem's detail: said here whole
UNDETERMINED = (
    "Chưa xác định được đơn vị dẫn đầu: các đơn vị cùng hạng nhất bằng điểm và chưa có kết quả "
    "suy tôn phân định. Khối trưởng hãy ghi nhận kết quả suy tôn rồi xác định lại."
)


def _this_year() -> int:
    from datetime import datetime

    return datetime.now(VIETNAM).year


async def _blocs(request: Request, v: Viewer, year: int) -> list[dict]:
    """The blocs the viewer reads: a unit officer's own unit's (the registry lists no others to
    them), everyone else's all."""
    mine = v.unit_id if is_officer_only(v.principal) else None
    params = {"year": year, "limit": 200, "unit_id": mine}
    page = await backend(request).get("registry", "/blocs", v.token, **params)
    return page["items"]


@router.get("/khoi", response_class=HTMLResponse, summary="The viewer's blocs for a year")
async def blocs(
    request: Request, v: Annotated[Viewer, Depends(viewer)], nam: int | None = None
) -> Response:
    year = nam if nam and 1945 <= nam <= 2100 else _this_year()
    items = await _blocs(request, v, year)
    return render(request, "bloc_list.html", viewer=v, year=year, blocs=items)


async def _standings(request: Request, v: Viewer, bloc_id: UUID, year: int) -> dict:
    return await backend(request).get(
        "progress", f"/blocs/{bloc_id}/years/{year}/standings", v.token
    )


async def _registry_bloc(request: Request, v: Viewer, bloc_id: UUID, year: int) -> dict | None:
    """The registry's bloc (its head unit), as far as the viewer may read it."""
    for b in await _blocs(request, v, year):
        if b["bloc_id"] == str(bloc_id):
            return b
    return None


def _acts_for_bloc(v: Viewer, bloc: dict | None) -> bool:
    """Whether the page offers the head's acts (progress checks again, on its own terms)."""
    if v.principal.has_role(Role.PROVINCE_ADMIN):
        return True
    return bool(bloc and v.unit_id and bloc.get("head_unit_id") == v.unit_id)


async def _page(
    request: Request, v: Viewer, bloc_id: UUID, year: int, status: int = 200, **context
) -> Response:
    s = await _standings(request, v, bloc_id, year)
    bloc = await _registry_bloc(request, v, bloc_id, year)
    return render(
        request,
        "bloc.html",
        status=status,
        viewer=v,
        s=s,
        x=explain.explain(s),
        head=bloc and bloc.get("head_unit_id"),
        acts=_acts_for_bloc(v, bloc),
        **{"message": None, "problem": None, **context},
    )


@router.get("/khoi/{bloc_id}/{year}", response_class=HTMLResponse, summary="A bloc's standings")
async def standings(
    request: Request,
    bloc_id: UUID,
    year: Year,
    v: Annotated[Viewer, Depends(viewer)],
    da_xac_dinh: int = 0,
    da_ghi: int = 0,
    da_cho_diem: int = 0,
) -> Response:
    message = None
    if da_xac_dinh:
        message = "Đã xác định đơn vị dẫn đầu."
    elif da_ghi:
        message = "Đã ghi nhận kết quả suy tôn."
    elif da_cho_diem:
        message = "Đã ghi điểm thưởng, điểm trừ; bảng điểm sẽ được tính lại trong giây lát."
    return await _page(request, v, bloc_id, year, message=message)


async def _head_act(
    request: Request, v: Viewer, bloc_id: UUID, year: int, act: str, body: dict, done: str
) -> Response:
    """One of the head's acts (`act`: leader, votes, adjustments); progress's refusal (409 a tie
    without a deciding vote or the year closed, 403 not the head, 422 a bad figure) is shown on
    the page."""
    method = "PUT" if act == "votes" else "POST"
    path = f"/blocs/{bloc_id}/years/{year}/{act}"
    try:
        await backend(request).call("progress", method, path, v.token, json=body)
    except BackendError as exc:
        if exc.status not in (403, 409, 422):
            raise
        problem = UNDETERMINED if exc.problem.get("code") == "undetermined" else None
        problem = problem or exc.problem.get("detail") or exc.problem.get("title") or ""
        return await _page(request, v, bloc_id, year, status=exc.status, problem=problem)
    return RedirectResponse(f"/khoi/{bloc_id}/{year}?{done}=1", status_code=303)


@router.post("/khoi/{bloc_id}/{year}/dan-dau", summary="Determine the year's leader")
async def leader(
    request: Request, bloc_id: UUID, year: Year, v: Annotated[Viewer, Depends(viewer)],
    _: Annotated[dict, Depends(form)],
) -> Response:  # fmt: skip
    return await _head_act(request, v, bloc_id, year, "leader", {}, "da_xac_dinh")


@router.post("/khoi/{bloc_id}/{year}/suy-ton", summary="Record the members' vote")
async def votes(
    request: Request, bloc_id: UUID, year: Year, v: Annotated[Viewer, Depends(viewer)],
    fields: Annotated[dict, Depends(form)],
) -> Response:  # fmt: skip
    counts, bad = explain.read_votes(fields)
    if bad:
        s = await _standings(request, v, bloc_id, year)
        names = {r["unit_id"]: r["name"] for r in s["ranking"]}
        problem = "Số phiếu phải là số nguyên không âm: " + ", ".join(names.get(u, u) for u in bad)
        return await _page(request, v, bloc_id, year, status=422, problem=problem)
    body = {"votes": [{"unit_id": u, "votes": n} for u, n in counts.items()]}
    return await _head_act(request, v, bloc_id, year, "votes", body, "da_ghi")


@router.get("/khoi/{bloc_id}/{year}/truc-tiep", summary="The standings' live updates (SSE)")
async def live(
    request: Request, bloc_id: UUID, year: Year, v: Annotated[Viewer, Depends(viewer)]
) -> Response:
    first = await _standings(request, v, bloc_id, year)  # refused here before streaming
    template = templates.get_template("bloc_body.html")

    async def fragment() -> str:
        s = await _standings(request, v, bloc_id, year)
        return template.render(s=s, x=explain.explain(s))

    keys = [f"unit:{r['unit_id']}" for r in first["ranking"]]
    return live_stream.stream(request, keys, fragment, follow=FOLLOW)


@router.post("/khoi/{bloc_id}/{year}/diem", summary="Give bonus or penalty points")
async def adjustment(
    request: Request, bloc_id: UUID, year: Year, v: Annotated[Viewer, Depends(viewer)],
    fields: Annotated[dict, Depends(form)],
) -> Response:  # fmt: skip
    points = parse_number(fields.get("points", ""))
    kind, reason = fields.get("kind"), fields.get("reason", "").strip()
    problems = []
    if kind not in ("bonus", "penalty"):
        problems.append("chọn điểm thưởng hay điểm trừ")
    if points is None or points <= 0:
        problems.append("nhập số điểm lớn hơn 0, ví dụ 2 hoặc 1,5")
    if not reason:
        problems.append("ghi lý do")
    if problems:
        problem = "Chưa ghi được điểm: hãy " + ", ".join(problems) + "."
        return await _page(request, v, bloc_id, year, status=422, problem=problem)
    body = {"unit_id": fields.get("unit_id"), "kind": kind, "points": float(points or 0),
            "reason": reason}  # fmt: skip
    return await _head_act(request, v, bloc_id, year, "adjustments", body, "da_cho_diem")
