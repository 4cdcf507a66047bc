"""The emulation office's pages: the campaigns, and a campaign's dashboard that updates itself.

The dashboard page opens a server-sent event stream (`/chien-dich/{id}/truc-tiep`); each time
progress publishes an event of the campaign (services/web/consumers/live.py) the stream fetches the
dashboard again with the viewer's token and sends the rendered fragment, which replaces the
old one in place."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from services.web.pages import live_stream
from services.web.pages.common import Viewer, backend, render, templates, viewer

router = APIRouter()


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


@router.get("/chien-dich/{campaign_id}/truc-tiep", summary="The dashboard's live updates (SSE)")
async def live(
    request: Request, campaign_id: UUID, v: Annotated[Viewer, Depends(viewer)]
) -> Response:
    await _dashboard(request, v, campaign_id)  # refused here (403/404) before streaming
    template = templates.get_template("dashboard_body.html")

    async def fragment() -> str:
        return template.render(d=await _dashboard(request, v, campaign_id))

    return live_stream.stream(request, [str(campaign_id)], fragment)
