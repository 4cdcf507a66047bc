"""The local sinks of the e2e stack, spoken to directly: the webhook receiver refuses what is not
signed with its secret and still records it; the SMTP server stores what it accepts as .eml; the
OTLP receiver decodes an export (gzipped here) field by field, refuses what is not one and
accepts (drops) metrics and logs. (test_trace.py covers what the services themselves send.)"""

from __future__ import annotations

import email
import email.policy
import gzip
import json
import time
from email.message import EmailMessage
from uuid import uuid4

import aiosmtplib
import httpx
import pytest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.resource.v1.resource_pb2 import Resource
from opentelemetry.proto.trace.v1.trace_pb2 import ResourceSpans, ScopeSpans, Span, Status

from infra import stack
from infra import traces as sink_traces
from infra.profile import Profile
from services.notify.adapters.webhook import SIGNATURE_HEADER, sign

pytestmark = [pytest.mark.infra, pytest.mark.timeout(600)]


async def test_hooks_sink_answers_401_unless_signed_with_its_secret(platform: Profile):
    p = platform
    path = f"/hooks/e2e-sinks-{uuid4().hex[:8]}"
    body = json.dumps({"n": 1}).encode()
    now = int(time.time())
    good = sign(stack.local_secret(p, "webhook-receiver-secret"), now, body)
    attempts = {
        "unsigned": {},
        "another secret": {SIGNATURE_HEADER: sign("not-the-receivers-secret", now, body)},
        "stale": {SIGNATURE_HEADER: good.replace(f"t={now}", f"t={now - 3600}")},
        "signed": {SIGNATURE_HEADER: good, "ce-id": "e-1", "traceparent": "00-" + "a" * 32 + "-b"},
    }
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{p.hooks_port}") as client:
        status = {
            what: (await client.post(path, content=body, headers=headers)).status_code
            for what, headers in attempts.items()
        }
    assert status == {"unsigned": 401, "another secret": 401, "stale": 401, "signed": 204}
    lines = [h for h in sink_traces.read(p.sinks_dir / "hooks.jsonl") if h["path"] == path]
    assert [h["verified"] for h in lines] == [False, False, False, True]
    assert lines[-1]["ce-id"] == "e-1" and lines[-1]["body"] == {"n": 1}
    assert lines[-1]["traceparent"].startswith("00-" + "a" * 32)


async def test_hooks_sink_takes_an_event_once_and_records_its_repeats_as_duplicates(
    platform: Profile,
):
    p = platform
    path = f"/hooks/e2e-dedup-{uuid4().hex[:8]}"
    secret = stack.local_secret(p, "webhook-receiver-secret")
    body = json.dumps({"n": 2}).encode()

    def signed(ce_id: str) -> dict[str, str]:
        return {SIGNATURE_HEADER: sign(secret, int(time.time()), body), "ce-id": ce_id}

    sent = [signed("e-1"), signed("e-1"), signed("e-2"), {"ce-id": "e-2"}, signed("e-1")]
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{p.hooks_port}") as client:
        status = [(await client.post(path, content=body, headers=h)).status_code for h in sent]
    assert status == [204, 204, 204, 401, 204]  # a repeat is acknowledged like the first
    lines = [h for h in sink_traces.read(p.sinks_dir / "hooks.jsonl") if h["path"] == path]
    assert [(h["ce-id"], h["verified"], h["duplicate"]) for h in lines] == [
        ("e-1", True, False),
        ("e-1", True, True),
        ("e-2", True, False),
        ("e-2", False, False),
        ("e-1", True, True),
    ]


async def test_mail_sink_stores_each_message_as_eml(platform: Profile):
    p = platform
    subject = f"Thông báo khen thưởng {uuid4().hex[:6]}"
    message = EmailMessage()
    message["From"] = "khenthuong@thidua.invalid"
    message["To"] = "hoa.nguyen@example.vn"
    message["Subject"] = subject
    message.set_content("Chúc mừng đơn vị đã về đích sớm.")
    await aiosmtplib.send(message, hostname="127.0.0.1", port=p.smtp_port, start_tls=False)

    stored = [
        email.message_from_bytes(f.read_bytes(), policy=email.policy.default)
        for f in sorted((p.sinks_dir / "mail").glob("*.eml"))
    ]
    (mine,) = [m for m in stored if m["Subject"] == subject]
    assert mine["Delivered-To"] == "hoa.nguyen@example.vn"
    assert mine["Return-Path"] == "<khenthuong@thidua.invalid>"
    assert "về đích sớm" in mine.get_content()


