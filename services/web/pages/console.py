"""The operators' console (role `operator`): on one page what `./thidua status` shows — each
component's health and readiness, consumer lag per group and topic, outbox backlog and age, dead
letters, parked deliveries, suspended subscribers — and the latest traces; drill-down pages for
the dead letters (show, redrive), the parked deliveries (show, redeliver), the suspended
subscribers (resume) and one trace as a tree with timings.

Everything comes from the services themselves: `/health`, `/ready` and `/metrics` (no token;
services/web/adapters/operations.py), their operator APIs with the operator's own token (the
dead letters of servicekit/deadletters.py, notify's deliveries and subscriptions), and the
traces from the local traces sink's file or, in a deployment, a link to Jaeger."""

from __future__ import annotations

import asyncio
from typing import Annotated, Any
from urllib.parse import quote
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekit.auth import Role
from services.web.adapters import operations, traces
from services.web.adapters.backend import BackendError
from services.web.pages.common import NotForThisAccount, Viewer, backend, form, render, viewer

router = APIRouter(prefix="/van-hanh")

# The services with an event consumer, hence dead letters (the registry consumes nothing).
CONSUMING = ("progress", "awards", "notify")
LATEST_TRACES = 15


async def operator(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """Dependency: the signed-in person is an operator."""
    if not v.principal.has_role(Role.OPERATOR):
        raise NotForThisAccount("Trang này dành cho cán bộ vận hành hệ thống.")
    return v


Operator = Annotated[Viewer, Depends(operator)]


def _components(
    request: Request,
    states: list[operations.ServiceState],
    behind: list[operations.Replica] | None,
) -> list[dict[str, Any]]:
    """The table's rows: the services (with their replicas when a balancer runs), Kafka and
    PostgreSQL as the services found them, and this application (whose live pages read Kafka)."""
    feed_live = request.app.state.feed.assigned.is_set()
    rows: list[dict[str, Any]] = []
    for s in states:
        mine = [r for r in behind or () if r.service == s.name]
        rows.append(
            {
                "name": s.name,
                "ok": s.status == "ready",
                "state": s.status,
                "detail": ", ".join(f"{k}: {v}" for k, v in s.checks.items()) or s.url,
                "leading": s.relays_leading,
                "replicas": mine,
                "replicas_up": sum(r.status.startswith("UP") for r in mine),
            }
        )
    for dependency, name in (("broker", "Kafka"), ("database", "PostgreSQL")):
        seen = {s.name: s.check_ok(dependency) for s in states}
        down = sorted(n for n, ok in seen.items() if ok is False)
        unknown = sorted(n for n, ok in seen.items() if ok is None)
        if dependency == "broker" and not feed_live:
            down.append("web")
        state = "ready" if not down and not unknown else "lỗi" if down else "chưa rõ"
        detail = (
            f"không kết nối được từ: {', '.join(down)}"
            if down
            else f"chưa hỏi được: {', '.join(unknown)}"
            if unknown
            else "mọi dịch vụ kết nối được"
        )
        rows.append({"name": name, "ok": state == "ready", "state": state, "detail": detail})
    rows.append(
        {
            "name": "web",
            "ok": feed_live,
            "state": "ready" if feed_live else "degraded (broker)",
            "detail": "trang trực tiếp đang đọc Kafka" if feed_live else "trang không tự cập nhật",
        }
    )
    return rows


@router.get("", response_class=HTMLResponse, summary="The operators' console")
async def overview(request: Request, v: Operator) -> Response:
    api = backend(request)
    states, behind, parked, suspended = await asyncio.gather(
        operations.probe_all(api.http, api.urls),
        operations.replicas(api.http, request.app.state.settings.web_balancer_stats_url),
        _parked(request, v, limit=10),
        _suspended(request, v),
    )
    return render(
        request,
        "console.html",
        viewer=v,
        components=_components(request, states, behind),
        states=states,
        lag=[row for s in states for row in s.lag],
        dead=_dead_letters(states),
        parked=parked,
        suspended=suspended,
        traces=traces.latest(request.app.state.settings, 5),
        jaeger=request.app.state.settings.web_jaeger_url,
    )


def _dead_letters(states: list[operations.ServiceState]) -> list[tuple[str, int]]:
    """Letters held per topic: every consumer of a topic counts its `.dlq` whole (one topic for
    all of them), so the services' figures of a topic are one figure."""
    held: dict[str, int] = {}
    for s in states:
        for topic, n in s.dead_letters.items():
            held[topic] = max(held.get(topic, 0), n)
    return [(topic, n) for topic, n in sorted(held.items()) if n]


async def _parked(request: Request, v: Viewer, limit: int = 100) -> dict[str, Any]:
    """notify's parked deliveries (or why they could not be read)."""
    try:
        page = await backend(request).get(
            "notify", "/deliveries", v.token, status="parked", limit=limit
        )
    except BackendError as exc:
        return {"items": [], "error": f"{exc.service}: {exc.status}", "more": False}
    return {"items": page["items"], "error": None, "more": bool(page.get("next_cursor"))}


async def _suspended(request: Request, v: Viewer) -> dict[str, Any]:
    try:
        page = await backend(request).get(
            "notify", "/subscriptions", v.token, status="suspended", limit=100
        )
    except BackendError as exc:
        return {"items": [], "error": f"{exc.service}: {exc.status}"}
    return {"items": page["items"], "error": None}


# ---- dead letters --------------------------------------------------------------------------


@router.get("/thu-loi", response_class=HTMLResponse, summary="Dead letters")
async def dead_letters(request: Request, v: Operator) -> Response:
    async def of(service: str) -> tuple[str, dict[str, Any] | None, str | None]:
        try:
            page = await backend(request).get(service, "/operations/dead-letters", v.token)
        except BackendError as exc:
            return service, None, f"{exc.status} {exc.problem.get('detail', '')}".strip()
        return service, page, None

    found = await asyncio.gather(*(of(s) for s in CONSUMING))
    letters = [(s, d) for s, page, _ in found if page for d in page["items"]]
    waiting = [(s, d) for s, d in letters if not d["redriven_at"]]
    redriven = [(s, d) for s, d in letters if d["redriven_at"]]
    errors = [(s, e) for s, _, e in found if e]
    return render(
        request,
        "console_dead_letters.html",
        viewer=v,
        waiting=waiting,
        redriven=redriven,
        errors=errors,
    )


def _letter_path(service: str, topic: str, partition: int, offset: int) -> str:
    return f"/operations/dead-letters/{quote(topic, safe='')}/{partition}/{offset}"


def _consuming(service: str) -> str:
    if service not in CONSUMING:
        raise NotForThisAccount("Dịch vụ này không tiêu thụ sự kiện nên không có thư lỗi.")
    return service


@router.get(
    "/thu-loi/{service}/{topic}/{partition}/{offset}",
    response_class=HTMLResponse,
    summary="One dead letter",
)
async def dead_letter(
    request: Request, service: str, topic: str, partition: int, offset: int, v: Operator
) -> Response:
    path = _letter_path(_consuming(service), topic, partition, offset)
    letter = await backend(request).get(service, path, v.token)
    return render(request, "console_dead_letter.html", viewer=v, service=service, d=letter)


@router.post("/thu-loi/{service}/{topic}/{partition}/{offset}/gui-lai", summary="Redrive it")
async def redrive(
    request: Request,
    service: str,
    topic: str,
    partition: int,
    offset: int,
    v: Operator,
    _: Annotated[dict, Depends(form)],
) -> Response:
    path = _letter_path(_consuming(service), topic, partition, offset)
    await backend(request).post(service, f"{path}/redrive", v.token, {})
    target = f"/van-hanh/thu-loi/{service}/{quote(topic, safe='')}/{partition}/{offset}"
    return RedirectResponse(target, status_code=303)


# ---- deliveries and subscribers --------------------------------------------------------------


@router.get("/gui-tin", response_class=HTMLResponse, summary="Parked deliveries, suspended")
async def deliveries(request: Request, v: Operator) -> Response:
    parked, suspended = await asyncio.gather(_parked(request, v), _suspended(request, v))
    return render(request, "console_deliveries.html", viewer=v, parked=parked, suspended=suspended)


@router.get("/gui-tin/{delivery_id}", response_class=HTMLResponse, summary="One delivery")
async def delivery(request: Request, delivery_id: UUID, v: Operator) -> Response:
    d = await backend(request).get("notify", f"/deliveries/{delivery_id}", v.token)
    return render(request, "console_delivery.html", viewer=v, d=d)


@router.post("/gui-tin/{delivery_id}/gui-lai", summary="Redeliver it")
async def redeliver(
    request: Request, delivery_id: UUID, v: Operator, _: Annotated[dict, Depends(form)]
) -> Response:
    await backend(request).post("notify", f"/deliveries/{delivery_id}/redeliver", v.token, {})
    return RedirectResponse(f"/van-hanh/gui-tin/{delivery_id}", status_code=303)


@router.post("/thue-bao/{subscription_id}/tiep-tuc", summary="Resume a suspended subscriber")
async def resume(
    request: Request, subscription_id: UUID, v: Operator, _: Annotated[dict, Depends(form)]
) -> Response:
    await backend(request).post("notify", f"/subscriptions/{subscription_id}/resume", v.token, {})
    return RedirectResponse("/van-hanh/gui-tin", status_code=303)


# ---- traces --------------------------------------------------------------------------------


@router.get("/vet", response_class=HTMLResponse, summary="The latest traces")
async def latest_traces(request: Request, v: Operator) -> Response:
    settings = request.app.state.settings
    return render(
        request,
        "console_traces.html",
        viewer=v,
        traces=traces.latest(settings, LATEST_TRACES),
        jaeger=settings.web_jaeger_url,
        local=settings.web_traces_file is not None,
    )


@router.get("/vet/{trace_id}", response_class=HTMLResponse, summary="One trace as a tree")
async def trace(request: Request, trace_id: str, v: Operator) -> Response:
    settings = request.app.state.settings
    t = traces.one(settings, trace_id.lower())
    if t is None:
        message = f"Không có vết {trace_id} trong các vết đã nhận."
        return render(request, "error.html", status=404, message=message, viewer=v)
    return render(request, "console_trace.html", viewer=v, t=t, jaeger=settings.web_jaeger_url)
