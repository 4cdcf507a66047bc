"""Error answers as RFC 9457 problem details (`application/problem+json`).

Every error a service returns has `type`, `title`, `status`, `detail` and `instance`; the
exception handlers here turn FastAPI's validation errors, HTTP exceptions, `Problem`, the domain
errors of `servicekit.errors` and anything unexpected into that shape. Input values are never
echoed back: they may hold personal data.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from http import HTTPStatus
from typing import Any

import asyncpg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Scope

from servicekit.errors import MAX_SUMMARY, Conflict, DomainError, NotFound
from servicekit.messages import SOURCE, Msg, joined, language_of, pydantic_message, translate

MEDIA_TYPE = "application/problem+json"
TYPE_BASE = "urn:thidua:problem:"  # problem types specific to thidua; generic ones use about:blank

log = logging.getLogger("servicekit.http")


def problem_type(slug: str) -> str:
    return f"{TYPE_BASE}{slug}"


def _phrase(status: int) -> str:
    try:
        return HTTPStatus(status).phrase
    except ValueError:
        return "Error"


class Problem(Exception):
    """Raise from a handler or dependency to answer with a problem document.

    `extra` members are added to the document (RFC 9457 extension members), e.g.
    `raise Problem(409, "Target already reported", detail="…", type="target-reported",
    target_id=str(tid))`. `type` is a slug under `TYPE_BASE` or a full URI.
    """

    def __init__(
        self,
        status: int,
        title: str | None = None,
        detail: str | None = None,
        *,
        type: str | None = None,
        headers: Mapping[str, str] | None = None,
        **extra: Any,
    ) -> None:
        self.status = status
        self.title = title or _phrase(status)
        self.detail = detail or self.title
        if type is None:
            self.type = "about:blank"
        elif ":" in type:
            self.type = type
        else:
            self.type = problem_type(type)
        self.headers = dict(headers or {})
        self.extra = extra
        super().__init__(f"{status} {self.title}: {self.detail}")

    def document(self, instance: str) -> dict[str, Any]:
        return {
            **self.extra,
            "type": self.type,
            "title": self.title,
            "status": self.status,
            "detail": self.detail,
            "instance": instance,
        }

    def response(self, instance: str, lang: str = SOURCE) -> JSONResponse:
        """The answer in `lang` (English, the source language, unless asked)."""
        return JSONResponse(
            localized(self.document(instance), lang),
            status_code=self.status,
            headers={**self.headers, "Content-Language": lang},
            media_type=MEDIA_TYPE,
        )

    def answer(self, request: Request) -> JSONResponse:
        """The answer to `request`, in its language."""
        return self.response(request.url.path, language_of(request))


def localized(document: dict[str, Any], lang: str) -> dict[str, Any]:
    """A problem document's texts for people in `lang`: title, detail, errors[].detail."""
    if lang == SOURCE:
        return document
    out = {**document, "title": translate(document["title"], lang)}
    out["detail"] = translate(document["detail"], lang)
    if isinstance(document.get("errors"), list):
        out["errors"] = [
            {**e, "detail": translate(e["detail"], lang)}
            if isinstance(e, dict) and isinstance(e.get("detail"), str)
            else e
            for e in document["errors"]
        ]
    return out


def problem_response(
    status: int,
    detail: str,
    *,
    scope: Scope,
    instance: str | None = None,
    title: str | None = None,
    **kw: Any,
) -> JSONResponse:
    """A problem answer built outside exception handling (e.g. by a pure ASGI middleware), in
    the language the request negotiates, as the handlers answer."""
    lang = language_of(Request(scope))
    return Problem(status, title, detail, **kw).response(instance or scope["path"], lang)


