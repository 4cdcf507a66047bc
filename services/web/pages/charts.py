"""The emulation office's campaign views beyond the live dashboard: progress over time as a chart
(server-drawn SVG with its table), who finished early and when, who is overdue; and the exports —
a campaign's dashboard and a bloc's standings as CSV built from the APIs' answers, and the
registry's own .xlsx exports (units, people, bloc memberships, targets) passed on as they come."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Path, Request
from fastapi.responses import HTMLResponse, Response

from servicekit.auth import Role
from services.web.domain import charts, exports
from services.web.domain.formats import VIETNAM, parse_day
from services.web.pages.common import NotForThisAccount, Viewer, backend, render, viewer

router = APIRouter()

PARALLEL = 8
"""Concurrent calls to progress when a chart gathers its units' targets."""


async def office(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """Dependency: the emulation office (province administrators); supervisors read too."""
    if not v.principal.has_role(Role.PROVINCE_ADMIN, Role.SUPERVISOR):
        raise NotForThisAccount("Trang này dành cho Ban Thi đua – Khen thưởng tỉnh.")
    return v


async def _targets(request: Request, v: Viewer, campaign_id: UUID, units: list[dict]) -> list:
    """Every target of the campaign with its progress (progress's per-unit completion)."""
    gate = asyncio.Semaphore(PARALLEL)

    async def one(unit_id: str) -> list:
        async with gate:
            c = await backend(request).get(
                "progress", f"/units/{unit_id}/completion", v.token, campaign_id=campaign_id
            )
        return [(unit_id, x) for camp in c["campaigns"] for x in camp["items"]]

    found = await asyncio.gather(*(one(u["unit_id"]) for u in units))
    return [x for unit in found for x in unit]


@router.get("/chien-dich/{campaign_id}/bieu-do", response_class=HTMLResponse, summary="Chart")
async def chart(
    request: Request, campaign_id: UUID, v: Annotated[Viewer, Depends(office)]
) -> Response:
    api = backend(request)
    campaign = await api.get("registry", f"/campaigns/{campaign_id}", v.token)
    d = await api.get("progress", f"/campaigns/{campaign_id}/dashboard", v.token)
    targets = await _targets(request, v, campaign_id, d["units"])
    achieved = [
        date.fromisoformat(x["progress"]["achieved"]["achieved_on"])
        for _, x in targets
        if x["progress"].get("achieved")
    ]
    start, end = date.fromisoformat(campaign["start"]), date.fromisoformat(campaign["end"])
    today = date.fromisoformat(d["today"])
    points = charts.achieved_series(start, end, len(targets), achieved, until=today)
    finished: dict[str, date] = {}
    for unit_id, x in targets:
        a = x["progress"].get("achieved")
        if a:
            day = date.fromisoformat(a["achieved_on"])
            finished[unit_id] = max(finished.get(unit_id, day), day)
    early = [(u, finished.get(u["unit_id"])) for u in d["units"] if u["finished_early"]]
    early.sort(key=lambda e: (e[1] or end, e[0]["name"]))
    return render(
        request,
        "chart.html",
        viewer=v,
        campaign=campaign,
        d=d,
        points=points,
        svg=charts.draw(points),
        targets=len(targets),
        early=early,
    )


def _csv(body: bytes, name: str) -> Response:
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )


@router.get("/chien-dich/{campaign_id}/bang-theo-doi.csv", summary="The dashboard as CSV")
async def dashboard_csv(
    request: Request, campaign_id: UUID, v: Annotated[Viewer, Depends(office)]
) -> Response:
    d = await backend(request).get("progress", f"/campaigns/{campaign_id}/dashboard", v.token)
    header, rows = exports.dashboard_rows(d)
    return _csv(exports.csv_bytes(header, rows), f"bang-theo-doi-{d['today']}.csv")


@router.get("/khoi/{bloc_id}/{year}/bang-diem.csv", summary="A bloc's standings as CSV")
async def standings_csv(
    request: Request,
    bloc_id: UUID,
    year: Annotated[int, Path(ge=1945, le=2100)],
    v: Annotated[Viewer, Depends(viewer)],
) -> Response:
    s = await backend(request).get("progress", f"/blocs/{bloc_id}/years/{year}/standings", v.token)
    header, rows = exports.standings_rows(s)
    return _csv(exports.csv_bytes(header, rows), f"bang-diem-{s['code']}-{year}.csv")


REGISTRY_EXPORTS = {
    "units": "Danh sách đơn vị",
    "people": "Danh sách cá nhân",
    "bloc-memberships": "Thành viên các khối, cụm thi đua",
    "targets": "Chỉ tiêu của một phong trào",
}


@router.get("/xuat-du-lieu", response_class=HTMLResponse, summary="Exports")
async def exports_page(request: Request, v: Annotated[Viewer, Depends(office)]) -> Response:
    campaigns = await backend(request).get("registry", "/campaigns", v.token, limit=100)
    return render(
        request,
        "exports.html",
        viewer=v,
        kinds=REGISTRY_EXPORTS,
        campaigns=campaigns["items"],
        year=datetime.now(VIETNAM).year,
    )


@router.get("/xuat-du-lieu/{kind}.xlsx", summary="A registry export, as the registry gives it")
async def registry_export(
    request: Request,
    kind: Annotated[str, Path(pattern="^(units|people|bloc-memberships|targets)$")],
    v: Annotated[Viewer, Depends(office)],
    ngay: str = "",
    nam: int | None = None,
    phong_trao: UUID | None = None,
) -> Response:
    as_of = parse_day(ngay) if ngay else None
    r = await backend(request).download(
        "registry",
        f"/exports/{kind}",
        v.token,
        as_of=as_of.isoformat() if as_of else None,
        year=nam,
        campaign_id=phong_trao,
    )
    headers = {"Content-Disposition": r.headers.get("content-disposition", "attachment")}
    return Response(r.content, media_type=r.headers.get("content-type"), headers=headers)
