"""Email addresses: set one (what reaches the inbox is emailed from then on), or remove it (the
emails not sent yet go nowhere)."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.notify.store import contacts as store
from services.notify.store import deliveries


async def put(con: asyncpg.Connection, kind: str, owner: UUID, email: str) -> asyncpg.Record:
    return await store.put(con, kind, owner, email)


async def remove(con: asyncpg.Connection, kind: str, owner: UUID) -> bool:
    """Whether there was an address to remove."""
    contact_id = await store.delete(con, kind, owner)
    if contact_id is None:
        return False
    await deliveries.park_for_removed_contact(con, contact_id)
    return True
