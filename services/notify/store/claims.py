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

# $6: this dispatcher's claims. A subscriber with live leases of other claims is skipped; what
# this dispatcher holds counts against its batch, and is not claimed again, even when its lease
# ran out while it waited for a slot (its beginning renews the lease, or finds it taken over).
# Returns each claimed delivery with its event and its subscription (webhook; NULLs if gone) or
# its contact's address (email): what sending needs, in the claim's round trip.
_CLAIM = """
WITH live AS (
    SELECT subscription_id,
           count(*) FILTER (WHERE claim = ANY($6::uuid[])) AS mine,
           count(*) FILTER (WHERE claim <> ALL($6::uuid[]) AND claimed_until > now()) AS others
    FROM deliveries
    WHERE status = 'pending' AND claimed_until IS NOT NULL
      AND (claimed_until > now() OR claim = ANY($6::uuid[]))
    GROUP BY subscription_id
), ranked AS (
    SELECT d.id, d.subscription_id, d.next_attempt_at,
           row_number() OVER (PARTITION BY d.subscription_id
                              ORDER BY d.next_attempt_at, d.seq) AS rn
    FROM deliveries d
    LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.id = d.subscription_id
    WHERE d.status = 'pending' AND d.channel = $1
      AND d.next_attempt_at <= now()
      AND (d.claimed_until IS NULL OR d.claimed_until <= now())
      AND (d.claim = ANY($6::uuid[])) IS NOT TRUE
      AND s.suspended_at IS NULL
), eligible AS (
    SELECT r.id FROM ranked r LEFT JOIN live l USING (subscription_id)
    WHERE coalesce(l.others, 0) = 0 AND r.rn <= $2 - coalesce(l.mine, 0)
    ORDER BY r.rn, r.next_attempt_at
    LIMIT $3
), locked AS (
    SELECT d.id FROM deliveries d
    WHERE d.id IN (SELECT id FROM eligible)
      AND d.status = 'pending' AND (d.claimed_until IS NULL OR d.claimed_until <= now())
      AND (d.claim = ANY($6::uuid[])) IS NOT TRUE
    FOR UPDATE SKIP LOCKED
), claimed AS (
    UPDATE deliveries d SET claim = $4, claimed_until = now() + make_interval(secs => $5)
    FROM locked WHERE d.id = locked.id
    RETURNING d.id, d.event_id, d.channel, d.subscription_id, d.subject AS mail_subject,
              d.text_body, d.html_body, d.trace, d.attempts
)
SELECT c.*, e.type, e.source, e.subject, e.time, e.dataschema, e.payload,
       s.id AS s_id, s.url, s.secret, s.previous_secret, s.previous_secret_until,
       s.deleted_at, now() AS now, ct.email
FROM claimed c
JOIN notify_events e ON e.event_id = c.event_id
LEFT JOIN webhook_subscriptions s ON c.channel = 'webhook' AND s.id = c.subscription_id
LEFT JOIN contacts ct ON c.channel = 'email' AND ct.id = c.subscription_id
"""

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
    async with pool.acquire() as con, con.transaction():
        await con.execute("SELECT pg_advisory_xact_lock($1)", CLAIM_LOCK)
        return await con.fetch(_CLAIM, channel, batch, room, claim_id, lease_s, held)


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
