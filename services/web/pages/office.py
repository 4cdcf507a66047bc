"""The emulation office's pages: the campaigns, and a campaign's dashboard that updates itself.

The dashboard page opens a server-sent event stream (`/chien-dich/{id}/truc-tiep`); each time
progress publishes an event of the campaign (services/web/consumers/live.py) the stream fetches the
dashboard again with the viewer's token and sends the rendered fragment, which replaces the
old one in place."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response, StreamingResponse

from services.web.adapters.backend import BackendError
from services.web.pages.common import Viewer, backend, render, templates, viewer

router = APIRouter()

KEEPALIVE_S = 15.0


@router.get("/chien-dich", response_class=HTMLResponse, summary="Campaigns")
async def campaigns(request: Request, v: Annotated[Viewer, Depends(viewer)]) -> Response:
    page = await backend(request).get("registry", "/campaigns", v.token, limit=100)
    return render(request, "campaigns.html", viewer=v, campaigns=page["items"])


async def _dashboard(request: Request, v: Viewer, campaign_id: UUID) -> dict:
    return await backend(request).get("progress", f"/campaigns/{campaign_id}/dashboard", v.token)


@router.get("/chien-dich/{campaign_id}", response_class=HTMLResponse, summary="A dashboard")
async def dashboard(
    request: Request, campaign_id: UUID, v: Annotated[Viewer, Depends(viewer)]
) -> Response:
    campaign = await backend(request).get("registry", f"/campaigns/{campaign_id}", v.token)
    d = await _dashboard(request, v, campaign_id)
    return render(request, "dashboard.html", viewer=v, campaign=campaign, d=d)


def _sse(event: str, html: str) -> str:
    lines = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


@router.get("/chien-dich/{campaign_id}/truc-tiep", summary="The dashboard's live updates (SSE)")
async def live(
    request: Request, campaign_id: UUID, v: Annotated[Viewer, Depends(viewer)]
) -> Response:
    await _dashboard(request, v, campaign_id)  # refused here (403/404) before streaming
    hub = request.app.state.hub
    fragment = templates.get_template("dashboard_body.html")

    async def stream() -> AsyncIterator[str]:
        with hub.watch(str(campaign_id)) as nudge:
            yield ": connected\n\n"  # the headers go out now: the page knows it is live
            while not hub.closed and not await request.is_disconnected():
                try:
                    await asyncio.wait_for(nudge.wait(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                if hub.closed:
                    return
                nudge.clear()
                try:
                    d = await _dashboard(request, v, campaign_id)
                except BackendError:
                    yield _sse("stale", "")  # the page says its figures may be old
                    continue
                yield _sse("dashboard", fragment.render(d=d))

    return StreamingResponse(
        stream(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
