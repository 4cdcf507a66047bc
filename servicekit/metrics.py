"""Prometheus metrics: `/metrics` on every service, with HTTP request counts and latencies, the
counters of the service's event consumer (by topic) and outbox relay, the relay's leadership, and
the gauges of `servicekit.probes` (consumer lag, dead letters, outbox backlog, the database pool,
the service's registered queries). Every metric is listed in docs/operations.md.

Each answered request also writes an access log line (`servicekit.access`: method, route,
status, duration; the JSON formatter adds the request's trace and span ids)."""

from __future__ import annotations

import logging
import time
from collections.abc import Iterator, Sequence
from typing import TYPE_CHECKING

from fastapi import FastAPI, Request, Response
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from servicekit.probes import Probes

if TYPE_CHECKING:
    from servicekit.consumer import Consumer
    from servicekit.relay import Relay

access_log = logging.getLogger("servicekit.access")

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
        if route not in _NOT_COUNTED:  # the probes' every few seconds would drown the rest
            labels = (self.service, scope["method"], route)
            seconds = time.perf_counter() - started
            LATENCY.labels(*labels).observe(seconds)
            REQUESTS.labels(*labels, str(status)).inc()
            access_log.info(
                "%s %s %d %.1f ms",
                scope["method"],
                route,
                status,
                seconds * 1000,
                extra={
                    "fields": {
                        "method": scope["method"],
                        "route": route,
                        "status": status,
                        "duration_ms": round(seconds * 1000, 2),
                    }
                },
            )


def install(app: FastAPI, service: str) -> None:
    app.add_middleware(_Measure, service=service)
    probes = app.state.probes = Probes(service)

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics(request: Request) -> Response:
        running = getattr(request.app.state, "service", None)
        if running is not None:
            await probes.refresh(running)
        body = generate_latest() + generate_latest(probes)
        return Response(body, media_type=CONTENT_TYPE_LATEST)


def register_query(
    app: FastAPI, name: str, help: str, sql: str, labels: Sequence[str] = ()
) -> None:
    """A gauge `name` read with `sql` on the service's database at scrape time: one sample per
    row, labelled by the `labels` columns (and `service`), valued by its `value` column."""
    app.state.probes.register_query(name, help, sql, labels)


class _RuntimeCollector:
    """Reads the live counters of the process's consumers and relays at scrape time, so the hot
    paths only bump plain integers."""

    def __init__(self) -> None:
        self.consumers: dict[str, Consumer] = {}
        self.relays: dict[str, Relay] = {}

    def collect(self) -> Iterator[Metric]:
        events = CounterMetricFamily(
            "thidua_consumer_events",
            "Events consumed, by topic and outcome (applied, duplicates, dead_lettered)",
            labels=["consumer", "topic", "outcome"],
        )
        batches = CounterMetricFamily("thidua_consumer_batches", "Batches", labels=["consumer"])
        for name, c in self.consumers.items():
            stats = c.stats
            for topic in c.topics:  # every label from the start: rate() needs the zero
                for outcome in ("applied", "duplicates", "dead_lettered"):
                    events.add_metric([name, topic, outcome], stats.by_topic[topic, outcome])
            batches.add_metric([name], stats.batches)
        published = CounterMetricFamily(
            "thidua_outbox_published", "Outbox rows published", labels=["service"]
        )
        active = GaugeMetricFamily(
            "thidua_outbox_relay_active",
            "1 while this instance's relay holds the outbox lock (leads), 0 while it stands by",
            labels=["service"],
        )
        for name, r in self.relays.items():
            published.add_metric([name], r.published)
            active.add_metric([name], int(r.is_active))
        yield from (events, batches, published, active)


RUNTIME = _RuntimeCollector()
REGISTRY.register(RUNTIME)
