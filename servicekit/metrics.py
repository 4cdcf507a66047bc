"""Prometheus metrics: `/metrics` on every service, with HTTP request counts and latencies."""

from __future__ import annotations

import time

from fastapi import FastAPI, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest

REQUESTS = Counter(
    "thidua_http_requests_total", "HTTP requests answered", ["service", "method", "route", "status"]
)
LATENCY = Histogram(
    "thidua_http_request_seconds", "HTTP request duration", ["service", "method", "route"]
)
_NOT_COUNTED = {"/metrics", "/health", "/ready"}


def install(app: FastAPI, service: str) -> None:
    @app.middleware("http")
    async def measure(request: Request, call_next):
        started = time.perf_counter()
        response = await call_next(request)
        route = getattr(request.scope.get("route"), "path", "unmatched")
        if route not in _NOT_COUNTED:
            labels = (service, request.method, route)
            LATENCY.labels(*labels).observe(time.perf_counter() - started)
            REQUESTS.labels(*labels, str(response.status_code)).inc()
        return response

    @app.get("/metrics", tags=["operations"], summary="Prometheus metrics", include_in_schema=False)
    async def metrics() -> Response:
        return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
