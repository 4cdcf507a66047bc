"""The notify service assembled, against the real things: Kafka (fresh topics per test, routed to
the catalog names through `topic_names`), PostgreSQL (a fresh database), an SMTP server in a
separate process (aiosmtpd, writing a Maildir the tests read) and HTTP receivers in the test
that verify signatures as a subscriber would (`webhook.verify`).

The service's own relay is stopped, as in the registry's tests, so the outbox can be inspected:
NotificationDelivered / NotificationFailed stay there."""

from __future__ import annotations

import asyncio
import email.policy
import json
import mailbox
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from fastapi import FastAPI

from infra import tokens
from schemas.base import Event
from schemas.envelope import Message, source_for, to_message
from services.notify.adapters.webhook import SIGNATURE_HEADER, verify
from services.notify.app import create
from services.notify.config import NotifySettings
from tests import ENGLISH

pytestmark = pytest.mark.infra

CATALOG_TOPICS = (
    "registry.units.v1",
    "registry.people.v1",
    "registry.campaigns.v1",
    "progress.reports.v1",
    "awards.nominations.v1",
    "awards.decisions.v1",
    "awards.findings.v1",
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


async def eventually(
    check: Callable[[], Awaitable[Any]],
    *,
    timeout: float = 60.0,  # noqa: ASYNC109
    interval: float = 0.05,
    what: str = "condition",
) -> Any:
    deadline = time.monotonic() + timeout
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(interval)
    raise AssertionError(f"timed out after {timeout:.0f}s waiting for {what} (last: {last!r})")


# SMTP: a real server process


@dataclass
class Mailroom:
    port: int
    maildir: Path

    def received(self) -> list[EmailMessage]:
        if not self.maildir.exists():
            return []
        box = mailbox.Maildir(self.maildir, create=False)
        return [
            email.message_from_bytes(box.get_bytes(k), policy=email.policy.default)
            for k in box.iterkeys()
        ]

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.received() if m["To"] == address]


