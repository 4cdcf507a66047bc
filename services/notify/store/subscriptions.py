"""Webhook subscriptions: their rows, filters, secrets (sealed) and health."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID

import asyncpg

_SELECT = "SELECT *, now() AS now FROM webhook_subscriptions"


async def find(con: asyncpg.Connection, sid: UUID, *, lock: bool = False) -> asyncpg.Record | None:
    """A subscription not deleted, with the database's now."""
    return await con.fetchrow(
        f"{_SELECT} WHERE id = $1 AND deleted_at IS NULL{' FOR UPDATE' if lock else ''}", sid
    )


async def page(
    con: asyncpg.Connection,
    *,
    client_id: str | None,
    status: str | None,
    after: tuple[datetime, UUID] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Live subscriptions by creation, after the (created_at, id) of `after`."""
    return await con.fetch(
        f"{_SELECT} WHERE deleted_at IS NULL AND ($1::text IS NULL OR client_id = $1)"
        " AND ($2::text IS NULL OR (suspended_at IS NOT NULL) = ($2 = 'suspended'))"
        " AND ($3::timestamptz IS NULL OR (created_at, id) > ($3, $4::uuid))"
        " ORDER BY created_at, id LIMIT $5",
        client_id,
        status,
        after[0] if after else None,
        after[1] if after else None,
        limit,
    )


async def insert(
    con: asyncpg.Connection,
    sid: UUID,
    client_id: str,
    url: str,
    filter_json: str,
    description: str | None,
    sealed_secret: bytes,
) -> asyncpg.Record:
    row = await con.fetchrow(
        "INSERT INTO webhook_subscriptions (id, client_id, url, filter, description, secret)"
        " VALUES ($1, $2, $3, $4::jsonb, $5, $6) RETURNING *, now() AS now",
        sid,
        client_id,
        url,
        filter_json,
        description,
        sealed_secret,
    )
    assert row is not None  # INSERT ... RETURNING returns its row
    return row


async def update(
    con: asyncpg.Connection, sid: UUID, url: str, filter_json: str, description: str | None
) -> asyncpg.Record:
    row = await con.fetchrow(
        "UPDATE webhook_subscriptions SET url = $2, filter = $3::jsonb, description = $4,"
        " updated_at = now() WHERE id = $1 RETURNING *, now() AS now",
        sid,
        url,
        filter_json,
        description,
    )
    assert row is not None, "the caller holds the subscription's row lock"
    return row


async def mark_deleted(con: asyncpg.Connection, sid: UUID) -> None:
    await con.execute(
        "UPDATE webhook_subscriptions SET deleted_at = now(), updated_at = now() WHERE id = $1",
        sid,
    )


async def rotate(
    con: asyncpg.Connection, sid: UUID, sealed_secret: bytes, grace: timedelta
) -> datetime:
    """The new secret in place, the current one kept for `grace`: returns until when."""
    until: datetime | None = await con.fetchval(
        "UPDATE webhook_subscriptions SET previous_secret = secret, secret = $2,"
        " previous_secret_until = now() + $3::interval, secret_rotated_at = now(),"
        " updated_at = now() WHERE id = $1 RETURNING previous_secret_until",
        sid,
        sealed_secret,
        grace,
    )
    assert until is not None, "the caller holds the subscription's row lock"
    return until


async def resume(con: asyncpg.Connection, sid: UUID) -> asyncpg.Record:
    row = await con.fetchrow(
        "UPDATE webhook_subscriptions SET suspended_at = NULL, suspended_reason = NULL,"
        " consecutive_failures = 0, updated_at = now() WHERE id = $1 RETURNING *, now() AS now",
        sid,
    )
    assert row is not None, "the caller holds the subscription's row lock"
    return row
