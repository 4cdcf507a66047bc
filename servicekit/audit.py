"""Audit trail: every write, every refused access and every read of personal data becomes one
`audit_log` row (who, what, how it ended, the trace; never a body): committed with the write's
effects, or after the answer for the rest: docs/architecture.md, "The audit trail".
"""

from __future__ import annotations

import asyncio
import logging
import re
from typing import Any

import asyncpg
from fastapi import Depends
from opentelemetry import trace
from starlette.requests import Request
from starlette.routing import compile_path
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.auth import InvalidToken, KeysUnavailable, Principal, verifier_for
from servicekit.db import Statement
from servicekit.text import FORBIDDEN

log = logging.getLogger("servicekit.audit")

WRITES = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_TRACEPARENT = re.compile(r"^[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}$")


def audit_object(request: Request, obj: str) -> None:
    """Name the object a handler acted on, e.g. `audit_object(request, f"nomination:{nid}")`.
    An identifier only, never a person's name or other personal data."""
    request.state.audit_object = obj


_READ = "audit_read"  # key in scope["state"]: the route reads personal data


async def _personal_read(request: Request) -> None:
    request.state.audit_read = True


PersonalRead = Depends(_personal_read)
"""`dependencies=[PersonalRead]` on a route that reads personal data: each of its answers gets
an audit row naming the reader (never the query, which may hold a name)."""

MAX_TEXT = 200


def bounded(text: str | None) -> str | None:
    """Caller-chosen text made safe to store: control and bidirectional characters escaped
    (\\x00, \\u202e), at most MAX_TEXT characters (… marks a cut)."""
    if text is None:
        return None
    safe = FORBIDDEN.sub(lambda m: repr(m.group())[1:-1], text)
    return safe if len(safe) <= MAX_TEXT else safe[: MAX_TEXT - 1] + "…"


def outcome(status: int) -> str:
    if status in (401, 403):
        return "refused"
    if status >= 500:
        return "error"
    return "invalid" if status >= 400 else "ok"


def _trace_id(scope: Scope) -> str | None:
    ctx = trace.get_current_span().get_span_context()  # when tracing is on
    if ctx.is_valid:
        return format(ctx.trace_id, "032x")
    for name, value in scope.get("headers", ()):
        if name == b"traceparent":
            m = _TRACEPARENT.match(value.decode("latin-1").strip())
            return m.group(1) if m else None
    return None


def _route(scope: Scope) -> tuple[str, dict[str, str]]:
    """The route template (e.g. `/units/{unit_id}`) and path parameters, matched against the
    app's OpenAPI paths: they carry every router prefix, and they also name answers given before
    routing (a replayed Idempotency-Key, a 413). A path no documented route matches is kept as
    is: paths carry ids, never personal data."""
    app = scope["app"]
    templates = getattr(app.state, "audit_templates", None)
    if templates is None:
        templates = []
        try:
            paths = app.openapi().get("paths", {})
        except Exception:  # a schema that cannot be built must not stop the audit
            log.exception("no OpenAPI paths for audit action names")
            paths = {}
        for template, operations in paths.items():
            regex = compile_path(template)[0]
            templates.append((regex, template, {m.upper() for m in operations}))
        app.state.audit_templates = templates
    fallback = None
    for regex, template, methods in templates:
        if m := regex.match(scope["path"]):
            if scope["method"] in methods:
                return template, m.groupdict()
            fallback = fallback or (template, m.groupdict())
    return fallback or (scope["path"], {})


class AuditMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        trace_id = _trace_id(scope)  # now, while the request's span is current
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        except Exception:
            await self._record(scope, status or 500, trace_id)
            raise
        await self._record(scope, status, trace_id)

    async def _record(self, scope: Scope, status: int, trace_id: str | None) -> None:
        method = scope["method"]
        state = scope.get("state", {})
        if method not in WRITES and status not in (401, 403) and not state.get(_READ):
            return
        # Written with the effects; a 5xx after that means the commit may have failed with it.
        if state.get(_RECORDED) and status < 500:
            return
        service = getattr(scope["app"].state, "service", None)
        pool = getattr(service, "pool", None)
        if pool is None:
            log.warning("no database pool: audit row for %s not written", method)
            return
        trail = getattr(scope["app"].state, "audit_trail", None)
        if trail is None or trail.pool is not pool:
            trail = scope["app"].state.audit_trail = AuditTrail(pool)
        if state.get("principal") is None and status != 401:
            await _identify(scope)
        row = _row(scope, status, trace_id)
        try:
            await trail.write(row)
        except Exception:
            log.exception("audit row for %s %s not written", method, row[2])


