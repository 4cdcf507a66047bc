"""The CloudEvents Kafka binary-mode envelope, without a broker."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta, timezone
from uuid import UUID

import pytest
from cloudevents.core.bindings.kafka import KafkaMessage, from_binary_event, to_binary_event
from cloudevents.core.v1.event import CloudEvent

from schemas import progress, registry
from schemas.envelope import (
    CONTENT_TYPE,
    Envelope,
    InvalidMessage,
    Message,
    from_message,
    headers_from_dict,
    headers_to_dict,
    source_for,
    to_message,
)
from schemas.examples import example

EVENT_ID = UUID("0b5c6f5e-6a43-4c55-9d0e-8d2f1f3e2a10")
TIME = datetime(2020, 12, 1, 9, 15, 30, 123456, tzinfo=timezone(timedelta(hours=7)))
TRACE = {
    "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
    "tracestate": "a=1",
}


def _message(event=None, **kw) -> Message:
    event = event or example(progress.TargetReported)
    args = {"source": "/thidua/progress", "event_id": EVENT_ID, "time": TIME, "trace": TRACE} | kw
    return to_message(event, **args)


def _without(headers, name):
    return [(k, v) for k, v in headers if k != name]


def _replace(headers, name, value):
    return [(k, value if k == name else v) for k, v in headers]


def test_message_on_the_wire():
    event = example(progress.TargetReported)
    m = _message(event)
    assert m.topic == "progress.reports.v1"
    assert m.key == str(event.target_id).encode()
    assert m.event_id == EVENT_ID
    assert json.loads(m.value) == json.loads(event.model_dump_json())  # the data, nothing else
    assert m.headers == [
        ("ce_specversion", b"1.0"),
        ("ce_id", str(EVENT_ID).encode()),
        ("ce_source", b"/thidua/progress"),
        ("ce_type", b"vn.thidua.progress.TargetReported.v1"),
        ("ce_time", b"2020-12-01T02:15:30.123456Z"),
        ("ce_subject", str(event.target_id).encode()),
        ("ce_dataschema", progress.TargetReported.dataschema().encode()),
        ("content-type", CONTENT_TYPE.encode()),
        ("traceparent", TRACE["traceparent"].encode()),
        ("tracestate", b"a=1"),
    ]


def test_defaults_a_fresh_id_and_now():
    a = to_message(example(registry.UnitClosed), source="/thidua/registry")
    b = to_message(example(registry.UnitClosed), source="/thidua/registry")
    assert a.event_id != b.event_id
    env = from_message(a.value, a.headers)
    assert abs(env.time - datetime.now(UTC)) < timedelta(minutes=1)
    assert env.trace == {}
    assert "traceparent" not in dict(a.headers)


def test_round_trip():
    event = example(progress.TargetReported)
    m = _message(event)
    assert from_message(m.value, m.headers) == Envelope(
        id=EVENT_ID,
        source="/thidua/progress",
        type="vn.thidua.progress.TargetReported.v1",
        time=TIME,
        subject=str(event.target_id),
        dataschema=progress.TargetReported.dataschema(),
        data=event,
        trace=TRACE,
    )


def test_naive_time_and_empty_source_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        _message(time=datetime(2020, 1, 1))
    with pytest.raises(ValueError, match="source"):
        _message(source="")


def test_source_convention():
    assert source_for("progress") == "/thidua/progress"


@pytest.mark.parametrize(
    "name",
    ["ce_specversion", "ce_id", "ce_source", "ce_type", "ce_time", "ce_subject", "ce_dataschema"],
)
def test_missing_header_is_named(name: str):
    m = _message()
    with pytest.raises(InvalidMessage, match=f"missing header.*{name}"):
        from_message(m.value, _without(m.headers, name))


def test_header_without_value_counts_as_missing():
    m = _message()
    with pytest.raises(InvalidMessage, match=r"missing header.*ce_type"):
        from_message(m.value, _replace(m.headers, "ce_type", None))


def test_unknown_type():
    m = _message()
    headers = _replace(m.headers, "ce_type", b"vn.thidua.progress.TargetReported.v9")
    with pytest.raises(
        InvalidMessage, match=re.escape("ce_type 'vn.thidua.progress.TargetReported.v9'")
    ):
        from_message(m.value, headers)


def test_invalid_json():
    m = _message()
    with pytest.raises(InvalidMessage, match="not valid JSON"):
        from_message(b'{"report_id": ', m.headers)


def test_tombstone():
    m = _message()
    with pytest.raises(InvalidMessage, match="no value"):
        from_message(None, m.headers)


def test_payload_failing_validation_names_the_field():
    m = _message()
    data = json.loads(m.value)
    data["value"] = "many"
    del data["unit_id"]
    with pytest.raises(InvalidMessage, match=re.escape("TargetReported.v1 payload")) as caught:
        from_message(json.dumps(data).encode(), m.headers)
    assert "unit_id: Field required" in str(caught.value)
    assert "value: Input should be a valid number" in str(caught.value)


def test_payload_of_another_type_is_refused():
    m = _message()
    other = example(registry.UnitClosed).to_json()
    with pytest.raises(
        InvalidMessage, match=re.escape("invalid vn.thidua.progress.TargetReported.v1")
    ):
        from_message(other, m.headers)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("ce_specversion", b"0.3", "ce_specversion"),
        ("ce_id", b"42", "ce_id '42' is not a UUID"),
        ("ce_time", b"yesterday", "ce_time 'yesterday'"),
        ("ce_time", b"2020-12-01T02:15:30", "no UTC offset"),
        ("ce_subject", b"6f1c1b7e-3b1c-4b8e-9c39-0a7b7b2f2f2f", "ce_subject .* target_id"),
        ("content-type", b"application/xml", "content-type"),
        ("ce_source", b"\xff\xfe", "ce_source is not UTF-8"),
    ],
)
def test_bad_header(name: str, value: bytes, message: str):
    m = _message()
    with pytest.raises(InvalidMessage, match=message):
        from_message(m.value, _replace(m.headers, name, value))


def test_conflicting_repeated_attribute_is_refused_but_a_repeated_trace_is_not():
    m = _message()
    with pytest.raises(InvalidMessage, match="ce_id appears twice"):
        from_message(m.value, [*m.headers, ("ce_id", b"8a1d3c7e-0000-4000-8000-000000000000")])
    env = from_message(m.value, [*m.headers, ("traceparent", b"00-other")])
    assert env.trace["traceparent"] == TRACE["traceparent"]


def test_content_type_is_optional_and_any_json_type_will_do():
    m = _message()
    assert from_message(m.value, _without(m.headers, "content-type")).id == EVENT_ID
    headers = _replace(m.headers, "content-type", b"application/cloudevents+json")
    assert from_message(m.value, headers).id == EVENT_ID


def test_headers_survive_a_trip_through_json():
    m = _message()
    stored = json.loads(json.dumps(headers_to_dict(m.headers)))
    assert headers_from_dict(dict(reversed(stored.items()))) == m.headers


def test_headers_to_dict_keeps_the_first_and_drops_empty_values():
    assert headers_to_dict([("a", b"1"), ("a", b"2"), ("b", None), ("c", "đ".encode())]) == {
        "a": "1",
        "c": "đ",
    }


def test_the_cloudevents_sdk_reads_our_message():
    event = example(progress.TargetReported)
    m = _message(event)
    ce = from_binary_event(KafkaMessage(headers=dict(m.headers), key=m.key, value=m.value))
    assert ce.get_specversion() == "1.0"
    assert ce.get_id() == str(EVENT_ID)
    assert ce.get_type() == "vn.thidua.progress.TargetReported.v1"
    assert ce.get_source() == "/thidua/progress"
    assert ce.get_subject() == str(event.target_id)
    assert ce.get_time() == TIME
    assert ce.get_dataschema() == progress.TargetReported.dataschema()
    assert ce.get_datacontenttype() == CONTENT_TYPE
    assert ce.get_data() == event.model_dump(mode="json")


def test_we_read_what_the_cloudevents_sdk_writes():
    event = example(registry.UnitRegistered)
    ce = CloudEvent(
        attributes={
            "id": str(EVENT_ID),
            "source": "/thidua/registry",
            "type": registry.UnitRegistered.ce_type(),
            "subject": event.aggregate_id,
            "dataschema": registry.UnitRegistered.dataschema(),
            "datacontenttype": "application/json",
            "time": TIME,
            "partitionkey": event.aggregate_id,
        },
        data=event.model_dump(mode="json"),
    )
    km = to_binary_event(ce)
    env = from_message(km.value, list(km.headers.items()))
    assert km.key == event.aggregate_id
    assert (env.id, env.data, env.time) == (EVENT_ID, event, TIME)
