"""The registry's occasions (read model): what a campaign may be dedicated to."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg


async def upsert_occasions(con: asyncpg.Connection, rows: Sequence[Any]) -> None:
    """OccasionDefined events: the latest definition of each occasion stands."""
    if rows:
        await con.executemany(
            "INSERT INTO occasions (occasion_id, code, name, starts_on, ends_on)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (occasion_id) DO UPDATE SET"
            " code = EXCLUDED.code, name = EXCLUDED.name, starts_on = EXCLUDED.starts_on,"
            " ends_on = EXCLUDED.ends_on",
            [(e.occasion_id, e.code, e.name, e.starts_on, e.ends_on) for e in rows],
        )


async def occasion_exists(con: asyncpg.Connection, occasion_id: UUID) -> bool:
    return bool(await con.fetchval("SELECT 1 FROM occasions WHERE occasion_id = $1", occasion_id))
