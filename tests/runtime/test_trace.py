"""One trace across two service apps: an HTTP request to the first writes state and an event
(outbox), its relay publishes to the real broker, and the second app's consumer applies it — all
spans in the request's trace, each parented by the one before it across Kafka."""

from __future__ import annotations

import asyncio
import dataclasses
from datetime import UTC, date, datetime
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from fastapi import APIRouter, Request
from opentelemetry import trace
from opentelemetry.trace import SpanKind
from prometheus_client import REGISTRY

from schemas.envelope import Envelope, to_message
from schemas.progress import TargetReported
from servicekit.consumer import Consumer
from servicekit.service import build_app
from servicekit.settings import ServiceSettings
from servicekit.unit_of_work import UnitOfWork
from tests.runtime.helpers_runtime import eventually

pytestmark = [pytest.mark.infra, pytest.mark.timeout(180)]


def _reporting_app(dsn: str, bootstrap: str, topic: str, migrations: Path):
    router = APIRouter()

    @router.post("/reports", status_code=201)
    async def report(request: Request) -> dict:
        event = TargetReported(
            report_id=uuid4(),
            target_id=uuid4(),
            campaign_id=uuid4(),
            unit_id=uuid4(),
            value=42.0,
            as_of=date(2020, 6, 30),
            reported_at=datetime.now(UTC),
        )
        async with UnitOfWork(request.app.state.service.pool) as uow:
            await uow.con.execute("CREATE TABLE IF NOT EXISTS reports (id uuid PRIMARY KEY)")
            await uow.con.execute("INSERT INTO reports VALUES ($1)", event.report_id)
            message = to_message(event, source="/thidua/progress")
            await uow.publish(dataclasses.replace(message, topic=topic))
        return {"event_id": str(message.event_id)}

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
        "thidua_consumer_events_total", {"consumer": "trace-reader", "outcome": "applied"}
    )
    assert applied == 1, "the consumer's counters are on /metrics"
    assert (
        REGISTRY.get_sample_value("thidua_outbox_published_total", {"service": "trace-writer"}) == 1
    )
