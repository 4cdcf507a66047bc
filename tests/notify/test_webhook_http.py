"""Webhook deliveries against a real HTTP receiver on 127.0.0.1 (a small asyncio server that
verifies signatures with `webhook.verify`, as a subscriber would), plus the signing rules."""

from __future__ import annotations

import asyncio
import datetime as dt
import hashlib
import hmac
import ipaddress
import json
import socket
import ssl
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any
from uuid import uuid4

import aiohttp
import pytest
from cloudevents.core.bindings.http import HTTPMessage, from_binary_event
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from schemas import progress as p
from schemas.envelope import format_time
from schemas.examples import EXAMPLE_TRACE, example
from services.notify.adapters.webhook import (
    DELIVERY_HEADER,
    SIGNATURE_HEADER,
    USER_AGENT,
    build_request,
    new_session,
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
            got = await _read_request(reader)
            if got is None:
                return
            self.received.append(got)
            await asyncio.sleep(self.delay)
            status = self.status if got.verified else 401
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


async def _read_request(reader: asyncio.StreamReader) -> Received | None:
    """The next request on the connection, None when the client closed it."""
    line = await reader.readline()
    if not line:
        return None
    method, path, _ = line.decode("latin-1").split(" ", 2)
    headers: dict[str, str] = {}
    while (line := await reader.readline()) not in (b"\r\n", b"\n", b""):
        name, _, value = line.decode("latin-1").partition(":")
        headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    ok = verify(SECRET, headers.get(SIGNATURE_HEADER.lower(), ""), body)
    return Received(method, path, headers, body, ok)


@pytest.fixture
async def listening() -> AsyncIterator[Callable[..., Awaitable[Any]]]:
    """`await listening(receiver, host=..., tls=...)`: serves a receiver (its `handle`) on a free
    port, which it notes in `receiver.port`; every server is closed after the test."""
    servers = []

    async def start(receiver: Any, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None):
        try:
            server = await asyncio.start_server(receiver.handle, host, 0, ssl=tls)
        except OSError as e:
            pytest.skip(f"cannot listen on {host}: {e}")
        receiver.port = server.sockets[0].getsockname()[1]
        servers.append(server)
        return receiver

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


@pytest.fixture
def serve(listening) -> Callable[..., Awaitable[Receiver]]:
    async def start(**kwargs) -> Receiver:
        return await listening(Receiver(**kwargs))

    return start


@pytest.fixture
async def client() -> AsyncIterator[aiohttp.ClientSession]:
    async with new_session(max_in_flight=8) as session:
        yield session


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
    assert h["ce-dataschema"] == p.TargetAchieved.dataschema()
    assert h["content-type"] == "application/json"
    assert h["user-agent"] == USER_AGENT
    assert "accept-encoding" not in h and "cookie" not in h  # nothing we did not ask for
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


# What happens to the connection: kept alive, dropped, cut; no cookies; TLS names; IPv6.

Answer = Callable[[asyncio.StreamWriter], Awaitable[None]]


@dataclass
class KeepAlive:
    """A receiver that serves any number of requests per connection; `answer` writes each
    response (and may close the connection)."""

    answer: Answer
    connections: int = 0
    requests: list[Received] = field(default_factory=list)
    host: str = "127.0.0.1"
    port: int = 0

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            while (got := await _read_request(reader)) is not None:
                self.requests.append(got)
                await self.answer(writer)
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}/thidua/hook"


@pytest.fixture
def listen(listening) -> Callable[..., Awaitable[KeepAlive]]:
    async def start(
        answer: Answer, *, host: str = "127.0.0.1", tls: ssl.SSLContext | None = None
    ) -> KeepAlive:
        return await listening(KeepAlive(answer, host=host), host, tls)

    return start


def _short_answer(extra_headers: str = "") -> Answer:
    async def answer(writer: asyncio.StreamWriter) -> None:
        head = f"HTTP/1.1 200 OK\r\ncontent-length: 8\r\n{extra_headers}\r\n"
        writer.write(head.encode() + b"accepted")
        await writer.drain()

    return answer


def _streamed_answer(size: int, chunk: int, pause: float) -> tuple[Answer, asyncio.Future[int]]:
    """Announces `size` bytes and writes them `chunk` at a time, `pause` seconds apart; the
    future tells how many went out before the client hung up (or all)."""
    written: asyncio.Future[int] = asyncio.get_running_loop().create_future()

    async def answer(writer: asyncio.StreamWriter) -> None:
        writer.write(f"HTTP/1.1 200 OK\r\ncontent-length: {size}\r\n\r\n".encode())
        sent = 0
        try:
            while sent < size:
                writer.write(b"x" * chunk)
                await writer.drain()
                sent += chunk
                await asyncio.sleep(pause)
        finally:
            written.set_result(sent)

    return answer, written


async def test_a_short_answer_is_read_and_its_connection_kept_for_the_next_call(listen, client):
    receiver = await listen(_short_answer())
    for _ in range(2):
        outcome = await send(client, receiver.url, build_request(ENVELOPE, SECRET), timeout=5)
        assert outcome.ok and outcome.status == 200
    assert len(receiver.requests) == 2 and receiver.connections == 1