@pytest.fixture
def smtp(tmp_path: Path) -> Iterator[Mailroom]:
    port, maildir = free_port(), tmp_path / "maildir"
    proc = subprocess.Popen(
        [
            *(sys.executable, "-m", "aiosmtpd", "-n", "-l", f"127.0.0.1:{port}"),
            *("-c", "aiosmtpd.handlers.Mailbox", str(maildir)),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"aiosmtpd did not start: {proc.stderr.read()}") from None
                time.sleep(0.05)
        yield Mailroom(port, maildir)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# HTTP receivers in the test


@dataclass
class Received:
    at: float
    headers: dict[str, str]
    body: bytes
    verified: bool
    answered: int = 0
    finished_at: float = 0.0

    @property
    def json(self) -> Any:
        return json.loads(self.body)


_REASONS = {
    200: "OK",
    204: "No Content",
    401: "Unauthorized",
    500: "Internal Server Error",
    503: "Service Unavailable",
}


@dataclass
class Receiver:
    """Answers 401 when the signature does not verify with one of `secrets`; otherwise the next
    status of `script`, then `status`, after `delay` seconds."""

    secrets: list[str] = field(default_factory=list)
    status: int = 204
    script: list[int] = field(default_factory=list)
    delay: float = 0.0
    received: list[Received] = field(default_factory=list)
    port: int = 0
    in_flight: int = 0
    max_in_flight: int = 0
    server: asyncio.AbstractServer | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        try:
            await reader.readline()
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            signature = headers.get(SIGNATURE_HEADER.lower(), "")
            ok = any(verify(s, signature, body) for s in self.secrets)
            got = Received(time.monotonic(), headers, body, ok)
            self.received.append(got)
            if self.delay:
                await asyncio.sleep(self.delay)
            status = (self.script.pop(0) if self.script else self.status) if ok else 401
            got.answered, got.finished_at = status, time.monotonic()
            writer.write(
                f"HTTP/1.1 {status} {_REASONS.get(status, 'X')}\r\ncontent-length: 0\r\n"
                "connection: close\r\n\r\n".encode()
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            self.in_flight -= 1
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks/thidua"

    @property
    def delivered(self) -> list[Received]:
        return [r for r in self.received if 200 <= r.answered < 300]

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()
            self.server = None

    async def start(self) -> None:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", self.port)
        self.port = self.server.sockets[0].getsockname()[1]


@pytest.fixture
async def receivers() -> AsyncIterator[Callable[..., Awaitable[Receiver]]]:
    made: list[Receiver] = []

    async def make(**kwargs: Any) -> Receiver:
        r = Receiver(**kwargs)
        await r.start()
        made.append(r)
        return r

    yield make
    for r in made:
        await r.stop()


# Kafka: fresh topics standing in for the catalog's


@pytest.fixture
async def topics(kafka_bootstrap: str) -> AsyncIterator[dict[str, str]]:
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    mapping = {name: f"t.{name}.{uuid.uuid4().hex[:8]}" for name in CATALOG_TOPICS}
    created = [n for fresh in mapping.values() for n in (fresh, f"{fresh}.dlq")]
    try:
        await admin.create_topics([NewTopic(n, 1, 1) for n in created])
        yield mapping
    finally:
        await admin.delete_topics(created)
        await admin.close()


@pytest.fixture
async def producer(kafka_bootstrap: str) -> AsyncIterator[AIOKafkaProducer]:
    p = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all", enable_idempotence=True)
    await p.start()
    yield p
    await p.stop()


# The service


@dataclass
class Notify:
    app: FastAPI
    client: httpx.AsyncClient
    pool: asyncpg.Pool
    state: Path
    topics: dict[str, str]
    producer: AIOKafkaProducer

    def token(self, roles: list[str], sub: str = "tester", **claims: Any) -> dict[str, str]:
        t = tokens.mint(self.state, sub=sub, roles=roles, **claims)
        return {"Authorization": f"Bearer {t}"}

    def person(self, person_id: object) -> dict[str, str]:
        return self.token([], sub=str(person_id))

    def officer(self, unit_id: object) -> dict[str, str]:
        return self.token(["unit_officer"], sub=f"officer-{unit_id}", unit_id=str(unit_id))

    def integration(self, client_id: str) -> dict[str, str]:
        return self.token(["integration_client"], sub=f"svc-{client_id}", client_id=client_id)

    @property
    def operator(self) -> dict[str, str]:
        return self.token(["operator"], sub="ops")

    @property
    def admin(self) -> dict[str, str]:
        return self.token(["province_admin"], sub="admin")

    @property
    def dispatcher(self):
        return self.app.state.notify.dispatcher

    @property
    def consumer(self):
        return self.app.state.service.consumer

    async def publish(
        self,
        event: Event,
        *,
        event_id: uuid.UUID | None = None,
        trace: dict[str, str] | None = None,
    ) -> Message:
        message = to_message(event, source=source_for(event.owner), event_id=event_id, trace=trace)
        await self.send(message)
        return message

    async def send(self, message: Message) -> None:
        await self.producer.send_and_wait(
            self.topics[message.topic],
            message.value,
            key=message.key,
            headers=message.headers,
        )

    async def call(
        self, method: str, path: str, headers: dict[str, str], body: Any = None, expect: int = 200
    ) -> Any:
        r = await self.client.request(method, path, headers=headers, json=body)
        assert r.status_code == expect, r.text
        return r.json() if r.content else None

    async def subscribe(
        self, client_id: str, url: str, *, secret: str, expect: int = 201, **body: Any
    ) -> Any:
        return await self.call(
            "POST",
            "/subscriptions",
            self.integration(client_id),
            {"url": url, "secret": secret, **body},
            expect=expect,
        )

    async def applied(self, message: Message) -> bool:
        return bool(
            await self.pool.fetchval(
                "SELECT count(*) FROM inbox WHERE event_id = $1", message.event_id
            )
        )

    async def deliveries(self, **where: Any) -> list[asyncpg.Record]:
        conditions = " AND ".join(f"{k} = ${i}" for i, k in enumerate(where, 1)) or "true"
        return await self.pool.fetch(
            f"SELECT * FROM deliveries WHERE {conditions} ORDER BY seq",
            *where.values(),
        )

    async def outcomes(self) -> list[tuple[str, dict[str, Any]]]:
        """NotificationDelivered / NotificationFailed in the outbox: (name, payload)."""
        rows = await self.pool.fetch("SELECT type, payload FROM outbox ORDER BY seq")
        return [(r["type"].split(".")[3], json.loads(r["payload"])) for r in rows]


def settings_for(
    database_url: str, kafka_bootstrap: str, state: Path, topics: dict[str, str], **overrides: Any
) -> NotifySettings:
    values: dict[str, Any] = {
        # A consumer group of its own per test (the group id is the service name).
        "service": f"notify-test-{uuid.uuid4().hex[:8]}",
        "database_url": database_url,
        "kafka_bootstrap": kafka_bootstrap,
        "jwks_file": tokens.jwks_file(state),
        "consume_topics": list(topics),
        "topic_names": topics,
        "webhook_production": True,
        "webhook_allowed_networks": ["127.0.0.0/8"],
        "delivery_max_attempts": 4,
        "delivery_backoff_base_s": 0.05,
        "delivery_backoff_cap_s": 0.2,
        "delivery_timeout_s": 5.0,
        "delivery_concurrency_per_subscriber": 2,
        "delivery_suspend_after_failures": 50,
        "dispatch_poll_interval_s": 0.5,
        "secrets_key": "c2VjcmV0cy1rZXktZm9yLW5vdGlmeS10ZXN0cy0zMmI=",
    }
    values.update(overrides)
    return NotifySettings(**values)


@pytest.fixture
def notify_settings() -> dict[str, Any]:
    """Overrides of the service's settings for one test (set before `notify` starts)."""
    return {}


@pytest.fixture
async def notify(
    fresh_database, kafka_bootstrap, tmp_path, topics, producer, smtp, notify_settings
) -> AsyncIterator[Notify]:
    tokens.ensure_keys(tmp_path)
    overrides = {
        "smtp_host": "127.0.0.1",
        "smtp_port": smtp.port,
        "smtp_start_tls": False,
        "smtp_timeout_s": 5.0,
        **notify_settings,
    }
    settings = settings_for(fresh_database, kafka_bootstrap, tmp_path, topics, **overrides)
    app = create(settings)
    async with app.router.lifespan_context(app):
        relay = app.state.service.relay
        if relay is not None:
            await relay.stop()
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://notify", headers=ENGLISH
        ) as client:
            yield Notify(app, client, app.state.service.pool, tmp_path, topics, producer)
