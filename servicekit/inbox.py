"""The inbox: which events a consumer has applied, recorded in the transaction that applies them,
so an event's effects are applied at most once per consumer name however often Kafka delivers it:
docs/architecture.md, "The inbox".
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import NamedTuple
from uuid import UUID

import asyncpg

_RECORD = """
INSERT INTO inbox (consumer, event_id, topic, partition, "offset")
SELECT $1, e.event_id, e.topic, e.partition, e."offset"
FROM unnest($2::uuid[], $3::text[], $4::int[], $5::bigint[])
     WITH ORDINALITY AS e(event_id, topic, partition, "offset", n)
ORDER BY e.n
ON CONFLICT (consumer, event_id) DO NOTHING
RETURNING event_id
"""


class InboxEntry(NamedTuple):
    """An event id and where it was consumed from. (A tuple: one is made per consumed event, and
    a frozen dataclass costs several times more to make.)"""

    event_id: UUID
    topic: str
    partition: int
    offset: int


async def record_new(
    con: asyncpg.Connection, consumer: str, entries: Sequence[InboxEntry]
) -> set[UUID]:
    """Record `entries` for `consumer` inside the current transaction; return the event ids that
    were new (the ones to apply). Ids repeated within `entries` count once."""
    if not entries:
        return set()
    if not con.is_in_transaction():
        raise RuntimeError("the inbox must be written in the transaction of the effects")
    unique: dict[UUID, InboxEntry] = {}
    for e in entries:
        unique.setdefault(e.event_id, e)
    rows = list(unique.values())
    inserted = await con.fetch(
        _RECORD,
        consumer,
        [e.event_id for e in rows],
        [e.topic for e in rows],
        [e.partition for e in rows],
        [e.offset for e in rows],
    )
    return {r["event_id"] for r in inserted}


async def is_processed(con: asyncpg.Connection, consumer: str, event_id: UUID) -> bool:
    return bool(
        await con.fetchval(
            "SELECT 1 FROM inbox WHERE consumer = $1 AND event_id = $2", consumer, event_id
        )
    )


async def prune(con: asyncpg.Connection, *, before: datetime, consumer: str | None = None) -> int:
    """Delete the entries processed before `before` (of one consumer, or of all). An event older
    than that, delivered again, would be applied again: keep them longer than any redelivery."""
    result = await con.execute(
        "DELETE FROM inbox WHERE processed_at < $1 AND ($2::text IS NULL OR consumer = $2)",
        before,
        consumer,
    )
    return int(result.split()[-1])


async def forget(con: asyncpg.Connection, consumer: str) -> int:
    """Delete every entry of `consumer`: for a rebuild of its read model by replaying topics from
    the beginning, in the transaction that also empties the read model."""
    result = await con.execute("DELETE FROM inbox WHERE consumer = $1", consumer)
    return int(result.split()[-1])
