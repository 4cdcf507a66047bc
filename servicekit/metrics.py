"""Prometheus metrics: `/metrics` on every service, with HTTP request counts and latencies and
the counters of the service's event consumer and outbox relay."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import TYPE_CHECKING

from fastapi import FastAPI, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:  # both import this module
    from servicekit.consumer import Consumer
    from servicekit.relay import Relay

REQUESTS = Counter(
    "thidua_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "thidua_http_request_seconds", "HTTP request duration", ["service", "method", "route"]
)
DEPENDENCY_UP = Gauge(
    "thidua_dependency_up",
    "1 when the dependency answered the last readiness probe (/ready), else 0",
    ["service", "dependency"],
)
_NOT_COUNTED = {"/metrics", "/health", "/ready"}


class _Measure:
    """Counts and times each request: a plain ASGI middleware (`@app.middleware("http")` runs
    every request through an extra task and memory streams, measurable on the hot POSTs)."""

    def __init__(self, app: ASGIApp, service: str) -> None:
        self.app, self.service = app, service

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 0

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, receive, send_status)
        route = getattr(scope.get("route"), "path", "unmatched")
        if route not in _NOT_COUNTED:
            labels = (self.service, scope["method"], route)
            LATENCY.labels(*labels).observe(time.perf_counter() - started)
            REQUESTS.labels(*labels, str(status)).inc()


def install(app: FastAPI, service: str) -> None:
    app.add_middleware(_Measure, service=service)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)


class _RuntimeCollector:
    """Reads the live counters of the process's consumers and relays at scrape time, so the hot
    paths only bump plain integers."""

    def __init__(self) -> None:
        self.consumers: dict[str, Consumer] = {}
        self.relays: dict[str, Relay] = {}

    def collect(self) -> Iterator[CounterMetricFamily | GaugeMetricFamily]:
        events = CounterMetricFamily(
            "thidua_consumer_events", "Events consumed, by outcome", labels=["consumer", "outcome"]
        )
        batches = CounterMetricFamily("thidua_consumer_batches", "Batches", labels=["consumer"])
        for name, c in self.consumers.items():
            stats = c.stats
            for outcome in ("applied", "duplicates", "dead_lettered"):
                events.add_metric([name, outcome], getattr(stats, outcome))
            batches.add_metric([name], stats.batches)
        published = CounterMetricFamily(
            "thidua_outbox_published", "Outbox rows published", labels=["service"]
        )
        active = GaugeMetricFamily(
            "thidua_outbox_relay_active", "1 while this relay holds the lock", labels=["service"]
        )
        for name, r in self.relays.items():
            published.add_metric([name], r.published)
            active.add_metric([name], int(r.is_active))
        yield from (events, batches, published, active)


RUNTIME = _RuntimeCollector()
REGISTRY.register(RUNTIME)