_RECORDED = "audit_recorded"  # key in scope["state"]: the row went in with the effects


async def _identify(scope: Scope) -> None:
    """The caller of a request answered before its token was looked at (a 413, a bad URL, an
    unknown route): the token's subject when it is valid, so the row names who sent it. A 401
    is not retried: its token was just refused."""
    for name, value in scope.get("headers", ()):
        if name == b"authorization":
            scheme, _, token = value.decode("latin-1").partition(" ")
            if scheme.lower() != "bearer" or not token.strip():
                return
            try:
                principal = await verifier_for(scope["app"]).verify(token.strip())
            except (InvalidToken, KeysUnavailable):
                return
            except Exception:  # the audit must not fail the answer
                log.exception("token of an audited request not verified")
                return
            scope.setdefault("state", {})["principal"] = principal
            return


def _row(scope: Scope, status: int, trace_id: str | None) -> tuple:
    state: dict[str, Any] = scope.get("state", {})
    principal = state.get("principal")
    if not isinstance(principal, Principal):
        principal = None
    template, params = _route(scope)
    obj = state.get("audit_object")
    if obj is None and params:
        obj = ",".join(f"{k}={v}" for k, v in sorted(params.items()))
    return (
        principal.sub if principal else "anonymous",
        sorted(principal.roles) if principal else [],
        bounded(f"{scope['method']} {template}"),
        bounded(obj),
        outcome(status),
        status,
        trace_id,
    )


def insert_in(scope: Scope, status: int | None = None) -> Statement | None:
    """The INSERT of the request's audit row (None: not a write), for the transaction that
    holds its effects; the request is marked so the middleware does not write it again.
    `status`: the answer's, when known (an Idempotency-Key's captured answer); else the route's
    declared success status, as a handler that returned normally answers with it."""
    if scope["method"] not in WRITES:
        return None
    if status is None:
        status = getattr(scope.get("route"), "status_code", None) or 200
    scope.setdefault("state", {})[_RECORDED] = True
    return _INSERT, _columns([_row(scope, status, _trace_id(scope))])


async def record_in(con: asyncpg.Connection, scope: Scope, status: int | None = None) -> None:
    """Write the request's audit row on `con` now (`insert_in`)."""
    if (insert := insert_in(scope, status)) is not None:
        await con.execute(insert[0], *insert[1])


def _columns(rows: list[tuple]) -> list[list]:
    columns = [list(c) for c in zip(*rows, strict=True)]
    # roles are role names (no spaces): one text per row, split in SQL
    columns[1] = [" ".join(roles) for roles in columns[1]]
    return columns


_INSERT = """
INSERT INTO audit_log (actor, roles, action, object, outcome, status, trace_id)
SELECT actor, string_to_array(roles, ' '), action, object, outcome, status, trace_id
FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::int[], $7::text[])
     WITH ORDINALITY AS x(actor, roles, action, object, outcome, status, trace_id, n)
ORDER BY n
"""


class AuditTrail:
    """Writes audit rows in groups: a row given while an INSERT runs waits for the next one,
    which takes every row that waited (group commit). `write` returns once its row is stored."""

    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool
        self.inserts = 0  # statements written so far (tests, diagnostics)
        self._waiting: list[tuple[tuple, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def write(self, row: tuple) -> None:
        done = asyncio.get_running_loop().create_future()
        self._waiting.append((row, done))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_waiting())
        await done

    async def _write_waiting(self) -> None:
        while self._waiting:
            group, self._waiting = self._waiting, []
            columns = _columns([row for row, _ in group])
            try:
                async with self.pool.acquire() as con:
                    await con.execute(_INSERT, *columns)
                self.inserts += 1
            except Exception as e:
                for _, done in group:
                    if not done.done():
                        done.set_exception(e)
                continue
            for _, done in group:
                if not done.done():
                    done.set_result(None)