async def test_a_long_answer_is_not_read_to_its_end_and_its_connection_dropped(listen, client):
    size = 256 * 1024 * 1024
    answer, written = _streamed_answer(size, chunk=64 * 1024, pause=0)
    receiver = await listen(answer)

    outcome = await send(client, receiver.url, build_request(ENVELOPE, SECRET), timeout=5)

    assert outcome.ok and outcome.status == 200
    assert await asyncio.wait_for(written, 10) < size  # the receiver was cut off
    again = await send(client, receiver.url, build_request(ENVELOPE, SECRET), timeout=5)
    assert again.ok and receiver.connections == 2  # the dropped connection was not reused


async def test_an_answer_trickling_in_is_cut_at_the_timeout(listen, client):
    size = 10_000  # 100 s at this pace
    answer, written = _streamed_answer(size, chunk=1, pause=0.01)
    receiver = await listen(answer)

    outcome = await send(client, receiver.url, build_request(ENVELOPE, SECRET), timeout=0.5)

    assert outcome.status is None and outcome.error == "timed out after 0.5 s"
    assert outcome.retryable
    assert await asyncio.wait_for(written, 10) < size


async def test_a_receiver_hanging_up_is_a_transport_error_naming_no_address(listen, client):
    async def hang_up(writer: asyncio.StreamWriter) -> None:
        writer.close()

    receiver = await listen(hang_up)
    outcome = await send(client, receiver.url, build_request(ENVELOPE, SECRET), timeout=5)
    assert outcome.status is None and outcome.retryable
    assert outcome.error == "transport error (ServerDisconnectedError)"


async def test_cookies_a_receiver_sets_are_not_sent_back(listen, client):
    # "localhost" rather than an address: cookie jars ignore cookies of numeric hosts.
    receiver = await listen(_short_answer("set-cookie: session=abc; Path=/\r\n"))
    url = f"http://localhost:{receiver.port}/thidua/hook"
    for _ in range(2):
        assert (await send(client, url, build_request(ENVELOPE, SECRET), timeout=5)).ok
    assert [("cookie" in r.headers) for r in receiver.requests] == [False, False]


async def test_a_pinned_ipv6_address_keeps_the_host_name(listen, client):
    receiver = await listen(_short_answer(), host="::1")
    loopback = ipaddress.ip_address("::1")
    named = f"http://hooks.thidua.invalid:{receiver.port}/thidua/hook"
    literal = f"http://[::1]:{receiver.port}/thidua/hook"
    for url in (named, literal):
        outcome = await send(
            client, url, build_request(ENVELOPE, SECRET), timeout=5, connect_to=loopback
        )
        assert outcome.ok
    assert [r.headers["host"] for r in receiver.requests] == [
        f"hooks.thidua.invalid:{receiver.port}",
        f"[::1]:{receiver.port}",
    ]


async def test_a_pinned_tls_connection_names_and_checks_the_url_host(listen, tmp_path):
    server_tls, client_tls, names_asked = _tls_for("hooks.thidua.invalid", tmp_path)
    receiver = await listen(_short_answer(), tls=server_tls)
    pinned = ipaddress.ip_address("127.0.0.1")
    request = build_request(ENVELOPE, SECRET)
    # A session like new_session's, trusting the test's own certificate authority.
    connector = aiohttp.TCPConnector(ssl=client_tls)
    async with aiohttp.ClientSession(
        connector=connector, trust_env=False, cookie_jar=aiohttp.DummyCookieJar()
    ) as session:
        right = f"https://hooks.thidua.invalid:{receiver.port}/thidua/hook"
        outcome = await send(session, right, request, timeout=5, connect_to=pinned)
        # The same address under another name: its certificate does not match that name.
        wrong = f"https://other.thidua.invalid:{receiver.port}/thidua/hook"
        refused = await send(session, wrong, request, timeout=5, connect_to=pinned)

    assert outcome.ok
    [got] = receiver.requests
    assert got.headers["host"] == f"hooks.thidua.invalid:{receiver.port}" and got.verified
    assert names_asked == ["hooks.thidua.invalid", "other.thidua.invalid"]  # SNI
    assert refused.status is None and refused.error == "connection failed"


def _tls_for(name: str, folder) -> tuple[ssl.SSLContext, ssl.SSLContext, list[str | None]]:
    """A server context with a certificate for `name` from a certificate authority made here,
    a client context trusting that authority alone, and the server names (SNI) clients ask."""
    now = dt.datetime.now(dt.UTC)

    authority = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "thidua test CA")])
    ca_key, key = ec.generate_private_key(ec.SECP256R1()), ec.generate_private_key(ec.SECP256R1())

    def certificate(subject: x509.Name, public_key, extension, critical: bool):
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(authority)
            .public_key(public_key)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(extension, critical=critical)
            .sign(ca_key, hashes.SHA256())
        )

    ca = certificate(
        authority, ca_key.public_key(), x509.BasicConstraints(ca=True, path_length=None), True
    )
    leaf = certificate(
        x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]),
        key.public_key(),
        x509.SubjectAlternativeName([x509.DNSName(name)]),
        False,
    )
    cert_file, key_file = folder / "server.pem", folder / "server.key"
    cert_file.write_bytes(leaf.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    server = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server.load_cert_chain(cert_file, key_file)
    names: list[str | None] = []
    server.sni_callback = lambda _socket, server_name, _context: names.append(server_name)
    client = ssl.create_default_context(cadata=ca.public_bytes(serialization.Encoding.PEM).decode())
    return server, client, names


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
