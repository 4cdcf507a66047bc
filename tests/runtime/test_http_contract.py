"""What the services' HTTP contracts promise, checked against what the runtime does: the OpenAPI
documents validate (openapi-spec-validator) and document every error answer as a problem, the
Idempotency-Key and its replay header, `servers` and the public probes; real error answers match
the documented Problem schema; /docs and /redoc need nothing from outside; /schemas serves every
revision of the event schemas, cacheable."""

from __future__ import annotations

import importlib
import json
import re
from urllib.parse import urlsplit

import jsonschema
import pytest
from fastapi import APIRouter, Depends
from openapi_spec_validator import validate
from pydantic import BaseModel

from schemas.events import ALL_EVENTS
from schemas.examples import example
from schemas.json_schema import GENERATED, REVISIONS_DIR, file_name, revision
from servicekit.auth import authenticated
from servicekit.idempotency import Transaction
from servicekit.settings import ServiceSettings
from tests.runtime import Signer, running_app, settings

SERVICES = ("registry", "progress", "awards", "notify")
PROBLEM_TYPES = {"application/problem+json"}
METHODS = ("get", "put", "post", "delete", "patch")


def service_app(name: str):
    """The service's app as it is built, not started (its document needs nothing running)."""
    module = importlib.import_module(f"services.{name}.app")
    settings = ServiceSettings(service=name, database_url="postgresql://nobody@127.0.0.1/none")
    return module.create(settings)


def service_document(name: str) -> dict:
    return service_app(name).openapi()


@pytest.fixture(scope="module", params=SERVICES)
def document(request) -> dict:
    return service_document(request.param)


def _resolve(doc: dict, node: dict) -> dict:
    while "$ref" in node:
        target = doc
        for part in node["$ref"].removeprefix("#/").split("/"):
            target = target[part]
        node = target
    return node


def _operations(doc: dict):
    for path, item in doc["paths"].items():
        for method in METHODS:
            if method in item:
                yield path, method, item[method]


def test_the_document_is_valid_openapi(document):
    validate(document)
    assert document["servers"] and document["servers"][0]["url"] == "/"


def test_every_error_answer_is_a_documented_problem_with_errors(document):
    problem = document["components"]["schemas"]["Problem"]
    assert {"type", "title", "status", "detail", "instance"} <= set(problem["required"])
    assert _resolve(document, problem["properties"]["errors"]["items"])["properties"]["pointer"]
    undocumented = []
    for path, method, op in _operations(document):
        responses = op["responses"]
        for status in ("500", "503"):
            if status not in responses:
                undocumented.append(f"{method} {path}: {status}")
        for status, response in responses.items():
            if not (status.isdigit() and int(status) >= 400):
                continue
            content = _resolve(document, response)["content"]
            if set(content) != PROBLEM_TYPES:
                undocumented.append(f"{method} {path}: {status} is {sorted(content)}")
            elif content["application/problem+json"]["schema"] != {
                "$ref": "#/components/schemas/Problem"
            }:
                undocumented.append(f"{method} {path}: {status} is not a Problem")
        if "requestBody" in op:
            for status in ("400", "413", "422"):
                if status not in responses:
                    undocumented.append(f"{method} {path}: {status} (a body)")
        if op.get("security"):
            for status in ("401", "403"):
                if status not in responses:
                    undocumented.append(f"{method} {path}: {status} (a token)")
    assert undocumented == []
    assert "HTTPValidationError" not in document["components"]["schemas"]


def test_every_authenticated_post_declares_the_idempotency_key_and_its_replay(document):
    missing = []
    for path, method, op in _operations(document):
        if method != "post" or not op.get("security"):
            continue
        names = [p["name"] for p in op.get("parameters", []) if p.get("in") == "header"]
        if "Idempotency-Key" not in names:
            missing.append(f"{path}: Idempotency-Key")
        if "409" not in op["responses"]:
            missing.append(f"{path}: 409 (key in use)")
        for status, response in op["responses"].items():
            if status.startswith("2") and "Idempotent-Replayed" not in response.get("headers", {}):
                missing.append(f"{path}: {status} without Idempotent-Replayed")
    assert missing == []


def test_the_probes_and_schemas_need_no_token(document):
    for path in ("/health", "/ready", "/schemas", "/schemas/{schema_id}/rev/{rev}"):
        assert document["paths"][path]["get"]["security"] == [], path
    secured = [op for _, _, op in _operations(document) if op.get("security")]
    assert secured, "the API's own operations keep their bearer token"


# ---- against a running app ---------------------------------------------------------------------

router = APIRouter(dependencies=[Depends(authenticated())])


class Item(BaseModel):
    name: str


@router.post("/items", status_code=201)
async def create_item(item: Item, tx: Transaction) -> dict:
    await tx.execute("SELECT 1")
    return {"name": item.name}


