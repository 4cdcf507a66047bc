"""Attempts written down: their beginnings (before the requests go out) and, in batches, their
ends with the deliveries' next states and the subscribers' health."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

INTERRUPTED = "unknown: interrupted before its outcome was recorded (the receiver may have had it)"

# $1 deliveries, $2 their claims, $3 their leases (s), $4 INTERRUPTED. Returns each begun
# delivery's new attempt row; a delivery whose claim is no longer the given one is left out.
_BEGIN = """
WITH started AS (
    UPDATE deliveries d
    SET attempts = d.attempts + 1, round_attempts = d.round_attempts + 1,
        claimed_until = now() + make_interval(secs => j.lease_s), updated_at = now()
    FROM unnest($1::uuid[], $2::uuid[], $3::float8[]) AS j(id, claim, lease_s)
    WHERE d.id = j.id AND d.claim = j.claim AND d.status = 'pending'
    RETURNING d.id, d.attempts
), interrupted AS (
    UPDATE delivery_attempts a SET result = 'interrupted', error = $4
    FROM started s WHERE a.delivery_id = s.id AND a.result = 'sending'
)
INSERT INTO delivery_attempts (delivery_id, number, started_at, result)
SELECT id, attempts, now(), 'sending' FROM started
RETURNING delivery_id, id
"""


async def begin(
    pool: asyncpg.Pool, ids: list[UUID], claims: list[UUID], leases_s: list[float]
) -> dict[UUID, int]:
    """Begin an attempt of each delivery still held by its claim: delivery id → attempt row id.
    A row still 'sending' becomes 'interrupted' (its outcome was never recorded)."""
    async with pool.acquire() as con:
        rows = await con.fetch(_BEGIN, ids, claims, leases_s, INTERRUPTED)
    return {r["delivery_id"]: r["id"] for r in rows}


async def lock_subscribers(con: asyncpg.Connection, ids: list[UUID]) -> list[asyncpg.Record]:
    """The subscribers' health, locked, in id order (subscriptions before deliveries, as every
    writer of both takes them)."""
    return await con.fetch(
        "SELECT id, client_id, consecutive_failures, suspended_at"
        " FROM webhook_subscriptions WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
        sorted(ids),
    )


async def lock_deliveries(con: asyncpg.Connection, ids: list[UUID]) -> list[asyncpg.Record]:
    """The deliveries' states and the database's now, locked, in id order."""
    return await con.fetch(
        "SELECT id, status, next_attempt_at, attempts, round_attempts, last_status,"
        " last_error, claim, now() AS now FROM deliveries"
        " WHERE id = ANY($1::uuid[]) ORDER BY id FOR UPDATE",
        sorted(ids),
    )


async def update_deliveries(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """(id, status, next_attempt_at, attempts, round_attempts, last_status, last_error, now):
    the next states, the leases ended."""
    await con.executemany(
        "UPDATE deliveries SET status = $2, next_attempt_at = $3, attempts = $4,"
        " round_attempts = $5, last_status = $6, last_error = $7, claim = NULL,"
        " claimed_until = NULL, updated_at = $8,"
        " delivered_at = CASE WHEN $2 = 'delivered' THEN $8 ELSE delivered_at END,"
        " parked_at = CASE WHEN $2 = 'parked' THEN $8 ELSE NULL END"
        " WHERE id = $1",
        rows,
    )


async def end(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """(attempt id, duration_ms, status, error, result) of attempts that ended."""
    await con.executemany(
        "UPDATE delivery_attempts SET duration_ms = $2, status = $3, error = $4,"
        " result = $5 WHERE id = $1",
        rows,
    )


async def update_health(con: asyncpg.Connection, rows: Sequence[tuple[Any, ...]]) -> None:
    """(subscription id, consecutive_failures, suspended_at, reason or None)."""
    await con.executemany(
        "UPDATE webhook_subscriptions SET consecutive_failures = $2,"
        " suspended_at = $3, suspended_reason = coalesce($4, suspended_reason)"
        " WHERE id = $1",
        rows,
    )
