"""The live pages' server-sent event stream: wait for a nudge of the page's keys (the hub, fed by
progress's events: services/web/consumers/live.py), fetch the figures again with the viewer's
token, send the rendered fragment, which static/live.js puts in place."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence

from fastapi import Request
from fastapi.responses import StreamingResponse

from services.web.adapters.backend import BackendError

KEEPALIVE_S = 15.0


def sse(event: str, html: str) -> str:
    lines = "".join(f"data: {line}\n" for line in html.splitlines() or [""])
    return f"event: {event}\n{lines}\n"


def stream(
    request: Request,
    keys: Sequence[str],
    fragment: Callable[[], Awaitable[str]],
    *,
    follow: int = 0,
    send_first: bool = False,
) -> StreamingResponse:
    """`fragment()` fetches and renders; each nudge sends it. With `follow` > 0, a nudge starts
    fetching every second instead, sending each change, until `follow` fetches in a row bring no
    new nudge: for figures a worker recomputes some time after the event that nudged (a bloc's
    standings), where more than one change may land. With `send_first`, the fragment is sent
    once on connecting (what moved before the page opened its stream would nudge nobody)."""
    hub = request.app.state.hub

    async def events() -> AsyncIterator[str]:
        shown = await fragment() if follow else None
        with hub.watch(*keys) as nudge:
            yield ": connected\n\n"  # the headers go out now: the page knows it is live
            if send_first:
                yield sse("dashboard", await fragment())
            while not hub.closed and not await request.is_disconnected():
                try:
                    await asyncio.wait_for(nudge.wait(), KEEPALIVE_S)
                except TimeoutError:
                    yield ": keepalive\n\n"
                    continue
                quiet = 0
                while nudge.is_set() or (follow and quiet < follow):
                    if hub.closed:
                        return
                    quiet = 0 if nudge.is_set() else quiet + 1
                    nudge.clear()
                    try:
                        now = await fragment()
                    except BackendError:
                        yield sse("stale", "")  # the page says its figures may be old
                        break
                    if not follow or now != shown:
                        shown = now
                        yield sse("dashboard", now)
                    if follow:
                        await asyncio.sleep(1.0)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
