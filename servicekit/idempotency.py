"""Idempotency-Key for POST, and the request's database transaction: effects, outbox rows, the
audit row and the stored answer commit together, and a retry with the same key gets the stored
answer (`RequestUnitOfWork`, `Transaction`). The steps and the answers (409, 422, what is stored):
docs/architecture.md, "Idempotency keys and the request's transaction".
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import AsyncIterator
from typing import Annotated, Any

import asyncpg
from fastapi import Depends, Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from schemas.envelope import source_for
from servicekit import audit, auth
from servicekit.db import as_connection, with_riders
from servicekit.messages import Msg
from servicekit.problems import problem_response
from servicekit.unit_of_work import UnitOfWork

log = logging.getLogger("servicekit.idempotency")

HEADER = "idempotency-key"
REPLAYED = (b"idempotent-replayed", b"true")
_CONNECTION = "request_transaction"  # key in scope["state"]
_NOT_STORED = frozenset({408, 425, 429})
_SKIPPED_HEADERS = frozenset({b"date", b"server"})
_DEFAULT_TTL = 24 * 3600


async def request_transaction(request: Request) -> AsyncIterator[asyncpg.Connection]:
    """The connection, already in a transaction, that a handler's writes belong on (who commits
    it: docs/architecture.md, "Idempotency keys and the request's transaction")."""
    con = request.scope.get("state", {}).get(_CONNECTION)
    if con is not None:  # the idempotency middleware commits or rolls back
        yield con
        return
    async with request.app.state.service.pool.acquire() as con, con.transaction():
        yield con
        await audit.record_in(con, request.scope)  # the handler returned: its row, same commit


async def request_unit_of_work(request: Request) -> AsyncIterator[UnitOfWork]:
    """A UnitOfWork (state changes and the events they publish) for the handler. Under an
    Idempotency-Key it lives inside the request's transaction, so the outbox rows commit with the
    stored answer; otherwise it is a transaction of its own, committed before the answer is sent.
    Events carry the service's conventional source (`/thidua/<service>`)."""
    service = request.app.state.service
    con = request.scope.get("state", {}).get(_CONNECTION)
    source = source_for(service.settings.service)
    if con is not None:  # the middleware's savepoint around the handler is enough
        async with UnitOfWork(
            connection=con, source=source, topic_map=service.topic_map, savepoint=False
        ) as uow:
            yield uow
        return
    async with UnitOfWork(service.pool, source=source, topic_map=service.topic_map) as uow:
        yield uow
        # the handler returned: its audit row, in the outbox's statement, same commit
        if (insert := audit.insert_in(request.scope)) is not None:
            uow.also(insert)


# `scope="function"`: commit before the answer is sent, not after.
Transaction = Annotated[asyncpg.Connection, Depends(request_transaction, scope="function")]
RequestUnitOfWork = Annotated[UnitOfWork, Depends(request_unit_of_work, scope="function")]


async def purge_expired(con: asyncpg.Connection | asyncpg.Pool, ttl_seconds: int) -> int:
    status = await con.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(secs => $1)",
        float(ttl_seconds),
    )
    return int(status.split()[-1])


def _valid_key(key: str) -> bool:
    return 0 < len(key) <= 255 and all(" " < c <= "~" for c in key)


class _Captured:
    """The handler's answer, held back until the transaction is settled."""

    def __init__(self) -> None:
        self.status = 0
        self.headers: list[tuple[bytes, bytes]] = []
        self.body = bytearray()

    async def send(self, message: Message) -> None:
        if message["type"] == "http.response.start":
            self.status = message["status"]
            self.headers = list(message.get("headers", []))
        elif message["type"] == "http.response.body":
            self.body += message.get("body", b"")

    async def replay_to(self, send: Send) -> None:
        await send({"type": "http.response.start", "status": self.status, "headers": self.headers})
        await send({"type": "http.response.body", "body": bytes(self.body)})


