"""What a replica on a cluster needs from its process (docs/deploy.md, "What each process does
on a cluster"): readiness that turns 503 on SIGTERM while the listener stays open for the drain
delay; TCP keepalives on its database sessions; migrations two replicas can run at once on an
empty database; the consumer group's timeouts from the environment."""

from __future__ import annotations

import asyncio
import signal
import time

import asyncpg
import httpx
import pytest

from infra import postgres, tokens
from schemas.catalog import TOPICS
from servicekit import db
from servicekit.service import RUNTIME_MIGRATIONS, Service
from servicekit.settings import ServiceSettings
from tests import processes
from tests.notify.service.conftest import free_port

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]

DRAIN_S = 3.0


async def test_sigterm_turns_ready_503_at_once_and_the_listener_serves_through_the_drain(
    new_database, kafka_bootstrap, tmp_path
):
    tokens.ensure_keys(tmp_path)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {
        "THIDUA_HTTP_PORT": str(port),
        "THIDUA_DATABASE_URL": await new_database(),
        "THIDUA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "THIDUA_JWKS_FILE": str(tokens.jwks_file(tmp_path)),
        "THIDUA_DRAIN_DELAY_S": str(DRAIN_S),
    }
    registry = processes.start("services.registry", env=env, log=tmp_path / "r.log", url=url)
    try:
        await registry.ready()
        sent = registry.signal(signal.SIGTERM)
        answers: list[tuple[float, int, int]] = []  # (seconds after the signal, /ready, /health)
        async with httpx.AsyncClient(base_url=url, timeout=2) as client:
            while time.monotonic() - sent < DRAIN_S - 0.5:
                ready = await client.get("/ready")
                health = await client.get("/health")
                answers.append((time.monotonic() - sent, ready.status_code, health.status_code))
                await asyncio.sleep(0.1)
        assert answers and answers[0][0] < 0.5, answers
        # every answer during the drain: not ready for new work, but alive and listening
        assert {(r, h) for _, r, h in answers} == {(503, 200)}, answers
        assert await registry.exited(30) == 0, registry.tail()
        assert time.monotonic() - sent >= DRAIN_S
    finally:
        registry.kill()


async def test_two_replicas_migrating_an_empty_database_at_once_both_succeed(new_database):
    """The version table is created under the migrations' lock: before, both replicas ran
    CREATE TABLE IF NOT EXISTS at once and one failed on the catalog's unique index."""
    for _ in range(6):
        dsn = await new_database()
        pools = [await db.create_pool(dsn, max_size=1) for _ in range(2)]
        try:
            applied = await asyncio.gather(
                *(db.migrate(pool, RUNTIME_MIGRATIONS) for pool in pools)
            )
        finally:
            for pool in pools:
                await pool.close()
        # one applied everything, the other found it done
        assert sorted(map(len, applied))[0] == 0 and sorted(map(len, applied))[1] > 0, applied


async def test_a_service_sets_keepalives_on_its_sessions_and_its_group_timeouts_from_the_env(
    new_database, admin_dsn, profile, kafka_bootstrap, tmp_path, monkeypatch
):
    """Over TCP (keepalives mean nothing on a Unix socket), as a service role."""
    dsn_socket = await new_database()
    name = dsn_socket.split("/")[3].split("?")[0]
    admin = await asyncpg.connect(admin_dsn)
    try:
        await admin.execute(f"ALTER DATABASE {name} OWNER TO registry")
    finally:
        await admin.close()
    monkeypatch.setenv("THIDUA_DATABASE_KEEPALIVE_IDLE_S", "7")
    monkeypatch.setenv("THIDUA_CONSUMER_SESSION_TIMEOUT_MS", "8000")
    monkeypatch.setenv("THIDUA_CONSUMER_HEARTBEAT_INTERVAL_MS", "700")
    settings = ServiceSettings(
        service="registry",
        database_url=postgres.dsn(profile, "registry", name),
        kafka_bootstrap=kafka_bootstrap,
        relay_enabled=False,
    )
    topic = next(t.name for t in TOPICS)

    def subscribe(consumer) -> None:
        @consumer.batch_handler(topic)
        async def nothing(uow, envelopes) -> None:
            return None

    (tmp_path / "migrations").mkdir()
    service = Service(settings=settings, migrations=tmp_path / "migrations", subscribe=subscribe)
    try:
        await service.start()
        assert service.pool is not None
        async with service.pool.acquire() as con:
            got = [
                await con.fetchval(f"SHOW {name}")
                for name in (
                    "tcp_keepalives_idle",
                    "tcp_keepalives_interval",
                    "tcp_keepalives_count",
                    "tcp_user_timeout",
                )
            ]
        assert got == ["7", "5", "3", "30000"], got
        kafka = service.consumer.kafka_consumer if service.consumer else None
        assert kafka is not None
        assert (kafka._session_timeout_ms, kafka._heartbeat_interval_ms) == (8000, 700)
    finally:
        await service.stop()
