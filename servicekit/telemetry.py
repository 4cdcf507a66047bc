"""Traces, metrics and logs of a service process.

- Tracer and meter providers follow the standard `OTEL_*` variables: spans and metrics are exported
  over OTLP/HTTP when `OTEL_EXPORTER_OTLP_ENDPOINT` (or the per-signal variable) is set, and not at
  all otherwise; `OTEL_SERVICE_NAME` names the service; `OTEL_TRACES_EXPORTER=none` turns export
  off; `OTEL_TRACES_SAMPLER` and `OTEL_TRACES_SAMPLER_ARG` choose the sampler (`sampler()`). A
  provider installed before (a test's in-memory one) is kept.
- Prometheus metrics on `/metrics` (prometheus_client's default registry: HTTP and Kafka metrics
  from the middlewares, plus whatever a module registers).
- JSON logs on stderr, each line carrying the current trace and span ids and the fields a
  record names (`extra={"fields": {...}}`); `RateLimit` holds back a message repeated too often.
"""

from __future__ import annotations

import json
import logging
import os
import sys
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qsl, urlencode

from opentelemetry import metrics, trace
from opentelemetry.instrumentation.propagators import (
    TraceResponsePropagator,
    set_global_response_propagator,
)
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import ParentBasedTraceIdRatio, Sampler
from opentelemetry.trace import Span


def _exporting(signal: str) -> bool:
    if os.environ.get(f"OTEL_{signal.upper()}_EXPORTER", "otlp").lower() == "none":
        return False
    return bool(
        os.environ.get("OTEL_EXPORTER_OTLP_ENDPOINT")
        or os.environ.get(f"OTEL_EXPORTER_OTLP_{signal.upper()}_ENDPOINT")
    )


DEFAULT_RATIO = 0.1
"""The share of new traces recorded when `OTEL_TRACES_SAMPLER` is not set."""


def sampler() -> Sampler | None:
    """The sampler of new traces: `OTEL_TRACES_SAMPLER` (and its `_ARG`) as the OpenTelemetry SDK
    reads them when set (None: the SDK reads them itself); when not, parent-based with a ratio of
    `OTEL_TRACES_SAMPLER_ARG` or DEFAULT_RATIO. Parent-based either way: a request or an event
    whose incoming `traceparent` is sampled is traced whole, across every service; one whose
    parent was not sampled records nothing. Recording every request cost progress's answer a
    measurable share of its CPU (docs/benchmarks.md)."""
    if os.environ.get("OTEL_TRACES_SAMPLER"):
        return None
    try:
        ratio = float(os.environ.get("OTEL_TRACES_SAMPLER_ARG", DEFAULT_RATIO))
    except ValueError:
        ratio = DEFAULT_RATIO
    return ParentBasedTraceIdRatio(min(1.0, max(0.0, ratio)))


def setup(service: str) -> None:
    """Install the process's providers (once), instrument asyncpg, and have every traced HTTP
    answer carry its trace in a `traceresponse` header (W3C Trace Context Level 2): a client
    quoting it finds the request's trace."""
    set_global_response_propagator(TraceResponsePropagator())
    # HTTP spans by the current semantic conventions (http.request.method,
    # http.response.status_code, url.path, url.full…), the older names beside them ("dup") for
    # tools that still read those. Read once per process, by the first instrumentation: here.
    os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http/dup")
    resource = Resource.create({SERVICE_NAME: os.environ.get("OTEL_SERVICE_NAME", service)})
    if not isinstance(trace.get_tracer_provider(), TracerProvider):
        provider = TracerProvider(resource=resource, sampler=sampler())
        if _exporting("traces"):
            from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

            provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
        trace.set_tracer_provider(provider)
    if not isinstance(metrics.get_meter_provider(), MeterProvider):
        readers = []
        if _exporting("metrics"):
            from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
            from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader

            readers.append(PeriodicExportingMetricReader(OTLPMetricExporter()))
        metrics.set_meter_provider(MeterProvider(resource=resource, metric_readers=readers))
    from opentelemetry.instrumentation.asyncpg import AsyncPGInstrumentor

    instrumentor = AsyncPGInstrumentor()
    if not instrumentor.is_instrumented_by_opentelemetry:
        instrumentor.instrument()


