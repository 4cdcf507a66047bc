"""The progress app on a database of its own, with a clock the test sets, tokens of every role,
and a way to feed it registry (or its own) events without Kafka: the consumer's batch handlers
run on them in one transaction, as the consumer would."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from fastapi import FastAPI

from infra import tokens
from schemas.base import Event
from schemas.catalog import topic_for
from schemas.envelope import Envelope, from_message, headers_from_dict, to_message
from servicekit.settings import ServiceSettings
from servicekit.unit_of_work import UnitOfWork
from services.progress import commands
from services.progress.app import create
from services.progress.config import FixedClock, ProgressConfig
from services.progress.consumers import HANDLERS
from services.progress.events import SOURCE
from tests import ENGLISH
from tests.progress.seed import registry_events

# 2020-06-15 10:00 in Cà Mau
JUNE_15 = datetime(2020, 6, 15, 3, 0, tzinfo=UTC)


@dataclass
class Progress:
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

    @property
    def integration(self) -> dict[str, str]:
        return self.token(["integration_client"], sub="thong-ke", client_id="cuc-thong-ke")

    def officer(self, unit_id: object) -> dict[str, str]:
        return self.token(["unit_officer"], sub=f"officer-{unit_id}", unit_id=str(unit_id))

    async def request(
        self, method: str, path: str, body: Any = None, *, expect: int | None = None, **kw: Any
    ) -> httpx.Response:
        headers = {**(kw.pop("headers", None) or self.admin), **kw.pop("extra_headers", {})}
        r = await self.client.request(method, path, json=body, headers=headers, **kw)
        if expect is not None:
            assert r.status_code == expect, r.text
        return r

    async def post(self, path: str, body: Any, **kw: Any) -> httpx.Response:
        return await self.request("POST", path, body, **kw)

    async def put(self, path: str, body: Any, **kw: Any) -> httpx.Response:
        return await self.request("PUT", path, body, **kw)

    async def get(self, path: str, *, expect: int | None = 200, **kw: Any) -> httpx.Response:
        return await self.request("GET", path, expect=expect, **kw)

    async def feed(self, *events: Event) -> None:
        """Apply events as the consumer would: through the wire format, per topic, one
        transaction."""
        by_topic: dict[str, list] = {}
        for event in events:
            m = to_message(event, source=f"/thidua/{event.owner}")
            by_topic.setdefault(topic_for(event).name, []).append(from_message(m.value, m.headers))
        async with UnitOfWork(self.pool, source=SOURCE) as uow:
            for topic, envelopes in by_topic.items():
                await HANDLERS[topic](uow, envelopes)

    async def feed_at(self, time: datetime, *events: Event) -> None:
        """`feed`, the events published at `time` (what a bloc's formation time is read from)."""
        await self.feed_envelopes(
            [
                from_message(m.value, m.headers)
                for m in (to_message(e, source=f"/thidua/{e.owner}", time=time) for e in events)
            ]
        )

    async def feed_envelopes(self, envelopes: list[Envelope]) -> None:
        by_topic: dict[str, list[Envelope]] = {}
        for e in envelopes:
            by_topic.setdefault(topic_for(type(e.data)).name, []).append(e)
        async with UnitOfWork(self.pool, source=SOURCE) as uow:
            for topic, batch in by_topic.items():
                await HANDLERS[topic](uow, batch)

    async def outbox_envelopes(self) -> list[Envelope]:
        """The outbox's messages as a consumer would decode them."""
        rows = await self.pool.fetch("SELECT payload, headers FROM outbox ORDER BY seq")
        return [
            from_message(r["payload"].encode(), headers_from_dict(json.loads(r["headers"])))
            for r in rows
        ]

    async def count(self, table: str) -> int:
        return await self.pool.fetchval(f"SELECT count(*) FROM {table}")

    async def outbox(self, type_suffix: str | None = None) -> list[dict[str, Any]]:
        """Payloads in the outbox (in order), with `_type` and `_id` added."""
        rows = await self.pool.fetch("SELECT id, type, payload FROM outbox ORDER BY seq")
        out = []
        for row in rows:
            if type_suffix and not row["type"].endswith(f".{type_suffix}.v1"):
                continue
            out.append(
                {
                    **json.loads(row["payload"]),
                    "_type": row["type"].split(".")[-2],
                    "_id": row["id"],
                }
            )
        return out

    async def clear_outbox(self) -> None:
        await self.pool.execute("DELETE FROM outbox")

    async def recompute(self) -> int:
        rt = self.app.state.progress
        return await commands.standings.recompute_dirty(self.pool, rt.config, rt.clock)

    @property
    def scheduler(self):
        return self.app.state.scheduler


def quiet_config(**overrides: Any) -> ProgressConfig:
    """No consumer, no timed work: tests drive the handlers and the scheduler themselves."""
    values: dict[str, Any] = {
        "consume": False,
        "scheduler": False,
        "standings_interval_seconds": 3600,
    }
    values.update(overrides)
    return ProgressConfig(**values)


@pytest.fixture
async def progress(fresh_database, kafka_bootstrap, tmp_path) -> AsyncIterator[Progress]:
    tokens.ensure_keys(tmp_path)
    settings = ServiceSettings(
        service="progress",
        database_url=fresh_database,
        kafka_bootstrap=kafka_bootstrap,
        jwks_file=tokens.jwks_file(tmp_path),
    )
    clock = FixedClock(JUNE_15)
    app = create(settings, quiet_config(), clock)
    async with app.router.lifespan_context(app):
        # The relay would publish to the catalog topics and empty the outbox the tests inspect.
        relay = app.state.service.relay
        if relay is not None:
            await relay.stop()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://progress", headers=ENGLISH
        ) as client:
            yield Progress(app, client, app.state.service.pool, fresh_database, tmp_path, clock)


@pytest.fixture
async def seeded(progress: Progress) -> Progress:
    """The registry's campaign fed in; nothing in the outbox yet."""
    await progress.feed(*registry_events())
    await progress.clear_outbox()
    return progress
