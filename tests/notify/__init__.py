"""Tests of the notify service. Helpers: envelopes around the schema examples, and a directory
that has learned every example (as notify's read model would have)."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

from schemas.base import Event
from schemas.envelope import Envelope, source_for
from schemas.examples import (
    EXAMPLE_TIME,
    EXAMPLE_TRACE,
    EXAMPLES,
    SO_TAI_CHINH,
    example_event_id,
)
from services.notify.domain.directory import MemoryDirectory


def envelope(
    event: Event,
    *,
    id: UUID | None = None,
    time: datetime = EXAMPLE_TIME,
    trace: dict[str, str] | None = None,
) -> Envelope:
    cls = type(event)
    return Envelope(
        id=id or example_event_id(cls),
        source=source_for(cls.owner),
        type=cls.ce_type(),
        time=time,
        subject=event.aggregate_id,
        dataschema=cls.dataschema(),
        data=event,
        trace=dict(EXAMPLE_TRACE if trace is None else trace),
    )


def seeded_directory() -> MemoryDirectory:
    d = MemoryDirectory()
    for e in EXAMPLES:
        d.learn(e)
    d.names[SO_TAI_CHINH] = "Sở Tài chính tỉnh Cà Mau"  # the examples register only Sở Nội vụ
    return d
