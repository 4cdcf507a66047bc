"""The composition root of the web application: settings → backend client, sessions, token
verifier, live feed → pages. It owns no database: everything it shows comes from the four
services' APIs, called with the signed-in person's token."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles

from servicekit import telemetry
from servicekit.auth import Role, TokenVerifier
from services.web import signin
from services.web.adapters.backend import Backend, BackendError
from services.web.adapters.oidc import Provider
from services.web.config import WebSettings
from services.web.consumers.live import Feed, Hub
from services.web.pages import (
    bloc,
    charts,
    console,
    council,
    imports,
    office,
    officer,
    pipeline,
    pipeline_many,
    supervision,
    tree,
)
from services.web.pages.common import (
    FormRefused,
    NotForThisAccount,
    SignInNeeded,
    Viewer,
    refusal_page,
    render,
    sign_in_redirect,
    viewer,
)
from services.web.session import Sessions

NAME = "web"

# Every asset comes from this service: a closed provincial network reaches no other host, and a
# page that asked one would leak who reads what.
CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
)


def create(settings: WebSettings) -> FastAPI:
    telemetry.configure_logging(settings.service, settings.log_level)
    # one line per API call would bury the log: failures surface as BackendError instead
    logging.getLogger("httpx").setLevel(logging.WARNING)
    hub = Hub()
    feed = Feed(settings.kafka_bootstrap, settings.web_live_topic, hub)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        hub.close_on_stop()
        feed.start()
        try:
            yield
        finally:
            await feed.stop()
            await app.state.backend.close()

    app = FastAPI(title="thidua web", lifespan=lifespan, docs_url=None, redoc_url=None)
    app.state.settings = settings
    app.state.backend = Backend(settings.service_urls(), settings.web_api_timeout_s)
    app.state.sessions = Sessions(
        settings.web_session_key,
        secure=settings.web_secure_cookies,
        max_age=settings.web_session_seconds,
    )
    app.state.verifier = TokenVerifier.from_settings(settings)
    if settings.web_oidc_issuer:
        app.state.oidc = Provider(settings, app.state.backend.http)
    app.state.hub = hub
    app.state.feed = feed

    @app.middleware("http")
    async def security_headers(request: Request, call_next):
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", CSP)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if response.media_type == "text/html" or "text/html" in response.headers.get(
            "content-type", ""
        ):
            response.headers.setdefault("Cache-Control", "no-store")
        return response

    @app.exception_handler(SignInNeeded)
    async def _sign_in(request: Request, exc: SignInNeeded) -> Response:
        return sign_in_redirect(request)

    @app.exception_handler(FormRefused)
    async def _refused_form(request: Request, exc: FormRefused) -> Response:
        message = "Biểu mẫu đã hết hạn hoặc không hợp lệ. Hãy tải lại trang rồi gửi lại."
        return render(request, "error.html", status=403, message=message)

    @app.exception_handler(NotForThisAccount)
    async def _not_for_you(request: Request, exc: NotForThisAccount) -> Response:
        return render(request, "error.html", status=403, message=str(exc))

    @app.exception_handler(BackendError)
    async def _backend(request: Request, exc: BackendError) -> Response:
        if exc.status == 401:
            return sign_in_redirect(request)
        return refusal_page(request, exc)

    @app.get("/", include_in_schema=False)
    async def home(request: Request, v: Annotated[Viewer, Depends(viewer)]) -> Response:
        if v.principal.has_role(Role.PROVINCE_ADMIN, Role.SUPERVISOR):
            return RedirectResponse("/chien-dich", status_code=303)
        if v.principal.has_role(Role.UNIT_OFFICER):
            return RedirectResponse("/don-vi", status_code=303)
        if v.principal.council_id:
            return RedirectResponse("/hoi-dong", status_code=303)
        if v.principal.has_role(Role.OPERATOR):
            return RedirectResponse("/van-hanh", status_code=303)
        return render(request, "home.html", viewer=v)

    @app.get("/health", include_in_schema=False)
    async def health() -> dict:
        return {"status": "ok"}

    @app.get("/ready", include_in_schema=False)
    async def ready() -> Response:
        # serving pages needs nothing of ours; without the broker the dashboards are not live
        degraded = [] if feed.assigned.is_set() else ["broker"]
        return JSONResponse({"status": "ready", "degraded": degraded})

    app.include_router(signin.router)
    app.include_router(officer.router)
    app.include_router(office.router)
    app.include_router(pipeline.router)
    app.include_router(pipeline_many.router)
    app.include_router(council.router)
    app.include_router(bloc.router)
    app.include_router(supervision.router)
    app.include_router(charts.router)
    app.include_router(tree.router)
    app.include_router(imports.router)
    app.include_router(console.router)
    app.mount("/static", StaticFiles(directory=Path(__file__).parent / "static"), name="static")
    return app
