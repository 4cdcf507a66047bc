"""CloudEvents 1.0 in Kafka binary content mode: our events on and off the wire.

The Kafka value is the event's JSON payload and nothing else; the CloudEvents attributes travel as
`ce_*` headers, the payload's media type as `content-type` (the Kafka protocol binding maps
`datacontenttype` there), and the W3C trace context as `traceparent`/`tracestate`. The key is the
aggregate id, which is also `ce_subject`.

`ce_dataschema` is a URN naming the revision of the JSON Schema the payload was written with,
`urn:thidua:schema:<schema id>:rev:<revision>`, e.g.
`urn:thidua:schema:progress.TargetReported.v1:rev:1f0c75ae567e`; the committed file
`schemas/generated/jsonschema/rev/<schema id>/<revision>.json` states that URN as its `$id`, and
every service serves it at `/schemas/<schema id>/rev/<revision>` (`schemas.json_schema`). A URN
is an absolute URI as CloudEvents requires, and names no host: any service of the platform
resolves it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from operator import itemgetter
from uuid import UUID, uuid4

from pydantic import ValidationError

from schemas.base import Event
from schemas.catalog import topic_for
from schemas.events import by_type

SPECVERSION = "1.0"
CONTENT_TYPE = "application/json; charset=utf-8"
TRACE_HEADERS = ("traceparent", "tracestate")
REQUIRED_HEADERS = (
    "ce_specversion",
    "ce_id",
    "ce_source",
    "ce_type",
    "ce_time",
    "ce_subject",
    "ce_dataschema",
)
_ATTRIBUTE_HEADERS = (*REQUIRED_HEADERS, "content-type")
_HEADER_ORDER = (*_ATTRIBUTE_HEADERS, *TRACE_HEADERS)
_required = itemgetter(*REQUIRED_HEADERS)


@dataclass(frozen=True)
class Message:
    """What goes on the wire."""

    topic: str
    key: bytes
    value: bytes
    headers: list[tuple[str, bytes]]
    event_id: UUID


@dataclass(frozen=True)
class Envelope:
    """What a consumer gets."""

    id: UUID
    source: str
    type: str
    time: datetime
    subject: str
    dataschema: str
    data: Event
    trace: dict[str, str] = field(default_factory=dict)


class InvalidMessage(ValueError):
    """A message that is not one of our events; the text names the header or field at fault."""


def source_for(owner: str) -> str:
    """The conventional ce_source of a service, e.g. "/thidua/progress"."""
    return f"/thidua/{owner}"


def to_message(
    event: Event,
    *,
    source: str,
    event_id: UUID | None = None,
    time: datetime | None = None,
    trace: Mapping[str, str] | None = None,
) -> Message:
    if not source:
        raise ValueError("source must not be empty")
    if time is not None and time.utcoffset() is None:
        raise ValueError("time must be timezone-aware")
    cls = type(event)
    event_id = event_id or uuid4()
    headers = {
        "ce_specversion": SPECVERSION,
        "ce_id": str(event_id),
        "ce_source": source,
        "ce_type": cls.ce_type(),
        "ce_time": format_time(time or datetime.now(UTC)),
        "ce_subject": event.aggregate_id,
        "ce_dataschema": cls.dataschema(),
        "content-type": CONTENT_TYPE,
    }
    for name in TRACE_HEADERS:
        if trace and trace.get(name):
            headers[name] = trace[name]
    return Message(
        topic=topic_for(cls).name,
        key=event.aggregate_id.encode(),
        value=event.to_json(),
        headers=headers_from_dict(headers),
        event_id=event_id,
    )


def from_message(value: bytes | None, headers: Sequence[tuple[str, bytes | None]]) -> Envelope:
    # One pass per check, read at C speed where it can be (itemgetter, all): a consumer decodes
    # every record of every batch with this, and it was most of a batch's Python time.
    h = _read_headers(headers)
    try:
        required = _required(h)
    except KeyError:
        required = ("",)
    if not all(required):
        missing = [name for name in REQUIRED_HEADERS if not h.get(name)]
        raise InvalidMessage(f"missing header(s): {', '.join(missing)}")
    specversion, id_text, source, ce_type, time_text, subject, dataschema = required
    if specversion != SPECVERSION:
        raise InvalidMessage(f"ce_specversion {specversion!r} is not {SPECVERSION!r}")
    try:
        cls = by_type(ce_type)
    except KeyError:
        raise InvalidMessage(f"ce_type {ce_type!r} is not a known event type") from None
    try:
        event_id = UUID(id_text)
    except ValueError:
        raise InvalidMessage(f"ce_id {id_text!r} is not a UUID") from None
    time = _parse_time(time_text)
    content_type = h.get("content-type")
    if content_type is not None and content_type != CONTENT_TYPE and not _is_json(content_type):
        raise InvalidMessage(f"content-type {content_type!r} is not JSON")
    if value is None:
        raise InvalidMessage("message has no value (a tombstone?)")
    try:
        data = cls.from_json(value)
    except ValidationError as e:
        raise InvalidMessage(_describe(ce_type, e)) from None
    if data.aggregate_id != subject:
        raise InvalidMessage(
            f"ce_subject {subject!r} is not the payload's {cls.key_field} {data.aggregate_id!r}"
        )
    trace = {}
    for name in TRACE_HEADERS:
        if text := h.get(name):
            trace[name] = text
    return Envelope(event_id, source, ce_type, time, subject, dataschema, data, trace)


def headers_to_dict(headers: Sequence[tuple[str, bytes | None]]) -> dict[str, str]:
    """Headers as a JSON-friendly dict (the outbox stores them so). The first of a repeated name
    wins; headers without a value are dropped."""
    out: dict[str, str] = {}
    for name, raw in headers:
        if raw is not None and name not in out:
            out[name] = raw.decode()
    return out


def headers_from_dict(d: Mapping[str, str]) -> list[tuple[str, bytes]]:
    """The inverse of headers_to_dict, in a stable order (CloudEvents headers first): the outbox's
    jsonb column does not keep the order it was given."""
    rank = {name: i for i, name in enumerate(_HEADER_ORDER)}
    names = sorted(d, key=lambda n: (rank.get(n, len(rank)), n))
    return [(name, d[name].encode()) for name in names]


def format_time(t: datetime) -> str:
    """RFC 3339 in UTC with microseconds, e.g. 2020-05-19T01:30:00.000000Z."""
    return t.astimezone(UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


def _read_headers(headers: Sequence[tuple[str, bytes | None]]) -> dict[str, str]:
    try:  # what our producers send: distinct lower-case names, each with a UTF-8 value
        out = {name: raw.decode() for name, raw in headers if raw is not None}
        if len(out) == len(headers) and all(map(str.islower, out)):
            return out
    except UnicodeDecodeError:
        pass
    out = {}
    for name, raw in headers:
        if raw is None:
            continue
        key = name.lower()  # the binding's header names are lower case; be lenient on input
        try:
            text = raw.decode()
        except UnicodeDecodeError:
            raise InvalidMessage(f"header {name} is not UTF-8") from None
        # A repeated trace header (a middleware adding its own) is harmless: keep the first.
        # Two different values of an attribute leave the event ambiguous.
        before = out.setdefault(key, text)
        if before is not text and before != text and key in _ATTRIBUTE_HEADERS:
            raise InvalidMessage(f"header {name} appears twice with different values")
    return out


def _parse_time(text: str) -> datetime:
    try:
        t = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidMessage(f"ce_time {text!r} is not an RFC 3339 timestamp") from None
    if t.tzinfo is UTC:  # what format_time writes ("Z"): nothing to convert
        return t
    if t.utcoffset() is None:
        raise InvalidMessage(f"ce_time {text!r} has no UTC offset")
    return t.astimezone(UTC)


def _is_json(content_type: str) -> bool:
    media = content_type.split(";", 1)[0].strip().lower()
    return media == "application/json" or media.endswith("+json")


def _describe(ce_type: str, error: ValidationError) -> str:
    problems = []
    for e in error.errors(include_url=False):
        if e["type"] == "json_invalid":
            return f"value is not valid JSON: {e['msg']}"
        where = ".".join(str(part) for part in e["loc"]) or "(payload)"
        problems.append(f"{where}: {e['msg']}")
    return f"invalid {ce_type} payload: " + "; ".join(problems)
