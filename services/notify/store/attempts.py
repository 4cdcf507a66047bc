"""Attempts written down: their beginnings (before the requests go out) and, in batches, their
ends with the deliveries' next states and the subscribers' health."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from servicekit.db import Statement, columns

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


# $1 deliveries, $2 webhook subscriptions. Subscriptions are locked before deliveries, as every
# writer of both takes them, each in id order: the deliveries' scan waits for the subscriptions'
# (an uncorrelated subquery in its WHERE clause is evaluated once, before its first row).
_LOCK = """
WITH subs AS MATERIALIZED (
    SELECT id, client_id, consecutive_failures, suspended_at FROM webhook_subscriptions
    WHERE id = ANY($2::uuid[]) ORDER BY id FOR UPDATE
), dels AS MATERIALIZED (
    SELECT id, status, next_attempt_at, attempts, round_attempts, last_status, last_error, claim
    FROM deliveries
    WHERE id = ANY($1::uuid[]) AND (SELECT count(*) FROM subs) >= 0
    ORDER BY id FOR UPDATE
)
SELECT false AS sub, id, NULL AS client_id, NULL::int AS consecutive_failures,
       NULL::timestamptz AS suspended_at, status, next_attempt_at, attempts, round_attempts,
       last_status, last_error, claim, now() AS now
FROM dels
UNION ALL
SELECT true, id, client_id, consecutive_failures, suspended_at, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, now()
FROM subs
"""


async def lock(
    con: asyncpg.Connection, deliveries: list[UUID], subscriptions: list[UUID]
) -> tuple[list[asyncpg.Record], list[asyncpg.Record]]:
    """The deliveries' states with the database's now, and the webhook subscribers' health,
    all locked, in one statement: (deliveries, subscriptions)."""
    rows = await con.fetch(_LOCK, sorted(deliveries), sorted(subscriptions))
    return [r for r in rows if not r["sub"]], [r for r in rows if r["sub"]]


def update_deliveries(rows: Sequence[tuple[Any, ...]]) -> Statement:
    """(id, status, next_attempt_at, attempts, round_attempts, last_status, last_error, now):
    the next states, the leases ended."""
    return (
        "UPDATE deliveries d SET status = u.status, next_attempt_at = u.next_attempt_at,"
        " attempts = u.attempts, round_attempts = u.round_attempts,"
        " last_status = u.last_status, last_error = u.last_error, claim = NULL,"
        " claimed_until = NULL, updated_at = u.now,"
        " delivered_at = CASE WHEN u.status = 'delivered' THEN u.now ELSE d.delivered_at END,"
        " parked_at = CASE WHEN u.status = 'parked' THEN u.now ELSE NULL END"
        " FROM unnest($1::uuid[], $2::text[], $3::timestamptz[], $4::int[], $5::int[],"
        " $6::int[], $7::text[], $8::timestamptz[])"
        " AS u(id, status, next_attempt_at, attempts, round_attempts, last_status, last_error,"
        " now) WHERE d.id = u.id",
        columns(rows, 8),
    )


def end(rows: Sequence[tuple[Any, ...]]) -> Statement:
    """(attempt id, duration_ms, status, error, result) of attempts that ended."""
    return (
        "UPDATE delivery_attempts a SET duration_ms = e.duration_ms, status = e.status,"
        " error = e.error, result = e.result"
        " FROM unnest($1::bigint[], $2::int[], $3::int[], $4::text[], $5::text[])"
        " AS e(id, duration_ms, status, error, result) WHERE a.id = e.id",
        columns(rows, 5),
    )


def update_health(rows: Sequence[tuple[Any, ...]]) -> Statement:
    """(subscription id, consecutive_failures, suspended_at, reason or None)."""
    return (
        "UPDATE webhook_subscriptions s SET consecutive_failures = h.failures,"
        " suspended_at = h.suspended_at, suspended_reason = coalesce(h.reason, s.suspended_reason)"
        " FROM unnest($1::uuid[], $2::int[], $3::timestamptz[], $4::text[])"
        " AS h(id, failures, suspended_at, reason) WHERE s.id = h.id",
        columns(rows, 4),
    )
