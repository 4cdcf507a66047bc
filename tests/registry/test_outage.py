"""A database outage answers 503 with Retry-After on reads and writes, never 500, and the service
serves again once the database is back; readiness says whether the instance can serve (its
database) apart from what is degraded (the broker, which writes can wait for in the outbox).

The outage is real: the service reaches PostgreSQL through a Unix-socket relay of the test's own,
which the test closes (every connection cut, the socket removed) and opens again.
"""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest

from infra import tokens
from servicekit.settings import ServiceSettings
from services.registry.app import create
from services.registry.config import RegistryConfig

pytestmark = pytest.mark.timeout(120)


class SocketRelay:
    """Forwards connections made to `<folder>/.s.PGSQL.<port>` to the real server's socket."""

    def __init__(self, folder: Path, target: Path, port: int) -> None:
        self.path = folder / f".s.PGSQL.{port}"
        self.target = target
        self.server: asyncio.Server | None = None
        self.writers: set[asyncio.StreamWriter] = set()

    async def _pipe(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while data := await reader.read(65536):
                writer.write(data)
                await writer.drain()
        writer.close()

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        up_reader, up_writer = await asyncio.open_unix_connection(str(self.target))
        self.writers |= {writer, up_writer}
        await asyncio.gather(self._pipe(reader, up_writer), self._pipe(up_reader, writer))

    async def open(self) -> None:
        self.server = await asyncio.start_unix_server(self._serve, path=str(self.path))

    async def cut(self) -> None:
        assert self.server is not None
        self.server.close()
        for w in self.writers:
            w.transport.abort()
        self.writers.clear()
        await self.server.wait_closed()
        self.path.unlink(missing_ok=True)


async def test_database_outage_is_503_with_retry_after_then_service_resumes(
    fresh_database, kafka_bootstrap, tmp_path
) -> None:
    url = urlsplit(fresh_database)
    socket_dir = Path(parse_qs(url.query)["host"][0])
    port = int(parse_qs(url.query)["port"][0])
    relay = SocketRelay(tmp_path, socket_dir / f".s.PGSQL.{port}", port)
    await relay.open()
    tokens.ensure_keys(tmp_path)
    settings = ServiceSettings(
        service="registry",
        database_url=fresh_database.replace(str(socket_dir), str(tmp_path)),
        kafka_bootstrap=kafka_bootstrap,
        jwks_file=tokens.jwks_file(tmp_path),
    )
    app = create(settings, RegistryConfig())
    admin = {"Authorization": f"Bearer {tokens.mint(tmp_path, sub='a', roles=['province_admin'])}"}
    unit = {
        "code": "P",
        "name": "Ủy ban nhân dân tỉnh",
        "kind": "provincial_committee",
        "level": "province",
        "valid_from": "2000-01-01",
    }
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(transport=transport, base_url="http://registry") as client:
            assert (await client.get("/units", headers=admin)).status_code == 200
            ready = await client.get("/ready")
            assert ready.status_code == 200 and ready.json()["status"] == "ready"
            await relay.cut()
            ready = await client.get("/ready")
            assert ready.status_code == 503 and ready.json()["status"] == "not ready"
            for _ in range(3):  # the pool's broken connections, then refused new ones
                read = await client.get("/units", headers=admin)
                write = await client.post("/units", json=unit, headers=admin)
                for r in (read, write):
                    assert r.status_code == 503, r.text
                    assert r.headers["retry-after"] == "5"
                    assert r.headers["content-type"] == "application/problem+json"
                    assert r.json()["type"] == "urn:thidua:problem:unavailable"
            await relay.open()
            r = await client.post("/units", json=unit, headers=admin)
            assert r.status_code == 201, r.text
            assert (await client.get("/units", headers=admin)).json()["items"][0]["code"] == "P"
    await relay.cut()


async def test_a_broker_outage_degrades_readiness_but_writes_go_on(registry) -> None:
    """The broker's probe fails (its client finds no broker to ask); the instance stays ready
    for a load balancer, says it is degraded, and a write lands in the outbox."""
    service = registry.app.state.service
    await service.producer.stop()  # a real client that can no longer reach any broker
    ready = await registry.client.get("/ready")
    assert ready.status_code == 200, ready.text
    body = ready.json()
    assert body["status"] == "degraded" and body["degraded"] == ["broker"]
    assert body["checks"]["database"] == "ok" and body["checks"]["broker"].startswith("failed")
    metrics = (await registry.client.get("/metrics")).text
    assert 'thidua_dependency_up{dependency="broker",service="registry"} 0.0' in metrics
    unit = {"code": "P", "name": "Tỉnh", "kind": "provincial_committee", "level": "province",
            "valid_from": "2000-01-01"}  # fmt: skip
    await registry.post("/units", unit, expect=201)
    assert await registry.count("outbox") == 1
