"""Email addresses of people and units (`contacts`), kept by notify alone."""

from __future__ import annotations

from uuid import UUID, uuid4

import asyncpg


async def of_recipients(
    con: asyncpg.Connection, keys: set[tuple[str, UUID]]
) -> dict[tuple[str, UUID], asyncpg.Record]:
    """(owner_kind, owner_id) → the contact's id and created_at, for those who have one."""
    rows = await con.fetch(
        "SELECT c.id, c.owner_kind, c.owner_id, c.created_at FROM contacts c"
        " JOIN unnest($1::text[], $2::uuid[]) AS w(kind, id)"
        " ON c.owner_kind = w.kind AND c.owner_id = w.id",
        [k for k, _ in keys],
        [i for _, i in keys],
    )
    return {(r["owner_kind"], r["owner_id"]): r for r in rows}


async def find(con: asyncpg.Connection, kind: str, owner: UUID) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM contacts WHERE owner_kind = $1 AND owner_id = $2", kind, owner
    )


async def put(con: asyncpg.Connection, kind: str, owner: UUID, email: str) -> asyncpg.Record:
    row = await con.fetchrow(
        "INSERT INTO contacts (id, owner_kind, owner_id, email) VALUES ($1, $2, $3, $4)"
        " ON CONFLICT (owner_kind, owner_id) DO UPDATE SET email = EXCLUDED.email,"
        " updated_at = now() RETURNING *",
        uuid4(),
        kind,
        owner,
        email,
    )
    assert row is not None  # an upsert returns its row
    return row


async def delete(con: asyncpg.Connection, kind: str, owner: UUID) -> UUID | None:
    """The removed contact's id, None if there was none."""
    contact_id: UUID | None = await con.fetchval(
        "DELETE FROM contacts WHERE owner_kind = $1 AND owner_id = $2 RETURNING id", kind, owner
    )
    return contact_id
