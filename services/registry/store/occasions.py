"""Occasions achievements are dedicated to."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

import asyncpg

from services.registry.domain import occasions as o


def _occasion(r: asyncpg.Record) -> o.Occasion:
    return o.Occasion(r["id"], r["code"], r["name"], r["starts_on"], r["ends_on"])


async def save_occasion(con: asyncpg.Connection, x: o.Occasion) -> None:
    await con.execute(
        "INSERT INTO occasions (id, code, name, starts_on, ends_on) VALUES ($1, $2, $3, $4, $5)",
        x.occasion_id,
        x.code,
        x.name,
        x.starts_on,
        x.ends_on,
    )


async def get_occasion(con: asyncpg.Connection, occasion_id: UUID) -> o.Occasion | None:
    r = await con.fetchrow("SELECT * FROM occasions WHERE id = $1", occasion_id)
    return None if r is None else _occasion(r)


async def occasion_id_by_code(con: asyncpg.Connection, code: str) -> UUID | None:
    return await con.fetchval("SELECT id FROM occasions WHERE code = $1", code)


async def list_occasions(con: asyncpg.Connection) -> list[o.Occasion]:
    """Every occasion, the latest first (the list stays short: a few a year)."""
    rows = await con.fetch("SELECT * FROM occasions ORDER BY starts_on DESC, code")
    return [_occasion(r) for r in rows]


async def known_occasions(con: asyncpg.Connection, ids: Iterable[UUID]) -> set[UUID]:
    rows = await con.fetch("SELECT id FROM occasions WHERE id = ANY($1::uuid[])", list(ids))
    return {r["id"] for r in rows}
