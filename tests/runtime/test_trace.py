"""One trace across two service apps: an HTTP request to the first writes state and an event
(outbox), its relay publishes to the real broker, and the second app's consumer applies it — all
spans in the request's trace, each parented by the one before it across Kafka."""

from __future__ import annotations

import ast
import asyncio
import itertools
from pathlib import Path

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.semconv._incubating.attributes import messaging_attributes
from opentelemetry.semconv._incubating.attributes.messaging_attributes import (
    MESSAGING_CONSUMER_GROUP_NAME,
    MESSAGING_DESTINATION_NAME,
    MESSAGING_DESTINATION_PARTITION_ID,
    MESSAGING_KAFKA_MESSAGE_KEY,
    MESSAGING_KAFKA_OFFSET,
    MESSAGING_OPERATION_TYPE,
    MESSAGING_SYSTEM,
)
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY

from schemas.envelope import Envelope
from schemas.progress import TargetReported
from servicekit.consumer import Consumer
from servicekit.service import build_app
from servicekit.settings import ServiceSettings
from servicekit.unit_of_work import UnitOfWork
from tests.runtime.helpers_runtime import eventually, reporting_router

pytestmark = [pytest.mark.infra, pytest.mark.timeout(180)]


def _reporting_app(dsn: str, bootstrap: str, topic: str, migrations: Path):
    router = reporting_router(topic)
    settings = ServiceSettings(service="trace-writer", database_url=dsn, kafka_bootstrap=bootstrap)
    return build_app(
        settings, title="writer", description="", migrations=migrations, routers=[router]
    )


