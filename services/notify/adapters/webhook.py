"""Webhook deliveries: CloudEvents over HTTP in binary content mode, signed with HMAC-SHA256.

What a subscriber receives

    POST <its URL>
    content-type: application/json
    ce-specversion: 1.0
    ce-id: <event id>                   unique per event; the same on every retry
    ce-source: /thidua/<service>
    ce-type: vn.thidua.<service>.<EventName>.v<major>
    ce-time: <RFC 3339, UTC>
    ce-subject: <aggregate id>
    ce-dataschema: urn:thidua:schema:<schema id>:rev:<revision>
    traceparent, tracestate             W3C trace context, when the event carries one
    Idempotency-Key: <event id>         deduplicate on it: a retry or redelivery repeats it
    Thidua-Delivery: <delivery id>      when given; for support requests
    Thidua-Signature: t=<unix seconds>,v1=<hex>

    <body: the event's JSON payload, as in the AsyncAPI document>

How to verify it

    1. Read the header: `t` is the signing time, `v1` a signature (there may be more than one
       `v1` while a secret is being rotated; one matching is enough; ignore other keys).
    2. signed = t.encode() + b"." + raw_body      (the raw bytes, before any JSON parsing)
    3. expected = hex(HMAC-SHA256(key = the secret in UTF-8, message = signed))
    4. Accept when some v1 equals expected (compare in constant time) and t is within the
       tolerance of the receiver's clock (5 minutes), which limits replays.

`verify` below does exactly that with the standard library alone: receivers may copy it.
Each attempt is signed afresh, so a retry hours later still carries a current timestamp.
"""

from __future__ import annotations

import asyncio
import email.utils
import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote
from uuid import UUID

import aiohttp
from yarl import URL

from schemas.envelope import SPECVERSION, Envelope, format_time
from services.notify.domain.delivery import Outcome
from services.notify.domain.ssrf import IPAddress

SIGNATURE_HEADER = "Thidua-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
DELIVERY_HEADER = "Thidua-Delivery"
CONTENT_TYPE = "application/json"
USER_AGENT = "thidua-notify/1"
DEFAULT_TOLERANCE_S = 300

_KEEP_ALIVE_BODY_LIMIT = 64 * 1024
# aiohttp would add Accept-Encoding (we never read the answer, so no compression is invited) and
# a Content-Type of its own for a body without one (ours is always set explicitly).
_SKIP_AUTO_HEADERS = frozenset({"Accept-Encoding", "Content-Type"})

# CloudEvents HTTP binding 3.1.3.2: printable ASCII is sent as is, except space, '"' and '%'.
_CE_SAFE = "".join(c for c in map(chr, range(0x21, 0x7F)) if c not in ' "%')


def sign(secret: str | bytes, timestamp: int, body: bytes) -> str:
    """The Thidua-Signature header value for a body signed at `timestamp` (unix seconds)."""
    return f"t={timestamp},v1={_mac(secret, timestamp, body)}"


def verify(
    secret: str | bytes,
    header: str,
    body: bytes,
    tolerance_s: int = DEFAULT_TOLERANCE_S,
    now: float | None = None,
) -> bool:
    """Whether `header` is a valid Thidua-Signature of `body` made less than `tolerance_s`
    seconds from `now` (default: the current time)."""
    timestamp, candidates = None, []
    for part in header.split(","):
        key, _, value = part.strip().partition("=")
        if key == "t" and value.isdigit():
            timestamp = int(value)
        elif key == "v1":
            candidates.append(value)
    if timestamp is None or not candidates:
        return False
    if abs((time.time() if now is None else now) - timestamp) > tolerance_s:
        return False
    expected = _mac(secret, timestamp, body)
    # Check every candidate, so the time taken does not tell which one matched.
    found = False
    for candidate in candidates:
        found |= hmac.compare_digest(candidate.encode(), expected.encode())
    return found


