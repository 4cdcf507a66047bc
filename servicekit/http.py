"""The HTTP app factory: FastAPI with health and readiness probes and OpenAPI at /docs."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse

ReadyCheck = Callable[[], Awaitable[None]]


def create_app(
    *,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], AsyncIterator[None]],
    ready_checks: dict[str, ReadyCheck],
    routers: Sequence[APIRouter] = (),
) -> FastAPI:
    app = FastAPI(
        title=title,
        description=description,
        version="1",
        lifespan=asynccontextmanager(lifespan),
        docs_url="/docs",
    )

    @app.get("/health", tags=["operations"], summary="The process is alive")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    @app.get("/ready", tags=["operations"], summary="Database and broker are reachable")
    async def ready() -> JSONResponse:
        checks: dict[str, str] = {}
        for name, check in ready_checks.items():
            try:
                await check()
                checks[name] = "ok"
            except Exception as exc:  # a probe reports, it does not raise
                checks[name] = f"failed: {type(exc).__name__}: {exc}"
        ok = all(v == "ok" for v in checks.values())
        return JSONResponse(
            {"status": "ready" if ok else "not ready", "checks": checks},
            status_code=200 if ok else 503,
        )

    for router in routers:
        app.include_router(router)
    return app
