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
    until_changed: int = 0,
    send_first: bool = False,
) -> StreamingResponse:
    """`fragment()` fetches and renders. With `until_changed` > 0, a nudge fetches again (a
    second apart, that many times at most) until the fragment differs from the last one sent:
    for figures a worker recomputes after the event that nudged (a bloc's standings). With
    `send_first`, the fragment is sent once on connecting (what moved before the page opened its
    stream would nudge nobody)."""
    hub = request.app.state.hub

    async def refreshed(shown: str | None) -> str | None:
        for _ in range(max(until_changed, 1)):
            now = await fragment()
            if not until_changed or now != shown:
                return now
            await asyncio.sleep(1.0)
            if hub.closed:
                break
        return None

    async def events() -> AsyncIterator[str]:
        shown = await fragment() if until_changed else None
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
                if hub.closed:
                    return
                nudge.clear()
                try:
                    now = await refreshed(shown)
                except BackendError:
                    yield sse("stale", "")  # the page says its figures may be old
                    continue
                if now is not None:
                    shown = now
                    yield sse("dashboard", now)

    return StreamingResponse(
        events(),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-store", "X-Accel-Buffering": "no"},
    )