def shutdown() -> None:
    """Flush what is still buffered (the batch span processor) before the process exits."""
    provider = trace.get_tracer_provider()
    if isinstance(provider, TracerProvider):
        provider.force_flush(timeout_millis=5000)


class JsonFormatter(logging.Formatter):
    """One JSON object per line, with the trace and span ids of the current span if any."""

    def __init__(self, service: str) -> None:
        super().__init__()
        self.service = service

    def format(self, record: logging.LogRecord) -> str:
        line = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "service": self.service,
            "logger": record.name,
            "message": record.getMessage(),
        }
        fields = getattr(record, "fields", None)  # log.info(..., extra={"fields": {...}})
        if isinstance(fields, dict):
            line.update((k, v) for k, v in fields.items() if k not in line)
        ctx = trace.get_current_span().get_span_context()
        if ctx.is_valid:
            line["trace_id"] = format(ctx.trace_id, "032x")
            line["span_id"] = format(ctx.span_id, "016x")
        if record.exc_info:
            line["error"] = self.formatException(record.exc_info)
        return json.dumps(line, ensure_ascii=False)


def configure_logging(service: str, level: str = "INFO") -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonFormatter(service))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # aiokafka logs every metadata retry at ERROR while a topic is being created
    logging.getLogger("aiokafka").setLevel(max(logging.WARNING, root.level))


class RateLimit(logging.Filter):
    """Lets the same message (same logger, level and text) through once per `every_s` seconds;
    the next one let through says how many were held back. For a line a timer repeats while
    nothing changes (progress's scheduler, "leader not determined", every 5 s), or a probe
    failing at every scrape: the first line tells, the repeats only filled the logs."""

    def __init__(self, every_s: float = 300.0, *, clock: Any = None) -> None:
        super().__init__()
        self.every_s = every_s
        self._clock = clock or time.monotonic
        self._seen: dict[tuple[str, int, str], tuple[float, int]] = {}  # at, held back since

    def filter(self, record: logging.LogRecord) -> bool:
        key = (record.name, record.levelno, record.getMessage())
        now = self._clock()
        at, held = self._seen.get(key, (float("-inf"), 0))
        if now - at < self.every_s:
            self._seen[key] = (at, held + 1)
            return False
        if len(self._seen) > 10_000:  # bounded memory: forget the old ones
            self._seen = {k: v for k, v in self._seen.items() if now - v[0] < self.every_s}
        self._seen[key] = (now, 0)
        if held:
            record.msg = f"{record.getMessage()} ({held} more like it in {now - at:.0f} s)"
            record.args = ()
        return True


def rate_limit(logger: logging.Logger, every_s: float = 300.0) -> logging.Logger:
    """`logger`, whose repeated messages go out once per `every_s` seconds (`RateLimit`)."""
    if not any(isinstance(f, RateLimit) for f in logger.filters):
        logger.addFilter(RateLimit(every_s))
    return logger


# Query parameters whose values say nothing about a person; every other value is redacted.
_PLAIN_PARAMETERS = frozenset(
    {"limit", "sort", "as_of", "year", "mode", "dry_run", "status", "channel", "kind", "format"}
)
REDACTED = "REDACTED"


def redact_query(query: str) -> str:
    """`q=Nguyễn&limit=5` → `q=REDACTED&limit=5`: a search for a person's name must not travel
    to the trace store with the span."""
    pairs = parse_qsl(query, keep_blank_values=True)
    return urlencode([(k, v if k in _PLAIN_PARAMETERS else REDACTED) for k, v in pairs])


def redact_server_span(span: Span, scope: dict[str, Any]) -> None:
    """The ASGI instrumentation's request hook: it has just put the raw query on the span (in
    `http.url` and `url.query`); replace both with the redacted query."""
    raw = scope.get("query_string") or b""
    if not raw or span is None or not span.is_recording():
        return
    query = redact_query(raw.decode("utf-8", "replace"))
    attributes = getattr(span, "attributes", None) or {}
    url = attributes.get("http.url")
    if isinstance(url, str):
        span.set_attribute("http.url", f"{url.split('?', 1)[0]}?{query}")
    if "url.query" in attributes:
        span.set_attribute("url.query", query)
    if isinstance(full := attributes.get("url.full"), str):
        span.set_attribute("url.full", f"{full.split('?', 1)[0]}?{query}")
