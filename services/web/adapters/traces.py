"""The traces the console shows: on a local stack, those the traces sink received (its JSON-lines
file, `THIDUA_WEB_TRACES_FILE`, read by the same code as `./thidua trace`: infra/traces.py); in
a deployment, none here — the pages link to Jaeger (`THIDUA_WEB_JAEGER_URL`) instead.

The file is read whole at each page: a local stack's, meant for a developer's journeys, not a
production store."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime

from infra import traces as sink
from services.web.config import WebSettings

TRACE_ID = re.compile(r"^[0-9a-f]{32}$")


@dataclass(frozen=True)
class Row:
    """One span of a trace's tree, placed on the trace's time line (percentages of its length)."""

    depth: int
    name: str
    service: str
    kind: str
    ms: float
    start_pct: float
    width_pct: float
    error: bool


@dataclass(frozen=True)
class Trace:
    trace_id: str
    started: datetime
    ms: float
    services: tuple[str, ...]
    rows: list[Row]


def _service(name: str | None) -> str:
    return (name or "?").removeprefix("thidua-")


def _at(ns: int) -> datetime:
    return datetime.fromtimestamp(ns / 1e9, UTC)


def latest(settings: WebSettings, last: int) -> list[dict] | None:
    """The `last` traces that started latest, newest first; None without a sink's file."""
    if settings.web_traces_file is None:
        return None
    found = sink.summaries(sink.read(settings.web_traces_file), last)
    return [
        {
            "trace_id": t.trace_id,
            "root": t.root,
            "services": [_service(s) for s in t.services],
            "spans": t.spans,
            "started": _at(t.start_ns),
        }
        for t in reversed(found)
    ]


def one(settings: WebSettings, trace_id: str) -> Trace | None:
    if settings.web_traces_file is None or not TRACE_ID.match(trace_id):
        return None
    members = sink.of_trace(sink.read(settings.web_traces_file), trace_id)
    if not members:
        return None
    start = min(s["start_ns"] for s in members)
    end = max(s["end_ns"] for s in members)
    length = max(end - start, 1)
    rows = [
        Row(
            depth=depth,
            name=s["name"],
            service=_service(s["service"]),
            kind=s["kind"].lower(),
            ms=(s["end_ns"] - s["start_ns"]) / 1e6,
            start_pct=round(100 * (s["start_ns"] - start) / length, 2),
            width_pct=max(round(100 * (s["end_ns"] - s["start_ns"]) / length, 2), 0.3),
            error=s.get("status", {}).get("code") == "ERROR",
        )
        for depth, s in sink.tree(members)
    ]
    services = tuple(sorted({r.service for r in rows}))
    return Trace(trace_id, _at(start), (end - start) / 1e6, services, rows)
