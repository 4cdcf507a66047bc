"""A notify process killed (SIGKILL) while a webhook is on its way to a slow receiver: the
attempt was recorded before the POST, so after the restart the re-send is the delivery's second
attempt and the first shows as interrupted; the re-send comes once the short lease (the POST's
timeout and a margin) has run out; the demo receiver (`infra/sinks/hooks.py`) sees the same
ce-id twice and records the second as a duplicate.

notify and the receiver run as processes of their own; Kafka and PostgreSQL are the test
stack's."""

from __future__ import annotations

import json
import signal
import time
import uuid

import asyncpg
import httpx
import pytest

from infra import tokens
from infra import traces as sink_lines
from schemas.envelope import source_for, to_message
from tests import processes
from tests.notify.service.conftest import eventually, free_port
from tests.notify.service.world import World

pytestmark = [pytest.mark.infra, pytest.mark.timeout(180)]

SECRET = "whsec-he-thong-mot-cua-2020-abcdef"
TIMEOUT_S = 6.0  # a POST's timeout
MARGIN_S = 4.0  # the lease's margin over it
RECEIVER_DELAY_S = 3.0  # the receiver answers this long after taking a request


def notify_env(dsn: str, bootstrap: str, state, topics: dict[str, str], port: int) -> dict:
    return {
        "THIDUA_HTTP_PORT": str(port),
        "THIDUA_DATABASE_URL": dsn,
        "THIDUA_KAFKA_BOOTSTRAP": bootstrap,
        "THIDUA_JWKS_FILE": str(tokens.jwks_file(state)),
        "THIDUA_CONSUMER_GROUP": f"notify-crash-{uuid.uuid4().hex[:8]}",
        "THIDUA_CONSUME_TOPICS": json.dumps(list(topics)),
        "THIDUA_TOPIC_NAMES": json.dumps(topics),
        "THIDUA_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
        "THIDUA_SECRETS_KEY": "c2VjcmV0cy1rZXktZm9yLW5vdGlmeS10ZXN0cy0zMmI=",
        "THIDUA_RELAY_ENABLED": "false",  # outcomes stay in the outbox, off the catalog's topic
        "THIDUA_DELIVERY_TIMEOUT_S": str(TIMEOUT_S),
        "THIDUA_DISPATCH_LEASE_MARGIN_S": str(MARGIN_S),
        "THIDUA_DISPATCH_POLL_INTERVAL_S": "0.5",
    }


async def test_a_webhook_resent_after_a_crash_is_a_second_attempt_and_a_duplicate_to_the_receiver(
    fresh_database, kafka_bootstrap, topics, producer, tmp_path
):
    tokens.ensure_keys(tmp_path)
    secret_file = tmp_path / "receiver-secret"
    secret_file.write_text(SECRET)
    hooks_out = tmp_path / "hooks.jsonl"
    hooks_port, port = free_port(), free_port()
    receiver = processes.start(
        "infra.sinks.hooks",
        *("--port", str(hooks_port), "--out", str(hooks_out)),
        *("--secret-file", str(secret_file), "--delay", str(RECEIVER_DELAY_S)),
        env={},
        log=tmp_path / "hooks.log",
        url=f"http://127.0.0.1:{hooks_port}",
    )
    env = notify_env(fresh_database, kafka_bootstrap, tmp_path, topics, port)
    first = processes.start("services.notify", env=env, log=tmp_path / "notify-1.log")
    first.url = f"http://127.0.0.1:{port}"
    second = None
    db = await asyncpg.connect(fresh_database)
    try:
        await receiver.ready()
        await first.ready()
        integration = tokens.mint(
            tmp_path, sub="svc-mot-cua", roles=["integration_client"], client_id="mot-cua"
        )
        async with httpx.AsyncClient(base_url=first.url, timeout=10) as client:
            r = await client.post(
                "/subscriptions",
                json={"url": f"http://127.0.0.1:{hooks_port}/hooks/mot-cua", "secret": SECRET},
                headers={"Authorization": f"Bearer {integration}"},
            )
            assert r.status_code == 201, r.text

        message = to_message(World().overdue(), source=source_for("progress"))
        await producer.send_and_wait(
            topics[message.topic], message.value, key=message.key, headers=message.headers
        )
        ce_id = str(message.event_id)

        def received() -> list[dict]:
            return [h for h in sink_lines.read(hooks_out) if h.get("ce-id") == ce_id]

        await eventually(lambda: _now(received()), what="the receiver to take the POST")
        first.signal(signal.SIGKILL)  # the answer is still RECEIVER_DELAY_S away
        killed = time.monotonic()
        assert await first.exited(10) == -signal.SIGKILL

        # What an operator sees meanwhile: one attempt, under way when notify died.
        (delivery,) = await db.fetch("SELECT id, status, attempts FROM deliveries")
        assert (delivery["status"], delivery["attempts"]) == ("pending", 1)
        attempts = await db.fetch("SELECT number, result FROM delivery_attempts")
        assert [tuple(a) for a in attempts] == [(1, "sending")]

        second = processes.start("services.notify", env=env, log=tmp_path / "notify-2.log")
        second.url = first.url
        await second.ready()
        await eventually(
            lambda: _now(len(received()) == 2), timeout=60, what="the re-send to arrive"
        )
        resent_after = time.monotonic() - killed
        # the lease (timeout + margin from the attempt's start) ran out, then the restarted
        # dispatcher claimed it
        assert resent_after < TIMEOUT_S + MARGIN_S + 10, resent_after
        await eventually(
            lambda: db.fetchval(
                "SELECT status = 'delivered' FROM deliveries WHERE id = $1", delivery["id"]
            ),
            what="the delivery recorded as delivered",
        )
        operator = tokens.mint(tmp_path, sub="ops", roles=["operator"])
        async with httpx.AsyncClient(base_url=second.url, timeout=10) as client:
            r = await client.get(
                f"/deliveries/{delivery['id']}", headers={"Authorization": f"Bearer {operator}"}
            )
        assert r.status_code == 200, r.text
        detail = r.json()
        assert detail["status"] == "delivered" and detail["attempts"] == 2
        log = detail["attempt_log"]
        assert [(a["number"], a["result"], a["status"]) for a in log] == [
            (1, "interrupted", None),
            (2, "delivered", 204),
        ]
        assert log[0]["error"].startswith("unknown: interrupted")

        # The receiver took the same event twice, and knew the second for what it was.
        lines = received()
        assert [(h["verified"], h["duplicate"]) for h in lines] == [(True, False), (True, True)]
        assert len({h["ce-id"] for h in lines}) == 1

        # Asked to stop, it stops cleanly.
        second.signal(signal.SIGTERM)
        assert await second.exited(30) == 0, second.tail()
    finally:
        await db.close()
        for p in (first, second, receiver):
            if p is not None:
                p.kill()


async def _now(value):
    return value