async def test_traces_sink_decodes_gzipped_exports_and_refuses_what_is_not_one(platform: Profile):
    p = platform
    trace_id, parent_id, span_id = uuid4().bytes, uuid4().bytes[:8], uuid4().bytes[:8]
    linked = uuid4().bytes
    export = ExportTraceServiceRequest(
        resource_spans=[
            ResourceSpans(
                resource=Resource(attributes=[kv("service.name", AnyValue(string_value="hand"))]),
                scope_spans=[
                    ScopeSpans(
                        spans=[
                            Span(
                                trace_id=trace_id,
                                span_id=span_id,
                                parent_span_id=parent_id,
                                name="made by hand",
                                kind=Span.SPAN_KIND_PRODUCER,
                                start_time_unix_nano=1000,
                                end_time_unix_nano=3000,
                                attributes=[
                                    kv("n", AnyValue(int_value=7)),
                                    kv("ok", AnyValue(bool_value=True)),
                                ],
                                links=[Span.Link(trace_id=linked, span_id=span_id)],
                                status=Status(code=Status.STATUS_CODE_ERROR, message="bad"),
                            )
                        ]
                    )
                ],
            )
        ]
    )
    protobuf = {"content-type": "application/x-protobuf"}
    async with httpx.AsyncClient(base_url=p.otlp_endpoint, headers=protobuf) as client:
        r = await client.post(
            "/v1/traces",
            content=gzip.compress(export.SerializeToString()),
            headers={"content-encoding": "gzip"},
        )
        assert r.status_code == 200, r.text
        assert (
            await client.post("/v1/traces", content=b"\xff\xff not protobuf")
        ).status_code == 400
        for signal in ("metrics", "logs"):
            assert (await client.post(f"/v1/{signal}", content=b"")).status_code == 200

    (span,) = sink_traces.of_trace(sink_traces.read(p.sinks_dir / "spans.jsonl"), trace_id.hex())
    assert (span["span_id"], span["parent_span_id"]) == (span_id.hex(), parent_id.hex())
    assert (span["name"], span["kind"], span["service"]) == ("made by hand", "PRODUCER", "hand")
    assert (span["start_ns"], span["end_ns"]) == (1000, 3000)
    assert span["attributes"] == {"n": 7, "ok": True}
    assert span["links"] == [{"trace_id": linked.hex(), "span_id": span_id.hex(), "attributes": {}}]
    assert span["status"] == {"code": "ERROR", "message": "bad"}


def kv(key: str, value: AnyValue) -> KeyValue:
    return KeyValue(key=key, value=value)


async def test_logs_and_what_the_sinks_received_are_the_owners_alone(platform: Profile):
    """Logs, mails, webhooks and spans hold personal data: folders 0700, files 0600."""
    p = platform
    async with aiosmtplib.SMTP(hostname="127.0.0.1", port=p.smtp_port) as smtp:
        msg = EmailMessage()
        msg["From"], msg["To"], msg["Subject"] = "a@example.invalid", "b@example.invalid", "x"
        msg.set_content("Nguyễn Văn A")
        await smtp.send_message(msg)
    checked = 0
    for folder in (p.logs, p.sinks_dir):
        assert folder.stat().st_mode & 0o777 == 0o700, folder
        for path in folder.rglob("*"):
            expected = 0o700 if path.is_dir() else 0o600
            assert path.stat().st_mode & 0o777 == expected, path
            checked += 1
    assert checked >= 5


async def test_every_line_the_services_log_is_json(platform: Profile):
    """Operators ship these files to a log store: one JSON object a line, no coloured text
    (FastStream's own lines were plain text with ANSI colours)."""
    p = platform
    for service in ("registry", "progress", "awards", "notify"):
        lines = [ln for ln in (p.logs / f"{service}.log").read_text().splitlines() if ln.strip()]
        assert lines, service
        for line in lines:
            assert "\x1b[" not in line, (service, line[:120])
            record = json.loads(line)
            assert record["service"] == service and record["message"], (service, line[:120])
