"""`./thidua trace [TRACE_ID]`: the traces the traces sink received (`<state>/sinks/spans.jsonl`,
written by infra/sinks/traces.py), as a list of the latest ones or one trace as a span tree."""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rich.console import Console
from rich.table import Table
from rich.text import Text

Span = dict[str, Any]


def read(path: Path) -> list[Span]:
    """Every span in the file (a line being written at that moment is left for next time)."""
    if not path.exists():
        return []
    spans = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            try:
                spans.append(json.loads(line))
            except ValueError:
                continue
    return spans


def of_trace(spans: list[Span], trace_id: str) -> list[Span]:
    return [s for s in spans if s["trace_id"] == trace_id]


def roots(spans: list[Span]) -> list[Span]:
    """The spans of one trace whose parent is not in it, by start time."""
    ids = {s["span_id"] for s in spans}
    return sorted((s for s in spans if s["parent_span_id"] not in ids), key=lambda s: s["start_ns"])


def tree(spans: list[Span]) -> Iterator[tuple[int, Span]]:
    """(depth, span) of one trace, depth first from its roots, children by start time."""
    children: dict[str, list[Span]] = defaultdict(list)
    for s in spans:
        if s["parent_span_id"]:
            children[s["parent_span_id"]].append(s)

    def walk(span: Span, depth: int) -> Iterator[tuple[int, Span]]:
        yield depth, span
        for child in sorted(children[span["span_id"]], key=lambda s: s["start_ns"]):
            yield from walk(child, depth + 1)

    for root in roots(spans):
        yield from walk(root, 0)


@dataclass(frozen=True)
class Summary:
    trace_id: str
    root: str  # the earliest root span's name
    services: tuple[str, ...]
    spans: int
    start_ns: int


def summaries(spans: list[Span], last: int) -> list[Summary]:
    """The `last` traces that started latest, oldest first."""
    by_trace: dict[str, list[Span]] = defaultdict(list)
    for s in spans:
        by_trace[s["trace_id"]].append(s)
    out = []
    for trace_id, members in by_trace.items():
        first = roots(members)[0]
        services = tuple(sorted({s["service"] or "?" for s in members}))
        out.append(Summary(trace_id, first["name"], services, len(members), first["start_ns"]))
    return sorted(out, key=lambda t: t.start_ns)[-last:]


def _short(service: str | None) -> str:
    return (service or "?").removeprefix("thidua-")


def print_trace(console: Console, spans: list[Span], trace_id: str) -> bool:
    """Print one trace's span tree; False if no span of it was received."""
    members = of_trace(spans, trace_id)
    if not members:
        return False
    table = Table(title=f"trace {trace_id}: {len(members)} spans", box=None)
    table.add_column("span")
    table.add_column("service")
    table.add_column("kind")
    table.add_column("ms", justify="right")
    for depth, s in tree(members):
        name = Text("  " * depth + s["name"])  # Text: a span name is not markup
        if s.get("status", {}).get("code") == "ERROR":
            name.append(" (error)", style="red")
        table.add_row(
            name,
            _short(s["service"]),
            s["kind"].lower(),
            f"{(s['end_ns'] - s['start_ns']) / 1e6:.1f}",
        )
    console.print(table)
    return True


def print_latest(console: Console, spans: list[Span], last: int = 20) -> None:
    table = Table(title=f"latest {last} traces (./thidua trace TRACE_ID shows one)", box=None)
    for col in ("trace id", "root span", "services", "spans"):
        table.add_column(col, justify="right" if col == "spans" else "left")
    for t in summaries(spans, last):
        table.add_row(t.trace_id, Text(t.root), ", ".join(map(_short, t.services)), str(t.spans))
    console.print(table)
