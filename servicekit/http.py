"""The HTTP app factory: FastAPI with health and readiness probes, the event schemas at /schemas,
OpenAPI at /openapi.json with Swagger UI at /docs and ReDoc at /redoc (their assets served by the
service itself: no CDN), and the runtime every service's API shares: problem-details errors, a
request size limit, the audit trail and Idempotency-Key handling.

Settings and the database pool are found at request time on `app.state.service` (what
`servicekit.service.build_app` sets after creating the app).
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from typing import Annotated, Any, TypeVar
from urllib.parse import parse_qsl, unquote_to_bytes

import asyncpg
from fastapi import APIRouter, Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi_offline import FastAPIOffline
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit import auth, metrics, openapi, problems, schema_api, text
from servicekit.audit import AuditMiddleware
from servicekit.idempotency import IdempotencyMiddleware
from servicekit.messages import Msg
from servicekit.settings import ServiceSettings

ReadyCheck = Callable[[], Awaitable[None]]
_DEFAULT_MAX_BYTES = ServiceSettings.model_fields["max_request_bytes"].default


UPLOADS = "/imports/"  # file uploads get `max_upload_bytes` instead of `max_request_bytes`


class BodySizeLimitMiddleware:
    """Answers 413 to a request whose body exceeds the limit; the app never sees it.

    A declared Content-Length is checked before anything is read (the server holds the client
    to it). A body without one (chunked, or HTTP/2) is read here, counting bytes, up to the limit,
    and handed on only once complete and within it: a handler never starts on a body that will
    turn out too large.
    """

    def __init__(self, app: ASGIApp, max_bytes: int | None = None) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _limit(self, scope: Scope) -> int:
        if self.max_bytes is not None:
            return self.max_bytes
        settings = getattr(getattr(scope["app"].state, "service", None), "settings", None)
        if settings is None:
            return _DEFAULT_MAX_BYTES
        if scope["path"].startswith(UPLOADS):
            return settings.max_upload_bytes
        return settings.max_request_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self._limit(scope)
        headers = dict(scope["headers"])
        declared = headers.get(b"content-length")
        if declared is not None:
            try:
                too_large = int(declared) > limit
            except ValueError:
                await self._reject(scope, receive, send, 400, Msg("invalid Content-Length"))
                return
            if too_large:
                await self._too_large(scope, receive, send, limit)
                return
            await self.app(scope, receive, send)  # the server enforces the declared length
            return
        chunks, size = [], 0
        while True:
            message = await receive()
            if message["type"] == "http.disconnect":
                return
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                await self._too_large(scope, receive, send, limit)
                return
            chunks.append(chunk)
            if not message.get("more_body", False):
                break
        body: bytes | None = b"".join(chunks)

        async def replay() -> Message:
            nonlocal body
            if body is None:
                return await receive()
            message = {"type": "http.request", "body": body, "more_body": False}
            body = None
            return message

        await self.app(scope, replay, send)

    async def _too_large(self, scope: Scope, receive: Receive, send: Send, limit: int) -> None:
        detail = Msg("the request body exceeds the limit of {limit} bytes", limit=limit)
        await self._reject(scope, receive, send, 413, detail, max_bytes=limit)

    @staticmethod
    async def _reject(
        scope: Scope, receive: Receive, send: Send, status: int, detail: str, **extra: Any
    ) -> None:
        response = problems.problem_response(
            status,
            detail,
            scope=scope,
            headers={"Connection": "close"},  # the rest of the body is never read
            **extra,
        )
        await response(scope, receive, send)


class UrlTextMiddleware:
    """Answers 422 to a request whose path or query holds a forbidden character
    (`servicekit.text`), naming the parameter: a NUL in `?q=` would otherwise reach PostgreSQL,
    which refuses it with an error the client saw as 500."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        found = self._offending(scope) if scope["type"] == "http" else None
        if found is None:
            await self.app(scope, receive, send)
            return
        where, name, char = found
        response = problems.problem_response(
            422,
            text.refusal(f"{where} {name}".strip(), char),
            scope=scope,
            instance=text.FORBIDDEN.sub("", scope["path"])[:200],
            title="Invalid request",
            type="validation",
            errors=[{"in": where, "name": name, "detail": text.refusal(text.VALUE, char)}],
        )
        await response(scope, receive, send)

    @staticmethod
    def _offending(scope: Scope) -> tuple[str, str, str] | None:
        """(where, parameter name, character) of the first forbidden character, or None."""
        char = text.forbidden_char(scope["path"])
        if char is not None:
            return "path", "", char
        query: bytes = scope.get("query_string", b"")
        if not query or not text.has_forbidden_bytes(unquote_to_bytes(query)):
            return None
        pairs = parse_qsl(query.decode("utf-8", "replace"), keep_blank_values=True)
        for name, value in pairs:
            char = text.forbidden_char(name) or text.forbidden_char(value)
            if char is not None:
                return "query", text.FORBIDDEN.sub("", name)[:64], char
        return None