def _mac(secret: str | bytes, timestamp: int, body: bytes) -> str:
    key = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(key, str(timestamp).encode() + b"." + body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class WebhookRequest:
    headers: dict[str, str]
    body: bytes
    event_id: UUID


def build_request(
    envelope: Envelope,
    secret: str | bytes,
    *,
    timestamp: int | None = None,
    delivery_id: UUID | None = None,
) -> WebhookRequest:
    """The signed request of one attempt: build it again for every attempt."""
    body = envelope.data.to_json()
    attributes = {
        "specversion": SPECVERSION,
        "id": str(envelope.id),
        "source": envelope.source,
        "type": envelope.type,
        "time": format_time(envelope.time),
        "subject": envelope.subject,
        "dataschema": envelope.dataschema,
    }
    headers = {f"ce-{name}": quote(value, safe=_CE_SAFE) for name, value in attributes.items()}
    headers["content-type"] = CONTENT_TYPE
    headers[IDEMPOTENCY_HEADER] = str(envelope.id)
    for name in ("traceparent", "tracestate"):
        if envelope.trace.get(name):
            headers[name] = envelope.trace[name]
    if delivery_id is not None:
        headers[DELIVERY_HEADER] = str(delivery_id)
    headers["user-agent"] = USER_AGENT
    t = int(time.time()) if timestamp is None else timestamp
    headers[SIGNATURE_HEADER] = sign(secret, t, body)
    return WebhookRequest(headers=headers, body=body, event_id=envelope.id)


def new_session(max_in_flight: int) -> aiohttp.ClientSession:
    """The HTTP client session `send` expects, shared by all subscribers: close it when done."""
    connector = aiohttp.TCPConnector(
        # Counts connections in use only (the dispatcher has at most max_in_flight calls out);
        # idle ones are closed after keepalive_timeout.
        limit=max_in_flight + 8,
        # Idle connections go before common servers' 5 s idle limit closes them under a request
        # (a POST is not retried on a connection the server dropped).
        keepalive_timeout=4.0,
    )
    return aiohttp.ClientSession(
        connector=connector,
        # No proxy from the environment: it would stand between notify and the subscriber and
        # undo the address pinning of the SSRF guard.
        trust_env=False,
        # A subscriber's cookies must not reach another subscriber (nor itself: calls are
        # independent and signed).
        cookie_jar=aiohttp.DummyCookieJar(),
        # `send` bounds each attempt itself.
        timeout=aiohttp.ClientTimeout(),
    )


async def send(
    session: aiohttp.ClientSession,
    url: str,
    request: WebhookRequest,
    timeout: float,  # noqa: ASYNC109 - also in the error text
    *,
    connect_to: IPAddress | None = None,
) -> Outcome:
    """POST the request through a session made by `new_session`; never raises for what the
    network or the receiver does.

    `timeout` bounds the whole attempt, so a receiver that trickles its answer cannot hold it
    longer. Redirects are not followed (one could lead to an address the SSRF check refused).
    With `connect_to` (an address `ssrf.check_url` passed) the connection goes to that address
    while Host and TLS name (SNI and certificate check) stay the URL's, so DNS cannot change
    between check and connection.
    """
    target = URL(url)
    headers = request.headers
    server_hostname = None
    if connect_to is not None:
        # yarl brackets an IPv6 host; Host keeps the URL's host (IDNA) and non-default port.
        headers = {**headers, "Host": target.host_port_subcomponent or ""}
        server_hostname = target.raw_host
        target = target.with_host(str(connect_to))
    started = time.perf_counter()
    try:
        async with asyncio.timeout(timeout):
            async with session.post(
                target,
                data=request.body,
                headers=headers,
                skip_auto_headers=_SKIP_AUTO_HEADERS,
                allow_redirects=False,
                auto_decompress=False,
                server_hostname=server_hostname,
            ) as response:
                status, reason = response.status, response.reason or ""
                retry_after = _retry_after(response.headers)
                # Only the status counts, but a connection is kept alive for the next call only
                # when the body was read to its end: read a short one, drop a long one.
                read = 0
                async for chunk in response.content.iter_any():
                    read += len(chunk)
                    if read > _KEEP_ALIVE_BODY_LIMIT:
                        response.close()
                        break
    except TimeoutError:  # aiohttp's own timeouts are TimeoutErrors too
        return Outcome(None, f"timed out after {timeout:g} s", time.perf_counter() - started)
    except aiohttp.ClientConnectorError:  # refused, unreachable, DNS, TLS handshake
        return Outcome(None, "connection failed", time.perf_counter() - started)
    except aiohttp.ClientError as e:
        # Only the class: exception texts can carry the URL, which must not reach events.
        return Outcome(None, f"transport error ({type(e).__name__})", time.perf_counter() - started)
    duration = time.perf_counter() - started
    if 200 <= status < 300:
        return Outcome(status, None, duration)
    error = f"HTTP {status} {reason}".rstrip()
    if 300 <= status < 400:
        error += " (redirects are not followed)"
    return Outcome(status, error, duration, retry_after=retry_after)


def _retry_after(headers: Mapping[str, str]) -> float | None:
    value = headers.get("retry-after")
    if not value:
        return None
    if value.strip().isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())