@pytest.fixture
async def app(tmp_path, fresh_database):
    signer = Signer(tmp_path)
    s = settings(signer, fresh_database, max_request_bytes=1_000)
    async with running_app(s, [router]) as (app, client, _):
        client.headers.update(signer.bearer(sub="alice", roles=["unit_officer"], unit_id="U1"))
        yield app, client


async def test_real_error_answers_match_the_documented_problem(app):
    app, client = app
    doc = app.openapi()
    validator = jsonschema.Draft202012Validator(
        {"$ref": "#/components/schemas/Problem", "components": doc["components"]}
    )
    answers = {
        400: await client.post(
            "/items", content=b"{", headers={"content-type": "application/json"}
        ),
        404: await client.get("/nowhere"),
        413: await client.post("/items", json={"name": "x" * 2_000}),
        422: await client.post("/items", json={}),
    }
    for status, r in answers.items():
        assert r.status_code == status, r.text
        assert r.headers["content-type"] == "application/problem+json"
        validator.validate(r.json())
        assert str(status) in doc["paths"]["/items"]["post"]["responses"] or status == 404
    assert answers[422].json()["errors"][0]["pointer"] == "#/name"


async def test_a_replay_carries_the_header_the_document_declares(app):
    app, client = app
    post = app.openapi()["paths"]["/items"]["post"]
    assert "Idempotent-Replayed" in post["responses"]["201"]["headers"]
    key = {"Idempotency-Key": "k-1"}
    first = await client.post("/items", json={"name": "a"}, headers=key)
    again = await client.post("/items", json={"name": "a"}, headers=key)
    assert (first.status_code, again.status_code) == (201, 201)
    assert "idempotent-replayed" not in first.headers
    assert again.headers["idempotent-replayed"] == "true"


# src=, href=, spec-url= attributes and Swagger UI's `url: '…'` setting
_URL = re.compile(r"""(?:src|href|spec-url)\s*=\s*["']([^"']+)["']|url\s*:\s*["']([^"']+)["']""")


async def test_docs_and_redoc_load_nothing_from_outside(app):
    """A closed network shows them: every script, style sheet, icon and the OpenAPI document
    they name is served by the service itself."""
    _, client = app
    for page in ("/docs", "/redoc"):
        r = await client.get(page)
        assert r.status_code == 200 and "text/html" in r.headers["content-type"]
        assert not re.search(r"https?://", r.text), f"{page} names an outside address"
        urls = {a or b for a, b in _URL.findall(r.text)}
        assert "/openapi.json" in urls and any(u.endswith(".js") for u in urls), urls
        for url in urls:
            assert not urlsplit(url).netloc and url.startswith("/"), url
            asset = await client.get(url)
            assert asset.status_code == 200, url
            assert len(asset.content) > 100, url


async def test_every_event_schema_revision_is_served_and_cacheable(app):
    _, client = app
    index = (await client.get("/schemas")).json()
    assert set(index) == {cls.schema_id() for cls in ALL_EVENTS}
    for cls in ALL_EVENTS:
        schema_id, rev = cls.dataschema().removeprefix("urn:thidua:schema:").split(":rev:")
        r = await client.get(f"/schemas/{schema_id}/rev/{rev}")
        assert r.status_code == 200 and r.headers["content-type"] == "application/schema+json"
        assert r.headers["etag"] == f'"{rev}"'
        assert "immutable" in r.headers["cache-control"]
        schema = r.json()
        assert schema["$id"] == cls.dataschema()
        jsonschema.Draft7Validator(schema).validate(json.loads(example(cls).to_json()))
        cached = await client.get(r.url.path, headers={"If-None-Match": r.headers["etag"]})
        assert cached.status_code == 304 and not cached.content
        latest = await client.get(f"/schemas/{schema_id}")
        assert latest.content == r.content and latest.headers["cache-control"] == "no-cache"
        assert latest.content == (GENERATED / "jsonschema" / file_name(cls)).read_bytes()
    kept = sorted((GENERATED / REVISIONS_DIR).glob("*/*.json"))
    for path in kept:  # old revisions too
        r = await client.get(f"/schemas/{path.parent.name}/rev/{path.stem}")
        assert r.status_code == 200 and r.content == path.read_bytes()
    assert sum(len(v["revisions"]) for v in index.values()) == len(kept)
    missing = await client.get("/schemas/progress.TargetReported.v1/rev/000000000000")
    assert missing.status_code == 404
    assert missing.headers["content-type"] == "application/problem+json"
    schema_id, rev = ALL_EVENTS[0].schema_id(), revision(ALL_EVENTS[0])
    for path in (f"/schemas/%2E%2E/rev/{rev}", f"/schemas/{schema_id}/rev/..%2F..%2F{rev}"):
        assert (await client.get(path)).status_code == 404, path  # no other file is served
