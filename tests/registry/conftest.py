"""The registry app on a database of its own, a client, and tokens of every role."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from infra import tokens
from servicekit.settings import ServiceSettings
from services.registry.app import create
from services.registry.config import RegistryConfig
from tests import ENGLISH


@dataclass
class Registry:
    app: FastAPI
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    dsn: str
    state: Path

    def token(self, roles: list[str], sub: str = "tester", **claims: Any) -> dict[str, str]:
        t = tokens.mint(self.state, sub=sub, roles=roles, **claims)
        return {"Authorization": f"Bearer {t}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.token(["province_admin"], sub="admin")

    def officer(self, unit_id: object) -> dict[str, str]:
        return self.token(["unit_officer"], sub="officer", unit_id=str(unit_id))

    async def post(self, path: str, body: Any, *, expect: int | None = None, **kw: Any) -> Any:
        headers = kw.pop("headers", None) or self.admin
        r = await self.client.post(path, json=body, headers=headers, **kw)
        if expect is not None:
            assert r.status_code == expect, r.text
        return r

    async def get(self, path: str, *, expect: int | None = 200, **kw: Any) -> Any:
        headers = kw.pop("headers", None) or self.admin
        r = await self.client.get(path, headers=headers, **kw)
        if expect is not None:
            assert r.status_code == expect, r.text
        return r

    async def count(self, table: str) -> int:
        return await self.pool.fetchval(f"SELECT count(*) FROM {table}")


@pytest.fixture
async def registry(fresh_database, kafka_bootstrap, tmp_path) -> AsyncIterator[Registry]:
    tokens.ensure_keys(tmp_path)
    settings = ServiceSettings(
        service="registry",
        database_url=fresh_database,
        kafka_bootstrap=kafka_bootstrap,
        jwks_file=tokens.jwks_file(tmp_path),
        max_request_bytes=4_000_000,
    )
    app = create(settings, RegistryConfig(citizen_id_key="test-only-key"))
    async with app.router.lifespan_context(app):
        # The service's own relay would publish to the catalog topics and empty the outbox while
        # the tests look at it: tests inspect the outbox, and those about Kafka run a relay of
        # their own towards fresh topics.
        relay = app.state.service.relay
        if relay is not None:
            await relay.stop()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://registry", headers=ENGLISH
        ) as client:
            yield Registry(app, client, app.state.service.pool, fresh_database, tmp_path)
