"""The OpenAPI document completed with what the shared runtime does to every request, so that an
integrator reads every answer the service can give from the document alone:

- every error answer (4xx, 5xx) is `application/problem+json` with the `Problem` schema (its
  `errors[]` naming each field or parameter), including those no route declares: 400 for a body
  that is not JSON or a malformed `Idempotency-Key`, 413 for a body over the size limit, 422 for
  invalid input, 401/403 on authenticated operations, 500 and 503 everywhere;
- `Idempotency-Key` on every authenticated POST (`servicekit.idempotency` honours it on all of
  them), `Idempotent-Replayed` on their successful answers, 409 for a key still in use;
- `traceresponse` (W3C Trace Context Level 2) on every answer of a traced request (all but the
  probes and `/metrics`);
- `servers`, and `security: []` on the operations that need no token (probes, schemas).
"""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI

from servicekit.problems import MEDIA_TYPE

PUBLIC_PATHS = ("/health", "/ready", "/metrics", "/schemas")  # and what lies under /schemas/

PROBLEM_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": "RFC 9457 problem details. Extension members (`code`, the ids a conflict "
    "names, `max_bytes`…) may be added; clients must ignore members they do not know.",
    "required": ["type", "title", "status", "detail", "instance"],
    "properties": {
        "type": {
            "type": "string",
            "description": "`urn:thidua:problem:<slug>` or `about:blank`",
        },
        "title": {"type": "string"},
        "status": {"type": "integer", "minimum": 400, "maximum": 599},
        "detail": {"type": "string", "description": "What is wrong, for a person to read."},
        "instance": {"type": "string", "description": "The request's path."},
        "code": {"type": "string", "description": "The rule or conflict, for a program."},
        "errors": {
            "type": "array",
            "description": "Each field or parameter at fault.",
            "items": {"$ref": "#/components/schemas/ProblemError"},
        },
    },
}

PROBLEM_ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "required": ["in", "detail"],
    "properties": {
        "in": {"type": "string", "enum": ["body", "query", "path", "header", "cookie"]},
        "pointer": {
            "type": "string",
            "description": "A body member as a JSON pointer in a URI fragment (RFC 6901), "
            "e.g. `#/evidence/3`; `#` is the whole body.",
        },
        "name": {"type": "string", "description": "A parameter's name."},
        "detail": {"type": "string"},
        "type": {"type": "string", "description": "The kind of error, e.g. `missing`."},
    },
}

# status: (component name, description)
ERRORS: dict[int, tuple[str, str]] = {
    400: (
        "BadRequest",
        "The request cannot be read: a body that is not JSON (`unparsable-body`), a malformed "
        "`Idempotency-Key` or `Content-Length`.",
    ),
    401: ("Unauthorized", "No valid bearer token."),
    403: ("Forbidden", "The caller's role or unit does not allow this."),
    404: ("NotFound", "Not found."),
    409: (
        "Conflict",
        "Conflicts with the current state, or a request with this "
        "`Idempotency-Key` is still being processed (then with `Retry-After`).",
    ),
    413: ("PayloadTooLarge", "The body exceeds the size limit (`max_bytes`)."),
    422: ("ValidationFailed", "Invalid input: `errors` names each field or parameter."),
    500: ("InternalError", "The request could not be completed; the error has been logged."),
    503: ("Unavailable", "A dependency is unreachable; try again after `Retry-After` seconds."),
}

TRACE_RESPONSE = {
    "description": "W3C Trace Context Level 2: `00-<trace id>-<span id>-<flags>` of the "
    "request's server span; quote the trace id when reporting a problem.",
    "schema": {"type": "string", "pattern": "^00-[0-9a-f]{32}-[0-9a-f]{16}-[0-9a-f]{2}$"},
}
IDEMPOTENT_REPLAYED = {
    "description": "`true` when this is the stored answer to an earlier request with the same "
    "`Idempotency-Key`, replayed without effect.",
    "schema": {"type": "string", "enum": ["true"]},
}
IDEMPOTENCY_KEY = {
    "name": "Idempotency-Key",
    "in": "header",
    "required": False,
    "description": "Makes a retry safe: the first request with a key runs, a repeat (same "
    "caller, same body) gets the stored answer with `Idempotent-Replayed: true` and has no "
    "further effect. The same key with another body answers 422; while the first is running, "
    "409. Kept for `idempotency_ttl_seconds` (24 h by default).",
    "schema": {"type": "string", "pattern": "^[!-~]{1,255}$"},
}
_METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


def install(app: FastAPI, servers: list[dict[str, str]]) -> None:
    """Make `app.openapi()` return the completed document."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = complete(build(), servers)
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def complete(doc: dict[str, Any], servers: list[dict[str, str]]) -> dict[str, Any]:
    doc["servers"] = servers
    components = doc.setdefault("components", {})
    schemas = components.setdefault("schemas", {})
    schemas.pop("HTTPValidationError", None)  # FastAPI's 422 shape; ours is a Problem
    schemas.pop("ValidationError", None)
    schemas["Problem"] = PROBLEM_SCHEMA
    schemas["ProblemError"] = PROBLEM_ERROR_SCHEMA
    components.setdefault("responses", {}).update(
        {name: _problem(text) for name, text in ERRORS.values()}
    )
    components.setdefault("headers", {}).update(
        {"traceresponse": TRACE_RESPONSE, "Idempotent-Replayed": IDEMPOTENT_REPLAYED}
    )
    for path, item in doc.get("paths", {}).items():
        for method in _METHODS:
            if method in item:
                _operation(path, method, item[method])
    return doc


def _operation(path: str, method: str, op: dict[str, Any]) -> None:
    public = any(path == p or path.startswith(f"{p}/") for p in PUBLIC_PATHS)
    if public:
        op["security"] = []
    secured = bool(op.get("security"))
    has_body = "requestBody" in op
    has_parameters = bool(op.get("parameters")) or "{" in path
    responses: dict[str, Any] = op.setdefault("responses", {})
    wanted = {500, 503}
    if has_body:
        wanted |= {400, 413, 422}
    if has_parameters:
        wanted.add(422)
    if "{" in path:
        wanted.add(404)
    if secured:
        wanted |= {401, 403}
    idempotent = method == "post" and secured
    if idempotent:
        wanted |= {400, 409}
        parameters = op.setdefault("parameters", [])
        if not any(p.get("name", "").lower() == "idempotency-key" for p in parameters):
            parameters.append(IDEMPOTENCY_KEY)
    for code in wanted:
        responses.setdefault(str(code), {})
    for status, response in responses.items():
        if status.isdigit() and int(status) >= 400:
            name, text = ERRORS.get(int(status), (None, "Error (problem details)"))
            # a route's own description says more (which conflict, which rule)
            described = response.get("description") or text
            if idempotent and status == "409" and described != text:
                described += "; or a request with this `Idempotency-Key` is still being processed"
            if name is not None and described in (text, "Validation Error"):  # FastAPI's 422
                responses[status] = {"$ref": f"#/components/responses/{name}"}
            else:
                responses[status] = _problem(described)
        elif not public:  # the probes and /metrics are not traced
            headers = response.setdefault("headers", {})
            headers["traceresponse"] = {"$ref": "#/components/headers/traceresponse"}
            if idempotent and status.startswith("2"):
                headers["Idempotent-Replayed"] = {
                    "$ref": "#/components/headers/Idempotent-Replayed"
                }


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "headers": {"traceresponse": {"$ref": "#/components/headers/traceresponse"}},
        "content": {MEDIA_TYPE: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