class IdempotencyMiddleware:
    def __init__(self, app: ASGIApp, ttl_seconds: int | None = None) -> None:
        self.app = app
        self.ttl_seconds = ttl_seconds

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        key = request.headers.get(HEADER)
        if key is None:
            await self.app(scope, receive, send)
            return
        if not _valid_key(key):
            await problem_response(
                400,
                "Idempotency-Key must be 1 to 255 visible ASCII characters",
                scope=scope,
                type="idempotency-key-invalid",
            )(scope, receive, send)
            return
        try:
            principal = (await auth.principal_of(request)).sub
        except Exception:  # no valid token: the route's own auth dependency answers
            await self.app(scope, receive, send)
            return
        service = getattr(scope["app"].state, "service", None)
        pool: asyncpg.Pool | None = getattr(service, "pool", None)
        if pool is None:
            await problem_response(503, "idempotency store unavailable", scope=scope)(
                scope, receive, send
            )
            return
        body = await _read_body(receive)
        if body is None:  # the client went away
            return
        settings = getattr(service, "settings", None)
        ttl = self.ttl_seconds or int(getattr(settings, "idempotency_ttl_seconds", _DEFAULT_TTL))
        query = scope.get("query_string", b"").decode("latin-1")
        path = f"{scope['path']}?{query}" if query else scope["path"]
        request_hash = hashlib.sha256(body).hexdigest()

        async def replay_body() -> Message:
            nonlocal body
            if body is None:
                return await receive()
            message = {"type": "http.request", "body": body, "more_body": False}
            body = None
            return message

        async with pool.acquire() as con:
            answer = await self._in_transaction(
                as_connection(con), scope, replay_body, key, principal, path, request_hash, ttl
            )
        if isinstance(answer, _Captured):
            await answer.replay_to(send)
        else:
            await answer(scope, receive, send)

    async def _in_transaction(
        self,
        con: asyncpg.Connection,
        scope: Scope,
        receive: Receive,
        key: str,
        principal: str,
        path: str,
        request_hash: str,
        ttl: int,
    ) -> Any:
        """The answer to send (a captured response or an ASGI app), once the transaction is
        committed or rolled back."""
        instance = scope["path"]
        try:
            async with con.transaction():
                locked = await con.fetchval(
                    "SELECT pg_try_advisory_xact_lock(hashtextextended($1, 0))",
                    f"idempotency\x1f{principal}\x1f{key}",
                )
                if not locked:
                    raise _Rollback(
                        problem_response(
                            409,
                            "a request with this Idempotency-Key is still being processed",
                            scope=scope,
                            type="idempotency-key-in-use",
                            headers={"Retry-After": "1"},
                        )
                    )
                row = await con.fetchrow(
                    "SELECT method, path, request_hash, status, response_body, response_headers,"
                    " created_at > now() - make_interval(secs => $3) AS live"
                    " FROM idempotency_keys WHERE key = $1 AND principal = $2",
                    key,
                    principal,
                    float(ttl),
                )
                if row is not None and row["live"]:
                    raise _Rollback(_stored_answer(row, scope, path, request_hash))
                if row is not None:  # expired: the key starts afresh
                    await con.execute(
                        "DELETE FROM idempotency_keys WHERE key = $1 AND principal = $2",
                        key,
                        principal,
                    )
                answer = await self._run_handler(con, scope, receive)
                if answer.status >= 500 or answer.status in _NOT_STORED:
                    raise _Rollback(answer)
                store = (
                    "INSERT INTO idempotency_keys (key, principal, method, path, request_hash,"
                    " status, response_body, response_headers)"
                    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
                    [
                        key,
                        principal,
                        scope["method"],
                        path,
                        request_hash,
                        answer.status,
                        bytes(answer.body),
                        _headers_json(answer.headers),
                    ],
                )
                audited = audit.insert_in(scope, answer.status)  # a POST: always a row
                sql, args = with_riders(store, [audited] if audited else [])
                await con.execute(sql, *args)
            return answer  # committed
        except _Rollback as rolled_back:
            return rolled_back.answer
        except asyncpg.PostgresError:
            # The handler failed in SQL or left the transaction aborted, or the commit failed:
            # no effect kept and nothing stored, so the client may retry.
            log.exception("idempotent %s %s not committed", scope["method"], instance)
            return problem_response(
                500, "The request could not be completed; it may be retried.", scope=scope
            )

    async def _run_handler(
        self, con: asyncpg.Connection, scope: Scope, receive: Receive
    ) -> _Captured:
        captured = _Captured()
        state = scope.setdefault("state", {})
        savepoint = con.transaction()
        await savepoint.start()
        state[_CONNECTION] = con
        try:
            await self.app(scope, receive, captured.send)
        finally:
            state.pop(_CONNECTION, None)
        if not captured.status:
            raise RuntimeError("the app sent no response")
        if 400 <= captured.status < 500:
            await savepoint.rollback()  # a refused request keeps no effect
        # else the savepoint is left open, not released: COMMIT keeps its work all the same,
        # and a RELEASE would be one more round trip
        return captured


class _Rollback(Exception):
    """Leaves the transaction without keeping anything, carrying the answer to send."""

    def __init__(self, answer: Any) -> None:
        super().__init__()
        self.answer = answer


def _headers_json(headers: list[tuple[bytes, bytes]]) -> str:
    return json.dumps(
        [
            [n.decode("latin-1"), v.decode("latin-1")]
            for n, v in headers
            if n.lower() not in _SKIPPED_HEADERS
        ]
    )


_REUSED = {
    "body": Msg("this Idempotency-Key was used for a request with a different body"),
    "method": Msg("this Idempotency-Key was used for a request with a different method"),
    "path": Msg("this Idempotency-Key was used for a request with a different path"),
}


def _stored_answer(row: asyncpg.Record, scope: Scope, path: str, request_hash: str) -> Any:
    for field, now in (("method", scope["method"]), ("path", path), ("request_hash", request_hash)):
        if row[field] != now:
            mismatch = "body" if field == "request_hash" else field
            return problem_response(
                422,
                _REUSED[mismatch],
                scope=scope,
                title="Idempotency-Key reused",
                type="idempotency-key-reused",
                mismatch=mismatch,
            )
    answer = _Captured()
    answer.status = row["status"]
    answer.headers = [
        (n.encode("latin-1"), v.encode("latin-1")) for n, v in json.loads(row["response_headers"])
    ]
    answer.headers.append(REPLAYED)
    answer.body = bytearray(row["response_body"])
    return answer


async def _read_body(receive: Receive) -> bytes | None:
    chunks = []
    while True:
        message = await receive()
        if message["type"] == "http.disconnect":
            return None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks)
