"""A rolling restart of progress loses nothing: reports are sent over HTTP without pause while
the running process gets SIGTERM and a new one starts on the same port. The stopped process
finishes the requests it had taken, stops its consumer and relay after the batch in hand, and
exits with 0 within its bound (`THIDUA_SHUTDOWN_TIMEOUT_S`); every report acknowledged (2xx) is
stored once and its TargetReported is on the topic once.

Both processes are real (`python -m services.progress`); Kafka and PostgreSQL are the test
stack's, with fresh topics standing in for the catalog's."""

from __future__ import annotations

import asyncio
import json
import signal
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field

import asyncpg
import httpx
import pytest

from infra import tokens
from schemas.envelope import from_message
from tests import processes
from tests.notify.service.conftest import free_port
from tests.progress.seed import ID, on_fresh_topics
from tests.runtime.helpers_runtime import eventually, read_topic

pytestmark = [pytest.mark.infra, pytest.mark.timeout(240)]

BOUND_S = 20.0
CLIENTS = 4
TARGETS = (ID.t_thu, ID.t_giai_ngan, ID.t_ho_ngheo, ID.t_nha_o)


@dataclass
class Load:
    """What the clients sent and what became of it."""

    acked: dict[str, str] = field(default_factory=dict)  # note → report id
    answered: Counter = field(default_factory=Counter)  # status → count
    refused: int = 0  # no connection: certainly not taken
    cut: int = 0  # connected, then no answer: taken or not
    across_signal: list[int] = field(default_factory=list)  # statuses of those sent before it
    signal_at: float | None = None
    running: bool = True


async def client_loop(n: int, url: str, token: str, load: Load) -> None:
    """Send reports one after another, each on a new connection, until told to stop."""
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, timeout=30, limits=limits) as client:
        i = 0
        while load.running:
            i += 1
            note = f"rr-{n}-{i}"
            body = {
                "target_id": str(TARGETS[i % len(TARGETS)]),
                "value": i % 50,
                "as_of": "2020-06-10",
                "note": note,
            }
            sent = time.monotonic()
            try:
                r = await client.post(
                    "/reports", json=body, headers={"Authorization": f"Bearer {token}"}
                )
            except httpx.ConnectError:
                load.refused += 1
                await asyncio.sleep(0.05)
                continue
            except httpx.TransportError:
                load.cut += 1
                continue
            load.answered[r.status_code] += 1
            if load.signal_at is not None and sent < load.signal_at:
                load.across_signal.append(r.status_code)
            if 200 <= r.status_code < 300:
                load.acked[note] = r.json()["report"]["report_id"]


async def test_a_rolling_restart_of_progress_loses_and_doubles_no_acknowledged_report(
    new_database, fresh_topic, kafka_bootstrap, tmp_path
):
    tokens.ensure_keys(tmp_path)
    topic_map = await on_fresh_topics(fresh_topic, kafka_bootstrap)
    dsn = await new_database()
    port = free_port()
    env = {
        "THIDUA_HTTP_PORT": str(port),
        "THIDUA_DATABASE_URL": dsn,
        "THIDUA_KAFKA_BOOTSTRAP": kafka_bootstrap,
        "THIDUA_JWKS_FILE": str(tokens.jwks_file(tmp_path)),
        "THIDUA_CONSUMER_GROUP": f"progress-rolling-{uuid.uuid4().hex[:8]}",
        "THIDUA_SHUTDOWN_TIMEOUT_S": str(BOUND_S),
        "THIDUA_PROGRESS_TOPIC_MAP": json.dumps(topic_map),
        "THIDUA_PROGRESS_SCHEDULER": "false",
        "THIDUA_PROGRESS_STANDINGS_INTERVAL_SECONDS": "0.2",
    }
    url = f"http://127.0.0.1:{port}"
    old = processes.start("services.progress", env=env, log=tmp_path / "progress-1.log", url=url)
    new = None
    db = await asyncpg.connect(dsn)
    load = Load()
    clients: list[asyncio.Task] = []
    try:
        await old.ready()
        await eventually(
            lambda: db.fetchval("SELECT count(*) = 4 FROM targets"), what="the targets"
        )
        token = tokens.mint(tmp_path, sub="admin", roles=["province_admin"])
        clients = [asyncio.create_task(client_loop(n, url, token, load)) for n in range(CLIENTS)]
        await eventually(lambda: _now(len(load.acked) >= 100), what="reports under way")

        load.signal_at = old.signal(signal.SIGTERM)
        new = processes.start(
            "services.progress", env=env, log=tmp_path / "progress-2.log", url=url
        )
        code = await old.exited(BOUND_S + 10)
        stopped_in = time.monotonic() - load.signal_at
        assert code == 0, old.tail()
        assert stopped_in < BOUND_S, stopped_in
        before_new = len(load.acked)
        await new.ready()
        await eventually(
            lambda: _now(len(load.acked) >= before_new + 100), what="reports taken by the new one"
        )
        load.running = False
        await asyncio.gather(*clients)

        # The requests in flight when the signal came were answered, and nothing failed.
        assert load.across_signal and all(s == 201 for s in load.across_signal), load
        assert set(load.answered) == {201}, load.answered

        # Stored once each.
        await eventually(
            lambda: db.fetchval("SELECT count(*) = 0 FROM outbox"), what="the outbox published"
        )
        stored = {
            r["note"]: r for r in await db.fetch("SELECT note, report_id::text AS id FROM reports")
        }
        notes = Counter(r["note"] for r in await db.fetch("SELECT note FROM reports"))
        assert all(n == 1 for n in notes.values()), [k for k, n in notes.items() if n > 1]
        assert {note: stored[note]["id"] for note in load.acked} == load.acked

        # Published once each.
        events = [
            from_message(m.value, m.headers)
            for m in await read_topic(kafka_bootstrap, topic_map["progress.reports.v1"])
        ]
        reported = Counter(
            str(e.data.report_id) for e in events if e.type.endswith(".TargetReported.v1")
        )
        assert all(reported[report_id] == 1 for report_id in load.acked.values()), [
            r for r in load.acked.values() if reported[r] != 1
        ]
        assert all(n == 1 for n in reported.values())
        assert len(reported) == len(stored)

        # The new one stops as cleanly.
        new.signal(signal.SIGTERM)
        assert await new.exited(BOUND_S + 10) == 0, new.tail()
    finally:
        load.running = False
        for task in clients:
            task.cancel()
        await asyncio.gather(*clients, return_exceptions=True)
        await db.close()
        for p in (old, new):
            if p is not None:
                p.kill()


async def _now(value):
    return value
