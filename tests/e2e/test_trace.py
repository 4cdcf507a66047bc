"""One trace across the platform: a progress report's HTTP request → progress's database and
outbox → the relay → Kafka → notify's consumer → the signed webhook POST at the receiver.

Everything runs as processes of the e2e stack (conftest.py) and is set up through the public
HTTP APIs. The OTLP/HTTP receiver is the stack's traces sink (infra/sinks/traces.py), started by
the session's fixture like every component, which decodes the protobuf the services export; the
test reads the spans it wrote and rebuilds the tree. The test's own client span is exported there
too, so the trace has exactly one root and every other span's parent is in it.

Awards does not consume `progress.reports.v1` (its read model takes ratings, initiatives and
bloc leaders), and a live progress does not read its own topics back (a rebuild does): the one
consumer of the report is notify, whose consumer span is a child of the relay's producer span.
A batch handler's span, which can only *link* to each event's producer span (docs/decisions.md),
is checked in tests/runtime/test_trace.py.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any
from uuid import uuid4

import httpx
import pytest
from opentelemetry import trace
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.propagators.textmap import DefaultSetter
from opentelemetry.sdk.resources import SERVICE_NAME, Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace.propagation.tracecontext import TraceContextTextMapPropagator
from typer.testing import CliRunner

from infra import stack, tokens
from infra import traces as sink_traces
from infra.__main__ import app as cli
from infra.profile import Profile
from schemas.progress import TargetReported

pytestmark = [pytest.mark.infra, pytest.mark.timeout(600)]

TEST_SERVICE = "thidua-e2e-test"
DEADLINE_S = 90.0

Span = dict[str, Any]


def bearer(p: Profile, **claims: Any) -> dict[str, str]:
    return {"Authorization": f"Bearer {tokens.mint(p.state, **claims)}"}


async def call(client: httpx.AsyncClient, method: str, url: str, expect: int, **kw: Any) -> Any:
    r = await client.request(method, url, **kw)
    assert r.status_code == expect, f"{method} {url}: {r.status_code} {r.text}"
    return r.json() if r.content else None


async def until(check: Callable[[], Any], what: Callable[[], str]) -> Any:
    """Poll `check` until it returns something truthy; fail naming what is still missing."""
    deadline = time.monotonic() + DEADLINE_S
    while not (found := check()):
        if time.monotonic() > deadline:
            raise AssertionError(f"after {DEADLINE_S:.0f}s: {what()}")
        await asyncio.sleep(0.25)
    return found


async def launch_campaign(client: httpx.AsyncClient, p: Profile) -> tuple[str, str, str]:
    """A province, one department with one target, launched. Returns (campaign, unit, target)."""
    registry = p.service_url("registry")
    admin = bearer(p, sub="e2e-admin", roles=["province_admin"])
    suffix = uuid4().hex[:6]

    async def unit(code: str, name: str, kind: str, parent: str | None) -> str:
        body = {
            "code": f"{code}.{suffix}",
            "name": name,
            "kind": kind,
            "level": "province",
            "valid_from": "2015-01-01",
            "parent_id": parent,
        }
        return (await call(client, "POST", f"{registry}/units", 201, json=body, headers=admin))[
            "unit_id"
        ]

    ubnd = await unit("000.00.00", "Ủy ban nhân dân tỉnh Cà Mau", "provincial_committee", None)
    stc = await unit("000.00.05", "Sở Tài chính", "department", ubnd)
    campaign = {
        "code": f"TD-2020-{suffix}",
        "title": "Đợt thi đua đặc biệt năm 2020",
        "theme": "Đồng thuận cao, thi đua giỏi, về đích sớm",
        "kind": "special",
        "start": "2020-01-01",
        "end": "2020-12-31",
        "launched_by": ubnd,
        "participating_unit_ids": [stc],
    }
    cid = (await call(client, "POST", f"{registry}/campaigns", 201, json=campaign, headers=admin))[
        "campaign_id"
    ]
    target = {
        "unit_id": stc,
        "name": "Tổng thu ngân sách",
        "metric": "Tổng thu ngân sách",
        "unit_of_measure": "tỷ đồng",
        "target_value": 5250,
        "direction": "higher_is_better",
        "weight": 2.0,
        "deadline": "2020-12-31",
    }
    tid = (
        await call(
            client, "POST", f"{registry}/campaigns/{cid}/targets", 201, json=target, headers=admin
        )
    )["target_id"]
    await call(client, "POST", f"{registry}/campaigns/{cid}/launch", 200, json={}, headers=admin)
    return cid, stc, tid


async def subscribe_and_await_target(
    client: httpx.AsyncClient, p: Profile, name: str, cid: str, unit: str, tid: str
) -> tuple[dict, dict[str, str]]:
    """A webhook subscription to the campaign's TargetReported at the receiver's `/hooks/<name>`,
    then wait until progress knows the target. Returns (the subscription, an officer's headers
    for reports on the target)."""
    # a webhook subscription of an integration client, signed with the receiver's secret
    integration = bearer(p, sub="e2e-client", roles=["integration_client"], client_id="e2e")
    subscription = {
        "url": f"{p.hooks_url}/{name}",
        "filter": {"event_types": ["TargetReported"], "campaign_ids": [cid]},
        "secret": stack.local_secret(p, "webhook-receiver-secret"),
    }
    subscribed = await call(
        client,
        "POST",
        f"{p.service_url('notify')}/subscriptions",
        201,
        json=subscription,
        headers=integration,
    )

    # progress learns the target from the registry's CampaignLaunched
    officer = bearer(p, sub="e2e-officer", roles=["unit_officer"], unit_id=unit)
    history = f"{p.service_url('progress')}/targets/{tid}/reports"

    async def target_known() -> bool:
        return (await client.get(history, headers=officer)).status_code == 200

    deadline = time.monotonic() + DEADLINE_S
    while not await target_known():
        assert time.monotonic() < deadline, f"progress never learnt target {tid}"
        await asyncio.sleep(0.25)
    return subscribed, officer


def client_tracer(p: Profile) -> tuple[TracerProvider, trace.Tracer]:
    """The test's own tracer, exporting to the same sink (not the process's global provider,
    which the in-process tests share)."""
    provider = TracerProvider(resource=Resource.create({SERVICE_NAME: TEST_SERVICE}))
    exporter = OTLPSpanExporter(endpoint=f"{p.otlp_endpoint}/v1/traces")
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return provider, provider.get_tracer("tests.e2e")


def ancestors(span: Span, by_id: dict[str, Span]) -> list[Span]:
    out = []
    while (parent := by_id.get(span["parent_span_id"] or "")) is not None:
        out.append(parent)
        span = parent
    return out


def one(spans: list[Span], what: str, attributes: dict | None = None, **match: Any) -> Span:
    """The single span with these fields and (some of its) attributes."""
    wanted = (attributes or {}).items()
    found = [
        s
        for s in spans
        if all(s.get(k) == v for k, v in match.items()) and wanted <= s["attributes"].items()
    ]
    assert len(found) == 1, f"expected one {what} ({match}), found {len(found)}"
    return found[0]


async def test_a_report_is_one_trace_from_the_request_to_the_webhook(platform: Profile):
    p = platform
    spans_file = p.sinks_dir / "spans.jsonl"
    hooks_file = p.sinks_dir / "hooks.jsonl"
    name = f"e2e-trace-{uuid4().hex[:8]}"  # the receiver records the path: ours alone
    path = f"/hooks/{name}"
    async with httpx.AsyncClient(timeout=30) as client:
        cid, stc, tid = await launch_campaign(client, p)
        subscribed, officer = await subscribe_and_await_target(client, p, name, cid, stc, tid)

        # the report, under the test's own client span
        provider, tracer = client_tracer(p)
        with tracer.start_as_current_span("report progress", kind=trace.SpanKind.CLIENT) as root:
            headers = dict(officer)
            TraceContextTextMapPropagator().inject(headers, setter=DefaultSetter())
            report = {"target_id": tid, "value": 5300, "as_of": "2020-11-20"}
            accepted = await call(
                client,
                "POST",
                f"{p.service_url('progress')}/reports",
                201,
                json=report,
                headers=headers,
            )
        provider.shutdown()
    trace_id = format(root.get_span_context().trace_id, "032x")
    root_id = format(root.get_span_context().span_id, "016x")

    # the webhook at the receiver
    def hook() -> dict | None:
        lines = [h for h in sink_traces.read(hooks_file) if h["path"] == path]
        return lines[0] if lines else None

    received = await until(hook, lambda: f"no webhook POST at {path} in {hooks_file}")
    assert received["verified"] is True, "the receiver verified notify's signature"
    assert received["ce-type"] == TargetReported.ce_type()
    assert received["ce-subject"] == tid
    assert received["body"]["report_id"] == accepted["report"]["report_id"]
    version, tp_trace, tp_parent, _flags = received["traceparent"].split("-")
    assert version == "00" and tp_trace == trace_id, "the webhook carries the report's trace"

    # the whole trace at the OTLP receiver: wait until the webhook's span and everything up to
    # the root are there (each process exports on its own schedule)
    def complete() -> list[Span] | None:
        spans = sink_traces.of_trace(sink_traces.read(spans_file), trace_id)
        by_id = {s["span_id"]: s for s in spans}
        deliver = [
            s
            for s in spans
            if s["name"] == "deliver webhook"
            and s["attributes"].get("notify.subscription_id") == subscribed["id"]
        ]
        orphans = [s for s in spans if s["parent_span_id"] and s["parent_span_id"] not in by_id]
        if deliver and not orphans and root_id in by_id:
            return spans
        return None

    def missing() -> str:
        spans = sink_traces.of_trace(sink_traces.read(spans_file), trace_id)
        ids = {s["span_id"] for s in spans}
        orphans = [
            (s["service"], s["name"])
            for s in spans
            if s["parent_span_id"] and s["parent_span_id"] not in ids
        ]
        names = sorted({(s["service"], s["name"]) for s in spans})
        return f"trace {trace_id} incomplete: spans {names}; parent missing for {orphans}"

    spans = await until(complete, missing)
    by_id = {s["span_id"]: s for s in spans}

    # one root: the test's client span
    assert [s["span_id"] for s in sink_traces.roots(spans)] == [root_id]
    assert by_id[root_id]["parent_span_id"] is None
    services = {s["service"] for s in spans}
    assert {TEST_SERVICE, "thidua-progress", "thidua-notify"} <= services, services

    # progress: the request, its statements (the report and the outbox row), the relay's send
    server = one(spans, "progress server span", service="thidua-progress", kind="SERVER")
    assert server["name"].startswith("POST /reports")
    assert server["parent_span_id"] == root_id, "the request continues the client's trace"
    statements = [
        s
        for s in spans
        if s["service"] == "thidua-progress" and s["attributes"].get("db.system") == "postgresql"
    ]
    assert statements and all(server in ancestors(s, by_id) for s in statements)
    assert any("outbox" in s["attributes"].get("db.statement", "") for s in statements), (
        "the outbox insert is in the request's trace"
    )
    # (the report also achieved the target: TargetAchieved has a send span of its own)
    event = {"messaging.message.id": received["ce-id"]}
    send = one(
        spans,
        "relay producer span of the TargetReported",
        service="thidua-progress",
        kind="PRODUCER",
        name="send progress.reports.v1",
        attributes=event,
    )
    assert server in ancestors(send, by_id), "the relay continues the request's trace"

    # across Kafka: notify's consumer span is the producer span's child
    process = one(
        spans,
        "notify consumer span of the TargetReported",
        service="thidua-notify",
        kind="CONSUMER",
        name="process progress.reports.v1",
        attributes=event,
    )
    assert process["parent_span_id"] == send["span_id"]

    # the webhook POST: a client span under the consumer span, and the receiver's traceparent
    # names it as the parent
    # (other subscriptions, the demo's, may get the same event: each delivery has its span)
    deliver = one(
        spans,
        "webhook client span of our subscription",
        service="thidua-notify",
        name="deliver webhook",
        attributes={"notify.subscription_id": subscribed["id"]},
    )
    assert deliver["kind"] == "CLIENT"
    assert process in ancestors(deliver, by_id), "the delivery continues the consumed event"
    assert tp_parent == deliver["span_id"]
    assert deliver["attributes"]["notify.status"] == 204

    # ./thidua trace lists it with its root and services, and prints the tree: the consumer span
    # below the request, the delivery below it
    (listed,) = [
        t
        for t in sink_traces.summaries(sink_traces.read(spans_file), 10**6)
        if t.trace_id == trace_id
    ]
    assert listed.root == "report progress"
    assert {TEST_SERVICE, "thidua-progress", "thidua-notify"} <= set(listed.services)
    shown = CliRunner().invoke(cli, ["trace", trace_id, "--profile", "e2e"])
    assert shown.exit_code == 0, shown.output
    rows = [line for line in shown.output.splitlines() if line.strip()]

    def depth(name: str, service: str) -> int:
        """The indentation of the rows of that span name (the same for both events' spans)."""
        (indent,) = {
            len(r) - len(r.lstrip())
            for r in rows
            if f" {name} " in f" {r.strip()} " and service in r
        }
        return indent

    assert (
        depth("report progress", "e2e-test")
        < depth("send progress.reports.v1", "progress")
        < depth("process progress.reports.v1", "notify")
        < depth("deliver webhook", "notify")
    )
