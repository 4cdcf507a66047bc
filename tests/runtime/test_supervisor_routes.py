"""The Fatherland Front's supervisor reads what a council reads across the province and writes
nothing but its findings. The routes come from each service's OpenAPI (`app.openapi()`), so a
route added later is checked too: every GET answers 200 (or 404 for an id that does not exist),
unless it is one of the few that hold personal data or other callers' affairs the Front has no
need of (DENIED, 403); every POST/PUT/PATCH/DELETE answers 403 before its body is looked at,
unless it is one the supervisor is admitted to (ADMITTED)."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from infra import tokens
from servicekit.settings import ServiceSettings
from services.awards.app import create as create_awards
from services.awards.config import AwardsConfig
from services.notify.app import create as create_notify
from services.notify.config import NotifySettings
from services.progress.app import create as create_progress
from services.progress.config import ProgressConfig
from services.registry.app import create as create_registry
from services.registry.config import RegistryConfig

# GETs a supervisor may not read: people's records (birth years, positions, statuses: the
# nominations and their screenings name the nominees and give every rule's reason, which is what
# the council reads), email addresses, webhooks and deliveries (other callers' affairs), the
# registry's export for re-import, and the inboxes of others.
DENIED = {
    ("registry", "/people"),
    ("registry", "/people/{person_id}"),
    ("registry", "/people/{person_id}/statuses"),
    ("registry", "/units/{unit_id}/statuses"),
    ("registry", "/exports/{kind}"),
    ("registry", "/campaigns/{campaign_id}/readiness"),
    ("notify", "/people/{person_id}/contact"),
    ("notify", "/units/{unit_id}/contact"),
    ("notify", "/subscriptions"),
    ("notify", "/subscriptions/{subscription_id}"),
    ("notify", "/subscriptions/{subscription_id}/deliveries"),
    ("notify", "/deliveries"),
    ("notify", "/deliveries/{delivery_id}"),
    ("notify", "/operations/dead-letters"),  # an operator's, on every service that consumes
    ("notify", "/operations/dead-letters/{topic}/{partition}/{offset}"),
    ("notify", "/people/{person_id}/inbox"),
    ("notify", "/people/{person_id}/inbox/unread-count"),
    ("notify", "/units/{unit_id}/inbox"),
    ("notify", "/units/{unit_id}/inbox/unread-count"),
    ("notify", "/clients/{client_id}/inbox"),
    ("notify", "/clients/{client_id}/inbox/unread-count"),
}
# Writes a supervisor is admitted to: its findings, and marking its own inbox read.
ADMITTED = {
    ("awards", "POST", "/findings"),
    ("notify", "POST", "/people/{person_id}/inbox/{item_id}/read"),
    ("notify", "POST", "/people/{person_id}/inbox/read-all"),
    ("notify", "POST", "/units/{unit_id}/inbox/{item_id}/read"),
    ("notify", "POST", "/units/{unit_id}/inbox/read-all"),
    ("notify", "POST", "/clients/{client_id}/inbox/{item_id}/read"),
    ("notify", "POST", "/clients/{client_id}/inbox/read-all"),
}
SERVICE_ROUTES = {"/health", "/ready", "/metrics"}
FRONT_UNIT = str(uuid.uuid4())


@asynccontextmanager
async def running(app: FastAPI, name: str) -> AsyncIterator[httpx.AsyncClient]:
    async with app.router.lifespan_context(app):
        relay = app.state.service.relay
        if relay is not None:
            await relay.stop()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url=f"http://{name}") as client:
            yield client


def _apps(dsns: dict[str, str], kafka: str, state: Any, topic: str) -> dict[str, FastAPI]:
    def settings(name: str) -> ServiceSettings:
        return ServiceSettings(
            service=name,
            database_url=dsns[name],
            kafka_bootstrap=kafka,
            jwks_file=tokens.jwks_file(state),
            consumer_group=f"{name}-sup-{uuid.uuid4().hex[:8]}",
        )

    notify = NotifySettings(
        service=f"notify-sup-{uuid.uuid4().hex[:8]}",
        database_url=dsns["notify"],
        kafka_bootstrap=kafka,
        jwks_file=tokens.jwks_file(state),
        consume_topics=["registry.units.v1"],
        topic_names={"registry.units.v1": topic},
        secrets_key="c2VjcmV0cy1rZXktZm9yLW5vdGlmeS10ZXN0cy0zMmI=",
    )
    return {
        "registry": create_registry(
            settings("registry"), RegistryConfig(citizen_id_key="test-only-key")
        ),
        "progress": create_progress(
            settings("progress"), ProgressConfig(consume=False, scheduler=False)
        ),
        "awards": create_awards(settings("awards"), AwardsConfig(consume=False)),
        "notify": create_notify(notify),
    }


def _value(schema: dict[str, Any], name: str) -> str:
    """A value of the parameter's type that names nothing stored."""
    kind = schema.get("type") or next(
        (s.get("type") for s in schema.get("anyOf", []) if s.get("type") != "null"), "string"
    )
    if schema.get("format") == "uuid" or any(
        s.get("format") == "uuid" for s in schema.get("anyOf", [])
    ):
        return str(uuid.uuid4())
    if "enum" in schema:
        return str(schema["enum"][0])
    if kind == "integer":
        return "2020"
    if schema.get("format") == "date":
        return "2020-06-01"
    return "x1"


