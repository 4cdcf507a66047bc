"""The awards app on a database of its own, a client, tokens of every role, a clock the tests
set, and a way to feed its read model: through the real batch handlers (no Kafka; the procedure
test on the bus goes through Kafka)."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from infra import tokens
from schemas.base import Event
from schemas.catalog import topic_for
from schemas.envelope import from_message, to_message
from servicekit.settings import ServiceSettings
from servicekit.unit_of_work import UnitOfWork
from services.awards.app import create
from services.awards.config import AwardsConfig
from services.awards.consumers import readmodel
from services.awards.runtime import FixedClock
from tests import ENGLISH


@dataclass
class Awards:
    app: FastAPI
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    dsn: str
    state: Path
    clock: FixedClock

    def token(self, roles: list[str], sub: str = "tester", **claims: Any) -> dict[str, str]:
        t = tokens.mint(self.state, sub=sub, roles=roles, **claims)
        return {"Authorization": f"Bearer {t}"}

    @property
    def admin(self) -> dict[str, str]:
        return self.token(["province_admin"], sub="admin")

    def officer(self, unit_id: object, sub: str = "officer") -> dict[str, str]:
        return self.token(["unit_officer"], sub=sub, unit_id=str(unit_id))

    def member(self, council_id: object, sub: str) -> dict[str, str]:
        return self.token(["council_member"], sub=sub, council_id=str(council_id))

    def secretary(self, council_id: object, sub: str = "thu-ky") -> dict[str, str]:
        return self.token(
            ["council_secretary", "council_member"], sub=sub, council_id=str(council_id)
        )

    async def call(
        self, method: str, path: str, body: Any = None, *, expect: int | None = None, **kw: Any
    ) -> httpx.Response:
        headers = kw.pop("headers", None)
        if headers is None:
            headers = self.admin
        r = await self.client.request(method, path, json=body, headers=headers, **kw)
        if expect is not None:
            assert r.status_code == expect, f"{method} {path}: {r.status_code} {r.text}"
        return r

    async def post(self, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        return await self.call("POST", path, body, **kw)

    async def put(self, path: str, body: Any = None, **kw: Any) -> httpx.Response:
        return await self.call("PUT", path, body, **kw)

    async def get(self, path: str, *, expect: int | None = 200, **kw: Any) -> httpx.Response:
        return await self.call("GET", path, expect=expect, **kw)

    def today(self, day: date) -> None:
        self.clock.set(day)

    async def feed(self, events: Iterable[Event]) -> None:
        """Apply events to the read model through the consumer's batch handlers, per topic in
        order (what the consumer does with a batch)."""
        by_topic: dict[str, list] = {}
        for e in events:
            m = to_message(e, source="/thidua/test")
            by_topic.setdefault(topic_for(e).name, []).append(from_message(m.value, m.headers))
        async with UnitOfWork(self.pool, source="/thidua/awards") as uow:
            for topic, envelopes in by_topic.items():
                await readmodel.apply(uow, topic, envelopes)

    async def outbox(self, event_type: str | None = None) -> list[dict[str, Any]]:
        rows = await self.pool.fetch("SELECT type, payload, aggregatetype FROM outbox ORDER BY seq")
        out = []
        for r in rows:
            name = r["type"].split(".")[-2]
            if event_type is None or name == event_type:
                out.append({"type": name, "topic": r["aggregatetype"], **json.loads(r["payload"])})
        return out

    async def count(self, table: str, where: str = "") -> int:
        return await self.pool.fetchval(f"SELECT count(*) FROM {table} {where}")


async def start_awards(
    dsn: str,
    kafka_bootstrap: str,
    state: Path,
    *,
    config: AwardsConfig | None = None,
    today: date = date(2020, 12, 10),
    stop_relay: bool = True,
) -> AsyncIterator[Awards]:
    tokens.ensure_keys(state)
    settings = ServiceSettings(
        service="awards",
        database_url=dsn,
        kafka_bootstrap=kafka_bootstrap,
        jwks_file=tokens.jwks_file(state),
        max_request_bytes=4_000_000,
        consumer_group=f"awards-test-{uuid.uuid4().hex[:8]}",  # every start reads from zero
    )
    clock = FixedClock(today)
    app = create(settings, config or AwardsConfig(consume=False), clock=clock)
    async with app.router.lifespan_context(app):
        if stop_relay:
            # the service's own relay would publish to the catalog topics and empty the outbox
            # the tests look at
            relay = app.state.service.relay
            if relay is not None:
                await relay.stop()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://awards", timeout=120, headers=ENGLISH
        ) as client:
            yield Awards(app, client, app.state.service.pool, dsn, state, clock)


@pytest.fixture
async def awards(fresh_database, kafka_bootstrap, tmp_path) -> AsyncIterator[Awards]:
    async for a in start_awards(fresh_database, kafka_bootstrap, tmp_path):
        yield a
