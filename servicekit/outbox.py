"""The transactional outbox: events are rows written in the transaction that causes them, which
the relay publishes afterwards. `enqueue` takes a lock per (topic, key) before drawing `seq`, so
`seq` is commit order for every key: docs/architecture.md, "Publishing".
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from uuid import UUID

import asyncpg
from opentelemetry import propagate

from schemas.envelope import Message, headers_from_dict, headers_to_dict
from servicekit.db import Statement, combined, with_riders

# The class id of the two-int advisory locks taken per (topic, key); the two-int form lives in a
# space of its own, apart from the one-bigint locks (relay leadership, migrations).
KEY_LOCK_CLASS = 0x6F75_7462  # "outb"

# Headers that carry the trace context; the relay replaces them by its producer span's context.
TRACE_HEADERS = ("traceparent", "tracestate", "baggage")

# One statement (one round trip): the per-key locks first, then the rows. The lock CTE is read
# by an uncorrelated subquery in the WHERE clause, which PostgreSQL evaluates once as a gate before
# it reads the first row to insert, so every `seq` (the column's default) is drawn after every lock.
_ENQUEUE = """
WITH locks AS MATERIALIZED (
    SELECT pg_advisory_xact_lock($1::int, h)
    FROM (SELECT DISTINCT hashtext(k) AS h FROM unnest($2::text[]) AS k ORDER BY 1) AS keys
)
INSERT INTO outbox (id, aggregatetype, aggregateid, type, payload, headers)
SELECT id, topic, key, type, payload, headers
FROM unnest($3::uuid[], $4::text[], $5::text[], $6::text[], $7::json[], $8::jsonb[])
     WITH ORDINALITY AS m(id, topic, key, type, payload, headers, n)
WHERE (SELECT count(*) FROM locks) >= 0
ORDER BY n
"""


@dataclass(frozen=True)
class OutboxRow:
    """One row of the outbox as the relay reads it."""

    seq: int
    id: UUID
    topic: str
    key: str
    type: str
    payload: str
    headers: dict[str, str]

    @property
    def value(self) -> bytes:
        return self.payload.encode()

    @property
    def key_bytes(self) -> bytes:
        return self.key.encode()

    @property
    def trace_carrier(self) -> dict[str, str]:
        """The stored trace context, as a carrier for `opentelemetry.propagate.extract`."""
        return {k: v for k, v in self.headers.items() if k in TRACE_HEADERS}

    def kafka_headers(self, trace: Mapping[str, str]) -> list[tuple[str, bytes]]:
        """The headers to publish: the stored ones with the trace context replaced by `trace`."""
        plain = {k: v for k, v in self.headers.items() if k not in TRACE_HEADERS}
        return headers_from_dict({**plain, **trace})

    @classmethod
    def from_record(cls, r: asyncpg.Record) -> OutboxRow:
        headers = r["headers"]
        if isinstance(headers, str):  # asyncpg hands jsonb over as text unless a codec is set
            headers = json.loads(headers)
        return cls(
            seq=r["seq"],
            id=r["id"],
            topic=r["aggregatetype"],
            key=r["aggregateid"],
            type=r["type"],
            payload=r["payload"],
            headers=headers,
        )


def current_trace_context() -> dict[str, str]:
    """The current OpenTelemetry context as W3C headers (empty when there is no active span)."""
    carrier: dict[str, str] = {}
    propagate.inject(carrier)
    return carrier


def with_trace_context(message: Message, trace: Mapping[str, str] | None = None) -> Message:
    """`message` with the given (default: the current) trace context in its headers, unless it
    already carries a `traceparent`."""
    names = {name for name, _ in message.headers}
    if "traceparent" in names:
        return message
    carrier = dict(current_trace_context() if trace is None else trace)
    if not carrier:
        return message
    extra = [(k, v.encode()) for k, v in carrier.items() if k not in names]
    return Message(
        topic=message.topic,
        key=message.key,
        value=message.value,
        headers=[*message.headers, *extra],
        event_id=message.event_id,
    )


def _row_values(m: Message) -> tuple[UUID, str, str, str, str, str]:
    try:
        key = m.key.decode()
        payload = m.value.decode()
        headers = headers_to_dict(m.headers)
    except UnicodeDecodeError as e:
        raise ValueError(f"outbox messages are text (UTF-8 key, JSON value, headers): {e}") from e
    ce_type = headers.get("ce_type", "")
    return m.event_id, m.topic, key, ce_type, payload, json.dumps(headers, ensure_ascii=False)


async def enqueue(
    con: asyncpg.Connection, messages: Sequence[Message], riders: Sequence[Statement] = ()
) -> None:
    """Add `messages` to the outbox on `con`, which must be inside a transaction.

    Takes the per-(topic, key) advisory locks first (sorted, so two transactions never wait on
    each other in a cycle here), then inserts all rows, in the given order: one statement, which
    also runs the `riders` (`db.with_riders`: the request's audit row)."""
    if not messages:
        if riders:
            sql, every = combined(riders)
            await con.execute(sql, *every)
        return
    if not con.is_in_transaction():
        raise RuntimeError("outbox.enqueue must run inside the transaction of the state change")
    rows = [_row_values(m) for m in messages]
    args = [
        KEY_LOCK_CLASS,
        [f"{r[1]}\x1f{r[2]}" for r in rows],
        *(list(col) for col in zip(*rows, strict=True)),
    ]
    sql, every = with_riders((_ENQUEUE, args), riders)
    await con.execute(sql, *every)


async def pending(con: asyncpg.Connection) -> int:
    """How many rows wait for the relay."""
    return await con.fetchval("SELECT count(*) FROM outbox")
