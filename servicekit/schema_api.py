"""`/schemas`: every service serves the event schemas of the whole catalog, so a consumer resolves
an event's `ce_dataschema` (`urn:thidua:schema:<schema id>:rev:<revision>`) at
`/schemas/<schema id>/rev/<revision>` on any of them. They all ship the same committed files
(`schemas/generated/jsonschema/`): the published form of every revision ever published.

A revision never changes: it is served with a strong ETag (the revision) and cached for a year.
`/schemas/<schema id>` is the latest revision: same ETag, but to be revalidated (`no-cache`), and
304 when the client holds it. No token: the contracts are public.
"""

from __future__ import annotations

import functools
import re
from typing import Any

from fastapi import APIRouter, Request, Response

from schemas.base import DATASCHEMA_PREFIX, REVISION_MARK
from schemas.events import ALL_EVENTS
from schemas.json_schema import GENERATED, REVISIONS_DIR, revision
from servicekit.messages import Msg
from servicekit.problems import Problem

SCHEMA_MEDIA_TYPE = "application/schema+json"
IMMUTABLE = "public, max-age=31536000, immutable"
REVALIDATE = "no-cache"
_SCHEMA_ID = re.compile(r"^[a-z]+\.[A-Za-z0-9]+\.v[0-9]+$")  # no path of any other file
_REVISION = re.compile(r"^[0-9a-f]{12}$")

router = APIRouter(prefix="/schemas", tags=["event schemas"])


@functools.cache
def _current() -> dict[str, str]:
    """Schema id → its current revision."""
    return {cls.schema_id(): revision(cls) for cls in ALL_EVENTS}


def _revisions(schema_id: str) -> list[str]:
    return sorted(p.stem for p in (GENERATED / REVISIONS_DIR / schema_id).glob("*.json"))


@router.get("", summary="The event schemas: each one's latest revision and every revision kept")
async def index(request: Request) -> dict[str, Any]:
    return {
        schema_id: {
            "latest": f"{DATASCHEMA_PREFIX}{schema_id}{REVISION_MARK}{rev}",
            "url": str(request.url_for("latest_schema", schema_id=schema_id)),
            "revisions": _revisions(schema_id),
        }
        for schema_id, rev in sorted(_current().items())
    }


@router.get(
    "/{schema_id}",
    summary="The latest revision of an event's published JSON Schema",
    response_class=Response,
    responses={200: {"content": {SCHEMA_MEDIA_TYPE: {}}}, 304: {"description": "Not Modified"}},
)
async def latest_schema(schema_id: str, request: Request) -> Response:
    rev = _current().get(schema_id)
    if rev is None:
        raise Problem(
            404, None, Msg("no event schema {schema_id}; /schemas lists them", schema_id=schema_id)
        )
    return _serve(request, schema_id, rev, REVALIDATE)


@router.get(
    "/{schema_id}/rev/{rev}",
    summary="One revision of an event's published JSON Schema (immutable)",
    response_class=Response,
    responses={200: {"content": {SCHEMA_MEDIA_TYPE: {}}}, 304: {"description": "Not Modified"}},
)
async def schema_revision(schema_id: str, rev: str, request: Request) -> Response:
    return _serve(request, schema_id, rev, IMMUTABLE)


def _serve(request: Request, schema_id: str, rev: str, cache_control: str) -> Response:
    body = _file(schema_id, rev) if _SCHEMA_ID.match(schema_id) and _REVISION.match(rev) else None
    if body is None:
        raise Problem(
            404,
            None,
            Msg("no revision {rev} of event schema {schema_id}", rev=rev, schema_id=schema_id),
        )
    etag = f'"{rev}"'
    headers = {"ETag": etag, "Cache-Control": cache_control}
    if etag in _etags(request.headers.get("if-none-match", "")):
        return Response(status_code=304, headers=headers)
    return Response(body, media_type=SCHEMA_MEDIA_TYPE, headers=headers)


@functools.lru_cache(maxsize=256)
def _file(schema_id: str, rev: str) -> bytes | None:
    path = GENERATED / REVISIONS_DIR / schema_id / f"{rev}.json"
    if not path.is_file():
        return None
    return path.read_bytes()


def _etags(header: str) -> set[str]:
    return {tag.strip().removeprefix("W/") for tag in header.split(",") if tag.strip()}