def field_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Pydantic/FastAPI errors as `{in, pointer|name, detail, type}`: a body field by its JSON
    pointer (RFC 6901, as a URI fragment like RFC 9457's example), a parameter by its name."""
    out = []
    for err in errors:
        loc = [str(p) for p in err.get("loc", ())]
        where = loc[0] if loc and loc[0] in ("body", "query", "path", "header", "cookie") else ""
        rest = loc[1:] if where else loc
        entry: dict[str, Any] = {"in": where or "body"}
        if entry["in"] == "body":
            if err.get("type") == "json_invalid":  # loc holds a character position, not a field
                rest = []
            escaped = (p.replace("~", "~0").replace("/", "~1") for p in rest)
            entry["pointer"] = "#" + "".join(f"/{p}" for p in escaped)
        else:
            entry["name"] = ".".join(rest)
        entry["detail"] = pydantic_message(err)
        if err.get("type") == "json_invalid" and isinstance(err.get("ctx"), dict):
            why = str(err["ctx"].get("error", ""))
            english = f"{err.get('msg', 'invalid')}: {why}".rstrip(": ")
            entry["detail"] = Msg.of(english, "JSON decode error: {error}", {"error": why})
        entry["type"] = err.get("type", "value_error")
        out.append(entry)
    return out


def _where(entry: dict[str, Any]) -> str:
    return entry.get("pointer") or f"{entry['in']} {entry.get('name', '')}".strip()


async def validation_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)  # registered for it alone
    errors = field_errors(list(exc.errors()))
    if any(e["type"] == "json_invalid" for e in errors):
        # Not a request with wrong values but one that cannot be read (RFC 9110 § 15.5.1).
        unparsable = next(e for e in errors if e["type"] == "json_invalid")
        return Problem(
            400,
            "Unparsable body",
            Msg("The request body is not valid JSON: {error}", error=unparsable["detail"]),
            type="unparsable-body",
            errors=[unparsable],
        ).answer(request)
    parts: list[str] = [joined([_where(e), e["detail"]], ": ") for e in errors[:MAX_SUMMARY]]
    if len(errors) > MAX_SUMMARY:
        parts.append(Msg("and {count} more", count=len(errors) - MAX_SUMMARY))
    return Problem(
        422,
        "Invalid request",
        Msg("The request is invalid: {summary}", summary=joined(parts))
        if parts
        else "The request is invalid",
        type="validation",
        errors=errors,
    ).answer(request)


def domain_problem(e: DomainError) -> Problem:
    """`Invalid` → 422 `validation`, `Conflict` → 409 `conflict-<code>`, `NotFound` → 404
    `not-found`; each carries `code`, its extras and, when it names fields, `errors`."""
    extra = dict(e.extra)
    if e.violations:
        extra["errors"] = [v.as_dict() for v in e.violations]
    if isinstance(e, Conflict):
        slug = f"conflict-{e.code}".replace("_", "-")
    elif isinstance(e, NotFound):
        slug = "not-found"
    else:
        slug = "validation"
    return Problem(e.status, e.title, e.detail, type=slug, code=e.code, **extra)


async def _domain_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, DomainError)
    return domain_problem(exc).answer(request)


async def _problem_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Problem)
    return exc.answer(request)


async def _http_handler(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else _phrase(exc.status_code)
    return Problem(exc.status_code, None, detail, headers=exc.headers).answer(request)


OUTAGE_RETRY_AFTER_S = 5

_OUTAGES: tuple[type[BaseException], ...] = (
    OSError,  # refused, reset, unreachable, the socket gone (ConnectionError is one)
    TimeoutError,  # no connection from the pool in time
    asyncpg.PostgresConnectionError,  # SQLSTATE class 08
    asyncpg.CannotConnectNowError,  # the server is starting or shutting down
    asyncpg.TooManyConnectionsError,
    asyncpg.exceptions.OperatorInterventionError,  # admin or crash shutdown of the backend
    asyncpg.ConnectionDoesNotExistError,  # the connection was lost mid-query
)


def is_outage(exc: BaseException) -> bool:
    """The error means a dependency is unreachable, not that the request or the code is wrong:
    the client should try again later. Looks through the exceptions that caused it too."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, _OUTAGES):
            return True
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return False


def outage_response(instance: str, lang: str = SOURCE) -> JSONResponse:
    return Problem(
        503,
        "Service Unavailable",
        "A service this request needs is unreachable; try again later.",
        type="unavailable",
        headers={"Retry-After": str(OUTAGE_RETRY_AFTER_S)},
    ).response(instance, lang)


async def _unhandled_handler(request: Request, exc: Exception) -> JSONResponse:
    if is_outage(exc):
        log.warning(
            "%s %s: dependency unreachable (%s), answered 503",
            request.method,
            request.url.path,
            type(exc).__name__,
        )
        return outage_response(request.url.path, language_of(request))
    # The cause goes to the log (with the trace), never to the client.
    log.error(
        "unhandled %s in %s %s", type(exc).__name__, request.method, request.url.path, exc_info=exc
    )
    return Problem(
        500, None, "The request could not be completed; the error has been logged."
    ).answer(request)


def install(app: FastAPI) -> None:
    """Make every error answer of `app` a problem document."""
    app.add_exception_handler(RequestValidationError, validation_handler)
    app.add_exception_handler(Problem, _problem_handler)
    app.add_exception_handler(DomainError, _domain_handler)
    app.add_exception_handler(StarletteHTTPException, _http_handler)
    app.add_exception_handler(Exception, _unhandled_handler)