def create_app(
    *,
    title: str,
    description: str,
    lifespan: Callable[[FastAPI], AsyncIterator[None]],
    ready_checks: dict[str, ReadyCheck],
    degraded_checks: dict[str, ReadyCheck] | None = None,
    routers: Sequence[APIRouter] = (),
    max_request_bytes: int | None = None,
    idempotency_ttl_seconds: int | None = None,
) -> FastAPI:
    """`max_request_bytes` and `idempotency_ttl_seconds` override the service's settings."""
    app = FastAPIOffline(
        title=title,
        description=description,
        version="1",
        lifespan=asynccontextmanager(lifespan),
        docs_url="/docs",
        redoc_url="/redoc",
        static_url=DOCS_ASSETS,
        swagger_ui_parameters={"validatorUrl": None},  # the badge would call an outside host
    )
    openapi.install(app, SERVERS)
    problems.install(app)
    app.add_exception_handler(
        RequestValidationError,
        auth.token_first(problems.validation_handler),
    )
    # Added innermost first: audit sees every answer, including the 413 and the replays.
    app.add_middleware(IdempotencyMiddleware, ttl_seconds=idempotency_ttl_seconds)
    app.add_middleware(BodySizeLimitMiddleware, max_bytes=max_request_bytes)
    app.add_middleware(UrlTextMiddleware)
    app.add_middleware(AuditMiddleware)
    app.add_middleware(DocsPolicyMiddleware)

    @app.get("/health", tags=["operations"], summary="The process is alive")
    async def health() -> dict[str, str]:
        return {"status": "ok"}

    optional = degraded_checks or {}

    @app.get(
        "/ready",
        tags=["operations"],
        summary="Can this instance serve its API (200), and which dependencies are degraded",
    )
    async def ready() -> JSONResponse:
        """503 only when the API cannot serve (its database is unreachable). A dependency the API
        can do without for a while (the broker: writes wait in the outbox) is reported as
        `degraded`, in the body and in the `thidua_dependency_up` metric, with 200: a load
        balancer must not take away an instance that still accepts work. 503 `draining` from
        the moment the process was told to stop (`servicekit.service.serve`)."""
        if getattr(app.state, "draining", False):
            return JSONResponse(
                {"status": "draining", "checks": {}, "degraded": []}, status_code=503
            )
        checks: dict[str, str] = {}
        for name, check in {**ready_checks, **optional}.items():
            try:
                await check()
                checks[name] = "ok"
            except Exception as exc:  # a probe reports, it does not raise
                checks[name] = f"failed: {type(exc).__name__}: {exc}"
            metrics.DEPENDENCY_UP.labels(_service_name(app), name).set(checks[name] == "ok")
        ok = all(checks[name] == "ok" for name in ready_checks)
        degraded = sorted(name for name in optional if checks[name] != "ok")
        status = "not ready" if not ok else "degraded" if degraded else "ready"
        return JSONResponse(
            {"status": status, "checks": checks, "degraded": degraded},
            status_code=200 if ok else 503,
        )

    app.include_router(schema_api.router)
    for router in routers:
        app.include_router(router)
    return app


DOCS_ASSETS = "/docs-assets"  # Swagger UI's and ReDoc's scripts, from the fastapi-offline package

# ReDoc's bundle shows its maker's logo from their CDN whatever its options: the documentation
# pages may load from this origin only (their own inline script and styles, ReDoc's search
# worker from a blob), so no request leaves for another host and nothing breaks without it.
DOCS_POLICY = (
    b"default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; "
    b"img-src 'self' data:; worker-src 'self' blob:; connect-src 'self'; "
    b"frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
)


class DocsPolicyMiddleware:
    """A Content-Security-Policy of this origin only on the documentation pages."""

    PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] not in self.PATHS:
            await self.app(scope, receive, send)
            return

        async def with_policy(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                headers.append((b"content-security-policy", DOCS_POLICY))
                message = {**message, "headers": headers}
            await send(message)

        await self.app(scope, receive, with_policy)


# Relative: the service that served the document, wherever it is deployed.
SERVERS = [{"url": "/", "description": "This service (where this document was fetched)"}]


def _service_name(app: FastAPI) -> str:
    settings = getattr(getattr(app.state, "service", None), "settings", None)
    return settings.service if settings is not None else app.title


async def _read_connection(request: Request) -> AsyncIterator[asyncpg.Connection]:
    async with request.app.state.service.pool.acquire() as con:
        yield con


ReadConnection = Annotated[asyncpg.Connection, Depends(_read_connection)]
"""A pooled connection for a request that only reads (writes go through RequestUnitOfWork)."""

T = TypeVar("T")


def on_loop(read: Callable[[Request], T]) -> Callable[[Request], Awaitable[T]]:
    """`Depends(on_loop(f))` for a plain function that only reads the app's state: FastAPI runs a
    `def` dependency in a worker thread, and the hop there and back (thread wake-ups, the GIL
    changing hands) costs far more than the read; as a coroutine it runs on the event loop."""

    async def dependency(request: Request) -> T:
        return read(request)

    return dependency
