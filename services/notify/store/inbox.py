"""Inbox items: written by the intake (one per concerned recipient and event) and by notify's
own notices; read and marked by their owners."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from servicekit.db import Statement, columns

_COLUMNS = "seq, id, event_id, event_type, why, title, body, occurred_at, created_at, read_at"


def add_items(rows: Sequence[tuple[Any, ...]]) -> Statement:
    """(id, recipient_kind, recipient_id, event_id, event_type, why, title, body, occurred_at);
    once per (recipient, event). One statement for them all, to run with the batch's others."""
    return (
        "INSERT INTO inbox_items (id, recipient_kind, recipient_id, event_id, event_type, why,"
        " title, body, occurred_at) SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[],"
        " $4::uuid[], $5::text[], $6::text[], $7::text[], $8::text[], $9::timestamptz[])"
        " ON CONFLICT DO NOTHING",
        columns(rows, 9),
    )


async def add_client_notice(
    con: asyncpg.Connection,
    client_id: str,
    event_type: str,
    title: str,
    body: str,
    now: datetime,
) -> None:
    """A notice of notify's own to an integration client (about no event)."""
    await con.execute(
        "INSERT INTO inbox_items (id, recipient_kind, recipient_id, event_id, event_type, why,"
        " title, body, occurred_at) VALUES ($1, 'client', $2, NULL, $3, 'subscription_owner',"
        " $4, $5, $6)",
        uuid4(),
        client_id,
        event_type,
        title,
        body,
        now,
    )


async def items(
    con: asyncpg.Connection,
    kind: str,
    owner: str,
    *,
    cursor: int | None,
    unread_only: bool,
    limit: int,
) -> list[asyncpg.Record]:
    """Newest first, before `cursor` (a `seq`)."""
    return await con.fetch(
        f"SELECT {_COLUMNS} FROM inbox_items"
        " WHERE recipient_kind = $1 AND recipient_id = $2"
        " AND ($3::bigint IS NULL OR seq < $3) AND (NOT $4 OR read_at IS NULL)"
        " ORDER BY seq DESC LIMIT $5",
        kind,
        owner,
        cursor,
        unread_only,
        limit,
    )


async def unread(con: asyncpg.Connection, kind: str, owner: str) -> int:
    count: int = await con.fetchval(
        "SELECT count(*) FROM inbox_items"
        " WHERE recipient_kind = $1 AND recipient_id = $2 AND read_at IS NULL",
        kind,
        owner,
    )
    return count


async def mark_read(
    con: asyncpg.Connection, kind: str, owner: str, item_id: UUID
) -> asyncpg.Record | None:
    """The item, read (None if the owner has no such item)."""
    return await con.fetchrow(
        "UPDATE inbox_items SET read_at = coalesce(read_at, now())"
        " WHERE recipient_kind = $1 AND recipient_id = $2 AND id = $3"
        f" RETURNING {_COLUMNS}",
        kind,
        owner,
        item_id,
    )


async def mark_all_read(con: asyncpg.Connection, kind: str, owner: str) -> int:
    """How many items were unread."""
    status = await con.execute(
        "UPDATE inbox_items SET read_at = now()"
        " WHERE recipient_kind = $1 AND recipient_id = $2 AND read_at IS NULL",
        kind,
        owner,
    )
    return int(status.split()[-1])
