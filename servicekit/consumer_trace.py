"""Tracing of consumed events: a CONSUMER span per event in the trace the event came with, and
one per batch handler linked to the events' traces (docs/architecture.md, "The consumer")."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import Any

from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from schemas.envelope import Envelope

tracer = trace.get_tracer("servicekit.consumer")


def _attributes(topic: str, group: str) -> dict[str, str]:
    return {
        "messaging.system": "kafka",
        "messaging.operation.name": "process",
        "messaging.operation.type": "process",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": group,
    }


@contextlib.contextmanager
def continue_trace(
    envelope: Envelope, *, topic: str | None = None, group: str | None = None
) -> Iterator[trace.Span]:
    """Run a block as a CONSUMER span in the trace the event came with (its `traceparent`), so
    what the block publishes continues that trace. Per-event handlers run inside one already; a
    batch handler can use it per event."""
    parent = propagate.extract(envelope.trace)
    attributes = _attributes(topic or "", group or "")
    attributes["messaging.message.id"] = str(envelope.id)
    attributes["cloudevents.event_type"] = envelope.type
    with tracer.start_as_current_span(
        f"process {topic or envelope.type}",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=True,
        set_status_on_exception=True,
    ) as span:
        yield span


@contextlib.contextmanager
def batch_span(topic: str, envelopes: list[Envelope], group: str) -> Iterator[trace.Span]:
    links = []
    for envelope in envelopes[:128]:
        context = trace.get_current_span(propagate.extract(envelope.trace)).get_span_context()
        if context.is_valid:
            links.append(Link(context))
    attributes: dict[str, Any] = _attributes(topic, group)
    attributes["messaging.batch.message_count"] = len(envelopes)
    with tracer.start_as_current_span(
        f"process {topic}",
        kind=SpanKind.CONSUMER,
        links=links,
        attributes=attributes,
        record_exception=True,
        set_status_on_exception=False,
    ) as span:
        try:
            yield span
        except Exception as e:
            span.set_status(Status(StatusCode.ERROR, f"{type(e).__name__}: {e}"))
            raise
