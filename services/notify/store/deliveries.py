"""Deliveries (one notification to one subscription or email contact) and the events they carry:
written by the intake, listed and redelivered by operators, parked when their target goes."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID

import asyncpg

from servicekit.db import Statement, columns

WAKE_CHANNEL = "notify_deliveries"
"""PostgreSQL NOTIFY channel: deliveries became due (new, redelivered, subscriber resumed)."""

_COLUMNS = (
    "d.seq, d.id, d.event_id, d.event_type, d.channel, d.subscription_id, d.recipient_kind,"
    " d.recipient_id, d.status, d.attempts, d.round_attempts, d.next_attempt_at, d.last_status,"
    " d.last_error, (d.claimed_until > now()) IS TRUE AS in_flight, d.created_at, d.updated_at,"
    " d.delivered_at, d.parked_at"
)


async def announce(con: asyncpg.Connection) -> None:
    """Tell every dispatcher, at commit, that deliveries became due."""
    await con.execute(f"SELECT pg_notify('{WAKE_CHANNEL}', '')")


async def ping(con: asyncpg.Connection) -> None:
    """A round trip, so that a LISTEN connection that died is noticed."""
    await con.fetchval("SELECT 1")


# $1..$7 the events (once each), $8..$19 the deliveries. The events are written with the
# deliveries that carry them (the deliveries' foreign key is checked at the statement's end).
_ADD = """
WITH events AS (
    INSERT INTO notify_events (event_id, type, source, subject, time, dataschema, payload)
    SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::timestamptz[],
                         $6::text[], $7::text[])
    ON CONFLICT (event_id) DO NOTHING
)
INSERT INTO deliveries (id, event_id, event_type, channel, subscription_id, recipient_kind,
                        recipient_id, why, subject, text_body, html_body, trace, next_attempt_at)
SELECT d.*, now()
FROM unnest($8::uuid[], $9::uuid[], $10::text[], $11::text[], $12::uuid[], $13::text[],
            $14::uuid[], $15::text[], $16::text[], $17::text[], $18::text[], $19::jsonb[]) AS d
ON CONFLICT (event_id, channel, subscription_id) DO NOTHING
"""


def add(events: Sequence[tuple[Any, ...]], rows: Sequence[tuple[Any, ...]]) -> Statement:
    """The events deliveries carry, (event_id, type, source, subject, time, dataschema, payload),
    once each; and the deliveries, (id, event_id, event_type, channel, subscription_id,
    recipient_kind, recipient_id, why, subject, text_body, html_body, trace JSON), due now, once
    per (event, channel, subscription). One statement, to run with the batch's others; a
    statement trigger NOTIFYs the dispatchers at commit."""
    return _ADD, [*columns(events, 7), *columns(rows, 12)]


async def page(
    con: asyncpg.Connection,
    *,
    subscription_id: UUID | None = None,
    status: str | None = None,
    channel: str | None = None,
    event_id: UUID | None = None,
    limit: int = 50,
    cursor: int | None = None,
) -> list[asyncpg.Record]:
    """Newest first, before `cursor` (a `seq`)."""
    return await con.fetch(
        f"SELECT {_COLUMNS} FROM deliveries d"
        " WHERE ($1::uuid IS NULL OR d.subscription_id = $1)"
        " AND ($2::text IS NULL OR d.status = $2) AND ($3::text IS NULL OR d.channel = $3)"
        " AND ($4::uuid IS NULL OR d.event_id = $4) AND ($5::bigint IS NULL OR d.seq < $5)"
        " ORDER BY d.seq DESC LIMIT $6",
        subscription_id,
        status,
        channel,
        event_id,
        cursor,
        limit,
    )


async def find(con: asyncpg.Connection, delivery_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow(f"SELECT {_COLUMNS} FROM deliveries d WHERE d.id = $1", delivery_id)


async def attempts(con: asyncpg.Connection, delivery_id: UUID) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT number, started_at, duration_ms, status, error, result FROM delivery_attempts"
        " WHERE delivery_id = $1 ORDER BY id",
        delivery_id,
    )


async def lock_for_redelivery(con: asyncpg.Connection, delivery_id: UUID) -> asyncpg.Record | None:
    """The delivery's state, locked, and whether its subscription was deleted."""
    return await con.fetchrow(
        "SELECT d.status, d.next_attempt_at, d.attempts, d.round_attempts, d.channel,"
        " s.deleted_at IS NOT NULL AS subscription_deleted FROM deliveries d"
        " LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.id = d.subscription_id"
        " WHERE d.id = $1 FOR UPDATE OF d",
        delivery_id,
    )


