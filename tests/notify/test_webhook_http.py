"""Webhook deliveries against a real HTTP receiver on 127.0.0.1 (a small asyncio server that
verifies signatures with `webhook.verify`, as a subscriber would), plus the signing rules."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import ipaddress
import json
import socket
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from uuid import uuid4

import httpx
import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_binary_event

from schemas import progress as p
from schemas.envelope import format_time
from schemas.examples import EXAMPLE_TRACE, example
from services.notify.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    build_request,
    send,
    sign,
    verify,
)
from tests.notify import envelope

SECRET = "whsec-thử-nghiệm-2020"
EVENT = example(p.TargetAchieved)
ENVELOPE = envelope(EVENT)


@dataclass
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    verified: bool


@dataclass
class Receiver:
    """Answers 401 to a request whose signature does not verify, else `status`."""

    status: int = 204
    delay: float = 0.0
    extra_headers: dict[str, str] = field(default_factory=dict)
    received: list[Received] = field(default_factory=list)
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            method, path, _ = (await reader.readline()).decode("latin-1").split(" ", 2)
            headers: dict[str, str] = {}
            while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
                name, _, value = line.decode("latin-1").partition(":")
                headers[name.strip().lower()] = value.strip()
            body = await reader.readexactly(int(headers.get("content-length", "0")))
            ok = verify(SECRET, headers.get(SIGNATURE_HEADER.lower(), ""), body)
            self.received.append(Received(method, path, headers, body, ok))
            await asyncio.sleep(self.delay)
            status = self.status if ok else 401
            extra = "".join(f"{k}: {v}\r\n" for k, v in self.extra_headers.items())
            writer.write(
                f"HTTP/1.1 {status} {_REASONS.get(status, 'X')}\r\ncontent-length: 0\r\n"
                f"connection: close\r\n{extra}\r\n".encode()
            )
            await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/thidua/hook"


_REASONS = {204: "No Content", 302: "Found", 401: "Unauthorized", 503: "Service Unavailable"}


@pytest.fixture
async def serve() -> AsyncIterator:
    servers = []

    async def start(**kwargs) -> Receiver:
        receiver = Receiver(**kwargs)
        server = await asyncio.start_server(receiver.handle, "127.0.0.1", 0)
        receiver.port = server.sockets[0].getsockname()[1]
        servers.append(server)
        return receiver

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.fixture
async def client() -> AsyncIterator[httpx.AsyncClient]:
    # trust_env=False: a proxy from the environment must not stand between notify and the
    # subscriber (it would also undo the address pinning).
    async with httpx.AsyncClient(trust_env=False) as c:
        yield c


async def test_a_signed_delivery_verifies_and_carries_cloudevents_headers(serve, client):
    receiver = await serve()
    delivery_id = uuid4()
    request = build_request(ENVELOPE, SECRET, delivery_id=delivery_id)
    outcome = await send(client, receiver.url, request, timeout=5)

    assert outcome.ok and outcome.status == 204 and outcome.error is None
    assert 0 < outcome.duration < 5
    [got] = receiver.received
    assert got.method == "POST" and got.path == "/thidua/hook"
    assert got.verified
    h = got.headers
    assert h["ce-specversion"] == "1.0"
    assert h["ce-id"] == str(ENVELOPE.id) == h["idempotency-key"]
    assert h["ce-source"] == "/thidua/progress"
    assert h["ce-type"] == "vn.thidua.progress.TargetAchieved.v1"
    assert h["ce-subject"] == str(EVENT.target_id)
    assert h["ce-time"] == format_time(ENVELOPE.time)
    assert h["ce-dataschema"] == "urn:thidua:schema:progress.TargetAchieved.v1"
    assert h["content-type"] == "application/json"
    assert h["traceparent"] == EXAMPLE_TRACE["traceparent"]
    assert h[DELIVERY_HEADER.lower()] == str(delivery_id)
    assert got.body == EVENT.to_json()
    assert p.TargetAchieved.from_json(got.body) == EVENT

    # The CloudEvents SDK reads it as a binary-mode event.
    ce = from_binary_event(HTTPMessage(headers=h, body=got.body))
    assert ce.get_id() == str(ENVELOPE.id)
    assert ce.get_type() == "vn.thidua.progress.TargetAchieved.v1"
    assert ce.get_data() == json.loads(EVENT.to_json())


async def test_a_tampered_body_fails_verification(serve, client):
    receiver = await serve()
    request = build_request(ENVELOPE, SECRET)
    tampered = replace(
        request, body=request.body.replace(b'"completion":1.0023', b'"completion":9')
    )
    assert tampered.body != request.body

    outcome = await send(client, receiver.url, tampered, timeout=5)

    assert receiver.received[0].verified is False
    assert outcome.status == 401 and not outcome.ok and outcome.retryable
    assert outcome.error == "HTTP 401 Unauthorized"


async def test_a_stale_timestamp_fails_verification(serve, client):
    receiver = await serve()
    an_hour_ago = int(time.time()) - 3600
    stale = build_request(ENVELOPE, SECRET, timestamp=an_hour_ago)
    assert f"t={an_hour_ago}," in stale.headers[SIGNATURE_HEADER]

    outcome = await send(client, receiver.url, stale, timeout=5)

    assert receiver.received[0].verified is False and outcome.status == 401
    # The same body signed now passes: each attempt must be signed afresh.
    fresh = await send(client, receiver.url, build_request(ENVELOPE, SECRET), timeout=5)
    assert fresh.ok and receiver.received[1].verified


async def test_a_wrong_secret_fails_verification(serve, client):
    receiver = await serve()
    outcome = await send(client, receiver.url, build_request(ENVELOPE, "other"), timeout=5)
    assert outcome.status == 401 and receiver.received[0].verified is False


async def test_a_slow_subscriber_times_out_without_delaying_another(serve, client):
    slow = await serve(delay=3.0)
    fast = await serve()
    request = build_request(ENVELOPE, SECRET)

    slow_outcome, fast_outcome = await asyncio.gather(
        send(client, slow.url, request, timeout=0.5),
        send(client, fast.url, request, timeout=0.5),
    )

    assert slow_outcome.status is None and slow_outcome.error == "timed out after 0.5 s"
    assert slow_outcome.retryable and 0.4 < slow_outcome.duration < 2.0
    assert fast_outcome.ok and fast_outcome.duration < 0.5


async def test_nobody_listening_is_a_retryable_connection_failure(client):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again: nothing listens there
    outcome = await send(client, f"http://127.0.0.1:{port}/", build_request(ENVELOPE, SECRET), 5)
    assert outcome.status is None and outcome.error == "connection failed" and outcome.retryable
    assert str(port) not in outcome.error  # no addresses in errors


async def test_retry_after_is_read_from_the_answer(serve, client):
    receiver = await serve(status=503, extra_headers={"Retry-After": "30"})
    outcome = await send(client, receiver.url, build_request(ENVELOPE, SECRET), timeout=5)
    assert outcome.status == 503 and outcome.error == "HTTP 503 Service Unavailable"
    assert outcome.retry_after == 30


async def test_redirects_are_not_followed(serve, client):
    inner = await serve()
    receiver = await serve(status=302, extra_headers={"Location": inner.url})
    outcome = await send(client, receiver.url, build_request(ENVELOPE, SECRET), timeout=5)
    assert outcome.status == 302 and "redirects are not followed" in outcome.error
    assert inner.received == []


async def test_connecting_to_the_checked_address_keeps_the_host_name(serve, client):
    # The URL names a host that does not resolve at all: only the pinned address is used.
    receiver = await serve()
    url = f"http://hooks.thidua.invalid:{receiver.port}/thidua/hook"
    outcome = await send(
        client,
        url,
        build_request(ENVELOPE, SECRET),
        timeout=5,
        connect_to=ipaddress.ip_address("127.0.0.1"),
    )
    assert outcome.ok
    [got] = receiver.received
    assert got.headers["host"] == f"hooks.thidua.invalid:{receiver.port}"
    assert got.path == "/thidua/hook" and got.verified


# The signing rules, as a receiver reads them.


def test_signature_is_hmac_sha256_over_timestamp_dot_body():
    body = b'{"a":"\xc4\x91"}'
    expected = hmac.new(SECRET.encode(), b"1600000000." + body, hashlib.sha256).hexdigest()
    assert sign(SECRET, 1600000000, body) == f"t=1600000000,v1={expected}"


def test_verify_accepts_within_tolerance_only():
    body = b"{}"
    header = sign(SECRET, 1_000_000, body)
    assert verify(SECRET, header, body, tolerance_s=300, now=1_000_000)
    assert verify(SECRET, header, body, tolerance_s=300, now=1_000_300)
    assert not verify(SECRET, header, body, tolerance_s=300, now=1_000_301)
    assert not verify(SECRET, header, body, tolerance_s=300, now=999_699)  # from the future


def test_verify_accepts_any_of_several_signatures_for_secret_rotation():
    body = b"{}"
    new = sign("new-secret", 1_000_000, body)
    old = sign("old-secret", 1_000_000, body).split(",")[1]
    header = f"{new},{old},v0=ignored"
    assert verify("old-secret", header, body, now=1_000_000)
    assert verify("new-secret", header, body, now=1_000_000)
    assert not verify("third-secret", header, body, now=1_000_000)


@pytest.mark.parametrize(
    "header", ["", "v1=abc", "t=1000000", "t=abc,v1=00", "t=1000000,v1=", "garbage"]
)
def test_verify_refuses_malformed_headers(header):
    assert not verify(SECRET, header, b"{}", now=1_000_000)


def test_ce_header_values_are_percent_encoded_as_the_binding_requires():
    odd = replace(ENVELOPE, source="/thidua/thi đua 100%", trace={})
    request = build_request(odd, SECRET)
    assert request.headers["ce-source"] == "/thidua/thi%20%C4%91ua%20100%25"
    assert "traceparent" not in request.headers
    ce = from_binary_event(HTTPMessage(headers=request.headers, body=request.body))
    assert ce.get_source() == "/thidua/thi đua 100%"
