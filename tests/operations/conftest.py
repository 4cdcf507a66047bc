"""Operator tools against real services: notify served over real HTTP (the CLI calls its public
API) with tokens of the test profile's key, as `./thidua` mints them; replays run the services as
processes, as `./thidua replay` does.

Notify's receivers, fresh topics and producer are its own tests' fixtures, used as they are."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass

import httpx
import pytest
import uvicorn

from infra import tokens
from services.notify.app import create
from tests import ENGLISH
from tests.notify.service.conftest import (  # noqa: F401  (fixtures)
    Notify,
    free_port,
    producer,
    receivers,
    settings_for,
    topics,
)


@dataclass
class ServedNotify:
    notify: Notify  # its helpers (publish, subscribe, deliveries) over ASGI
    url: str  # the same app over real HTTP, for the CLI
    dsn: str


@pytest.fixture
async def served_notify(
    profile,
    fresh_database,
    kafka_bootstrap,
    topics,  # noqa: F811
    producer,  # noqa: F811
) -> AsyncIterator[ServedNotify]:
    tokens.ensure_keys(profile.state)
    settings = settings_for(
        fresh_database,
        kafka_bootstrap,
        profile.state,
        topics,
        relay_enabled=False,  # outcomes stay in the outbox, off the catalog's topic
    )
    app = create(settings)
    port = free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="on")
    )
    serving = asyncio.create_task(server.serve())
    try:
        while not server.started:
            if serving.done():
                serving.result()  # raises what stopped it
            await asyncio.sleep(0.05)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://notify", headers=ENGLISH
        ) as client:
            notify = Notify(app, client, app.state.service.pool, profile.state, topics, producer)
            yield ServedNotify(notify, f"http://127.0.0.1:{port}", fresh_database)
    finally:
        server.should_exit = True
        await serving
