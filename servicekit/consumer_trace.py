"""Tracing of consumed events: a CONSUMER span per event in the trace the event came with, and
one per batch handler linked to the events' traces; the committed batch's log line naming those
traces (docs/architecture.md, "The consumer")."""

from __future__ import annotations

import contextlib
import contextvars
import logging
from collections.abc import Iterator
from typing import Any

from aiokafka import ConsumerRecord
from opentelemetry import propagate, trace
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

from schemas.envelope import Envelope

tracer = trace.get_tracer("servicekit.consumer")
log = logging.getLogger("servicekit.consumer")

# The records of the events being dispatched, by event id: a per-event span then names its
# partition, offset and key, also when a batch handler opens it (`continue_trace`).
RECORDS: contextvars.ContextVar[dict[Any, ConsumerRecord] | None] = contextvars.ContextVar(
    "consumer_records", default=None
)


def _attributes(topic: str, group: str) -> dict[str, Any]:
    """The OpenTelemetry messaging conventions' attributes of a consumer span."""
    return {
        "messaging.system": "kafka",
        "messaging.operation.name": "process",
        "messaging.operation.type": "process",
        "messaging.destination.name": topic,
        "messaging.consumer.group.name": group,
    }


def _record_attributes(record: ConsumerRecord) -> dict[str, Any]:
    attributes: dict[str, Any] = {
        "messaging.destination.partition.id": str(record.partition),
        "messaging.kafka.offset": record.offset,
    }
    if record.key is not None:
        attributes["messaging.kafka.message.key"] = record.key.decode("utf-8", "replace")
    return attributes


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
    record = (RECORDS.get() or {}).get(envelope.id)
    if record is not None:
        attributes.update(_record_attributes(record))
    with tracer.start_as_current_span(
        f"process {topic or envelope.type}",
        context=parent,
        kind=SpanKind.CONSUMER,
        attributes=attributes,
        record_exception=True,
        set_status_on_exception=True,
    ) as span:
        yield span


_LOGGED_TRACES = 32  # trace ids named on a batch's log line, at most


def log_applied(consumer: str, items: list[tuple[ConsumerRecord, Envelope]]) -> None:
    """One line per topic of a committed batch: how many events were applied, from which
    partitions and offsets, and the traces they continue (the requests that caused them)."""
    by_topic: dict[str, list[tuple[ConsumerRecord, Envelope]]] = {}
    for record, envelope in items:
        by_topic.setdefault(record.topic, []).append((record, envelope))
    for topic, applied in by_topic.items():
        offsets: dict[str, list[int]] = {}  # partition: [first, last]
        traces: dict[str, None] = {}  # ordered, distinct
        for record, envelope in applied:
            span = offsets.setdefault(str(record.partition), [record.offset, record.offset])
            span[:] = min(span[0], record.offset), max(span[1], record.offset)
            if len(traces) < _LOGGED_TRACES:  # extracting a context costs ≈ 4 µs an event
                parent = trace.get_current_span(propagate.extract(envelope.trace))
                context = parent.get_span_context()
                if context.is_valid:
                    traces[format(context.trace_id, "032x")] = None
        log.info(
            "consumer %s applied %d event(s) of %s",
            consumer,
            len(applied),
            topic,
            extra={
                "fields": {
                    "consumer": consumer,
                    "topic": topic,
                    "count": len(applied),
                    "offsets": offsets,
                    "trace_ids": list(traces),
                }
            },
        )


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