def _consuming_app(dsn: str, bootstrap: str, topic: str, migrations: Path, seen: list):
    def subscribe(consumer: Consumer) -> None:
        @consumer.handler(TargetReported, topic=topic)
        async def on_report(uow: UnitOfWork, envelope: Envelope) -> None:
            seen.append((envelope.id, trace.get_current_span().get_span_context()))

        @consumer.batch_handler(topic)
        async def on_batch(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
            pass  # its span is what the test looks at

    settings = ServiceSettings(service="trace-reader", database_url=dsn, kafka_bootstrap=bootstrap)
    return build_app(
        settings, title="reader", description="", migrations=migrations, subscribe=subscribe
    )


async def test_http_request_to_consumer_in_another_app_is_one_trace(
    new_database, fresh_topic, kafka_bootstrap, spans, tmp_path
):
    topic = await fresh_topic(partitions=2)
    seen: list = []
    writer = _reporting_app(await new_database(), kafka_bootstrap, topic, tmp_path)
    reader = _consuming_app(await new_database(), kafka_bootstrap, topic, tmp_path, seen)

    async with writer.router.lifespan_context(writer), reader.router.lifespan_context(reader):
        transport = httpx.ASGITransport(app=writer)
        async with httpx.AsyncClient(transport=transport, base_url="http://writer") as client:
            response = await client.post("/reports")
        assert response.status_code == 201
        event_id = response.json()["event_id"]
        await eventually(lambda: asyncio.sleep(0, seen), what="the reader's handler")

    # the exporter is the session's: other tests' spans are there too, so start from this
    # test's own topic and take the trace it belongs to
    (send,) = [s for s in spans.get_finished_spans() if s.name == f"send {topic}"]
    trace_id = send.context.trace_id
    in_trace = {
        s.context.span_id: s for s in spans.get_finished_spans() if s.context.trace_id == trace_id
    }
    (server,) = [
        s
        for s in in_trace.values()
        if s.kind is SpanKind.SERVER and s.name.startswith("POST /reports")
    ]
    (process,) = [s for s in in_trace.values() if s.name == f"process {topic}"]
    assert send.kind is SpanKind.PRODUCER and process.kind is SpanKind.CONSUMER

    def ancestors(span):
        while span.parent is not None and span.parent.span_id in in_trace:
            span = in_trace[span.parent.span_id]
            yield span

    assert server in ancestors(send), "the relay's send continues the request's trace"
    # W3C Trace Context Level 2: the client learns the trace of its request
    # the server span by the current HTTP semantic conventions
    assert server.attributes["http.request.method"] == "POST"
    assert server.attributes["http.response.status_code"] == 201
    assert server.attributes["url.path"] == "/reports"
    flags = f"{server.context.trace_flags:02x}"  # sampled, and random since Level 2
    trace_response = f"00-{trace_id:032x}-{server.context.span_id:016x}-{flags}"
    assert response.headers["traceresponse"] == trace_response
    assert process.parent.span_id == send.context.span_id, "the consumer is parented across Kafka"
    # both sides by the current messaging conventions, naming the record's place on the topic
    record = {
        MESSAGING_SYSTEM: "kafka",
        MESSAGING_DESTINATION_NAME: topic,
        MESSAGING_DESTINATION_PARTITION_ID: send.attributes[MESSAGING_DESTINATION_PARTITION_ID],
        MESSAGING_KAFKA_OFFSET: send.attributes[MESSAGING_KAFKA_OFFSET],
        MESSAGING_KAFKA_MESSAGE_KEY: send.attributes[MESSAGING_KAFKA_MESSAGE_KEY],
    }
    assert send.attributes[MESSAGING_DESTINATION_PARTITION_ID] in ("0", "1")
    assert {**send.attributes, **record, MESSAGING_OPERATION_TYPE: "send"} == dict(send.attributes)
    consumed = {
        **record,
        MESSAGING_OPERATION_TYPE: "process",
        MESSAGING_CONSUMER_GROUP_NAME: "trace-reader",
    }
    assert {**process.attributes, **consumed} == dict(process.attributes)
    for span in (send, process):
        _messaging_names_are_current(span)
    # a batch handler runs under one span for the batch, a root linking to each event's producer
    (batch,) = [
        s
        for s in spans.get_finished_spans()
        if s.name == f"process {topic}"
        and s.attributes.get("messaging.batch.message_count") == 1
        and any(
            (link.context.trace_id, link.context.span_id) == (trace_id, send.context.span_id)
            for link in s.links
        )
    ]
    assert batch.kind is SpanKind.CONSUMER and batch.parent is None
    ((handled_id, handler_ctx),) = seen
    assert str(handled_id) == event_id
    assert handler_ctx.trace_id == trace_id
    assert any(s.attributes.get("db.system") == "postgresql" for s in in_trace.values()), (
        "the request's database statements are in the trace"
    )
    applied = REGISTRY.get_sample_value(
        "thidua_consumer_events_total",
        {"consumer": "trace-reader", "topic": topic, "outcome": "applied"},
    )
    assert applied == 1, "the consumer's counters are on /metrics"
    assert (
        REGISTRY.get_sample_value("thidua_outbox_published_total", {"service": "trace-writer"}) == 1
    )


def _current_messaging_attributes() -> dict[str, bool]:
    """Every `messaging.*` attribute the semantic conventions package names, and whether it is
    deprecated (its docstring says so: the constants carry no other mark)."""
    source = Path(messaging_attributes.__file__).read_text()
    body = ast.parse(source).body
    names: dict[str, bool] = {}
    for node, following in itertools.pairwise(body):
        if (
            isinstance(node, ast.AnnAssign)
            and isinstance(node.value, ast.Constant)
            and isinstance(node.value.value, str)
        ):
            doc = following.value.value if isinstance(following, ast.Expr) else ""
            names[node.value.value] = str(doc).strip().startswith("Deprecated")
    return names


def _messaging_names_are_current(span) -> None:
    known = _current_messaging_attributes()
    used = [name for name in span.attributes if name.startswith("messaging.")]
    assert used, span.name
    unknown = [name for name in used if name not in known]
    deprecated = [name for name in used if known.get(name)]
    assert not unknown and not deprecated, (span.name, unknown, deprecated)