async def redeliver(con: asyncpg.Connection, delivery_id: UUID) -> None:
    """Due now, with a fresh round of attempts."""
    await con.execute(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = now(), round_attempts = 0,"
        " parked_at = NULL, updated_at = now(), claim = NULL, claimed_until = NULL"
        " WHERE id = $1",
        delivery_id,
    )


@dataclass(frozen=True)
class ParkedSelection:
    """Which parked deliveries to send again; every given field must match. Empty: all."""

    subscription_id: UUID | None = None
    channel: str | None = None
    event_id: UUID | None = None
    parked_after: datetime | None = None
    parked_before: datetime | None = None
    limit: int = 10_000


async def redeliver_parked(con: asyncpg.Connection, selection: ParkedSelection) -> list[UUID]:
    """Parked deliveries that match, whose target still exists, due again now: their ids."""
    rows = await con.fetch(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = now(), round_attempts = 0,"
        " parked_at = NULL, updated_at = now(), claim = NULL, claimed_until = NULL"
        " WHERE id IN ("
        "  SELECT d.id FROM deliveries d"
        "  LEFT JOIN webhook_subscriptions s"
        "    ON d.channel = 'webhook' AND s.id = d.subscription_id"
        "  LEFT JOIN contacts c ON d.channel = 'email' AND c.id = d.subscription_id"
        "  WHERE d.status = 'parked'"
        "    AND (d.channel <> 'webhook' OR s.deleted_at IS NULL)"
        "    AND (d.channel <> 'email' OR c.id IS NOT NULL)"
        "    AND ($1::uuid IS NULL OR d.subscription_id = $1)"
        "    AND ($2::text IS NULL OR d.channel = $2)"
        "    AND ($3::uuid IS NULL OR d.event_id = $3)"
        "    AND ($4::timestamptz IS NULL OR d.parked_at >= $4)"
        "    AND ($5::timestamptz IS NULL OR d.parked_at < $5)"
        "  ORDER BY d.seq LIMIT $6 FOR UPDATE OF d SKIP LOCKED)"
        " RETURNING id",
        selection.subscription_id,
        selection.channel,
        selection.event_id,
        selection.parked_after,
        selection.parked_before,
        selection.limit,
    )
    return [r["id"] for r in rows]


async def park_for_deleted_subscription(con: asyncpg.Connection, sid: UUID) -> None:
    """What still waited for a deleted subscription (not redeliverable)."""
    await con.execute(
        "UPDATE deliveries SET status = 'parked', next_attempt_at = NULL, parked_at = now(),"
        " updated_at = now(), last_error = 'the subscription was deleted'"
        " WHERE subscription_id = $1 AND channel = 'webhook' AND status = 'pending'",
        sid,
    )


async def park_for_removed_contact(con: asyncpg.Connection, contact_id: UUID) -> None:
    """Emails not claimed yet for an address that was removed."""
    await con.execute(
        "UPDATE deliveries SET status = 'parked', next_attempt_at = NULL, parked_at = now(),"
        " updated_at = now(), last_error = 'the recipient removed their email address'"
        " WHERE subscription_id = $1 AND channel = 'email' AND status = 'pending'"
        " AND claim IS NULL",
        contact_id,
    )
