"""The dispatcher's claims on due deliveries: taking a batch, the next due time, giving back.

A subscriber's leases (`claimed_until`) are held by one dispatcher at a time: a claim skips
subscribers whose live leases belong to other dispatchers' claims. Claims are serialised by a
transaction advisory lock and take their rows `FOR UPDATE SKIP LOCKED`; subscribers take turns
(round robin by rank), and a suspended subscriber's deliveries wait."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from servicekit.db import advisory_key

CLAIM_LOCK = advisory_key("notify.dispatcher.claim")

# The claim is the function `notify_claim` (migrations/0003_one_statement_claim.sql): the lock
# and the claim in one round trip. A subscriber with live leases of other claims is skipped; what
# this dispatcher holds counts against its batch, and is not claimed again, even when its lease
# ran out while it waited for a slot (its beginning renews the lease, or finds it taken over).
# Returns each claimed delivery with its event and its subscription (webhook; NULLs if gone) or
# its contact's address (email): what sending needs, in the claim's round trip.
_CLAIM = "SELECT * FROM notify_claim($1, $2, $3, $4, $5, $6, $7)"

# Seconds until the next delivery this process could claim comes due (negative: already due),
# leaving out subscribers another dispatcher holds, those this one holds a full batch of, and
# suspended ones.
_NEXT_DUE = """
WITH busy AS (
    SELECT subscription_id FROM deliveries
    WHERE status = 'pending' AND claimed_until IS NOT NULL
      AND (claimed_until > now() OR claim = ANY($3::uuid[]))
    GROUP BY subscription_id
    HAVING count(*) FILTER (WHERE claim <> ALL($3::uuid[]) AND claimed_until > now()) > 0
        OR count(*) FILTER (WHERE claim = ANY($3::uuid[])) >= $1
)
SELECT EXTRACT(EPOCH FROM min(d.next_attempt_at) - now())::float8
FROM deliveries d
LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.id = d.subscription_id
WHERE d.status = 'pending' AND d.channel = ANY($2::text[])
  AND (d.claimed_until IS NULL OR d.claimed_until <= now())
  AND (d.claim = ANY($3::uuid[])) IS NOT TRUE
  AND s.suspended_at IS NULL
  AND d.subscription_id NOT IN (SELECT subscription_id FROM busy)
"""


async def claim(
    pool: asyncpg.Pool,
    channel: str,
    *,
    batch: int,
    room: int,
    claim_id: UUID,
    lease_s: float,
    held: list[UUID],
) -> list[asyncpg.Record]:
    """Up to `batch` due deliveries per subscriber (less what `held` claims hold) and `room` in
    all, under the new claim `claim_id`, leased for `lease_s`."""
    return await pool.fetch(_CLAIM, channel, batch, room, claim_id, lease_s, held, CLAIM_LOCK)


async def next_due(
    pool: asyncpg.Pool, *, batch: int, channels: list[str], held: list[UUID]
) -> float | None:
    async with pool.acquire() as con:
        due: float | None = await con.fetchval(_NEXT_DUE, batch, channels, held)
        return due


async def give_back(pool: asyncpg.Pool, ids: list[UUID], claims: list[UUID]) -> None:
    """End the leases of claimed deliveries that were never sent."""
    await pool.execute(
        "UPDATE deliveries SET claim = NULL, claimed_until = NULL"
        " WHERE id = ANY($1::uuid[]) AND claim = ANY($2::uuid[]) AND status = 'pending'",
        ids,
        claims,
    )