def _resolve(spec: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if ref:
        return spec["components"]["schemas"][ref.rsplit("/", 1)[1]]
    return schema


def _calls(app: FastAPI) -> list[tuple[str, str, str, dict[str, str]]]:
    """(method, path template, concrete path, required query) of every route of the OpenAPI."""
    spec = app.openapi()
    out = []
    for template, item in spec["paths"].items():
        if template in SERVICE_ROUTES:
            continue
        for method, op in item.items():
            path, query = template, {}
            for prm in op.get("parameters", []):
                value = _value(_resolve(spec, prm.get("schema", {})), prm["name"])
                if prm["in"] == "path":
                    path = path.replace("{" + prm["name"] + "}", value)
                elif prm["in"] == "query" and prm.get("required"):
                    query[prm["name"]] = value
            out.append((method.upper(), template, path, query))
    return out


@pytest.fixture
async def services(
    new_database, kafka_bootstrap, fresh_topic, tmp_path
) -> AsyncIterator[dict[str, Any]]:
    tokens.ensure_keys(tmp_path)
    dsns = {name: await new_database() for name in ("registry", "progress", "awards", "notify")}
    apps = _apps(dsns, kafka_bootstrap, tmp_path, await fresh_topic())
    clients: dict[str, Any] = {}
    async with (
        running(apps["registry"], "registry") as clients["registry"],
        running(apps["progress"], "progress") as clients["progress"],
        running(apps["awards"], "awards") as clients["awards"],
        running(apps["notify"], "notify") as clients["notify"],
    ):
        yield {"apps": apps, "clients": clients, "state": tmp_path}


def supervisor(state: Any) -> dict[str, str]:
    t = tokens.mint(state, sub="mttq-giam-sat", roles=["supervisor"], unit_id=FRONT_UNIT)
    return {"Authorization": f"Bearer {t}"}


async def test_the_supervisor_reads_every_route_a_council_reads(services):
    headers = supervisor(services["state"])
    seen, wrong = set(), []
    for name, app in services["apps"].items():
        client = services["clients"][name]
        for method, template, path, query in _calls(app):
            if method != "GET":
                continue
            seen.add((name, template))
            r = await client.get(path, params=query, headers=headers)
            expected = {403} if (name, template) in DENIED else {200, 404}
            if r.status_code not in expected:
                wrong.append(f"{name} GET {path}: {r.status_code} {r.text[:200]}")
    assert not wrong, "\n".join(wrong)
    assert seen >= DENIED, f"DENIED names routes that do not exist: {DENIED - seen}"
    # the reads that matter, by name, so that an empty OpenAPI cannot pass
    for must in [
        ("registry", "/campaigns"),
        ("registry", "/campaigns/{campaign_id}/targets"),
        ("progress", "/campaigns/{campaign_id}/dashboard"),
        ("progress", "/blocs/{bloc_id}/years/{year}/standings"),
        ("awards", "/nominations"),
        ("awards", "/nominations/{nomination_id}/screenings"),
        ("awards", "/notices/{notice_id}"),
        ("awards", "/sessions/{session_id}"),
        ("awards", "/decisions/{decision_id}"),
        ("awards", "/findings"),
    ]:
        assert must in seen, must


async def test_every_write_of_a_supervisor_is_403_before_its_body_is_read(services):
    headers = {**supervisor(services["state"]), "content-type": "application/json"}
    admitted, wrong = set(), []
    for name, app in services["apps"].items():
        client = services["clients"][name]
        for method, template, path, query in _calls(app):
            if method == "GET":
                continue
            if (name, method, template) in ADMITTED:
                admitted.add((name, method, template))
                continue
            # a body no route accepts: a 422 would mean the body was read before the role
            r = await client.request(
                method, path, params=query, content=b"{not json", headers=headers
            )
            if r.status_code != 403:
                wrong.append(f"{name} {method} {path}: {r.status_code} {r.text[:200]}")
            elif r.json().get("reason") != "read_only":
                wrong.append(f"{name} {method} {path}: 403 for another reason: {r.text[:200]}")
    assert not wrong, "\n".join(wrong)
    assert admitted == ADMITTED
