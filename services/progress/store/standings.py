"""Standings: the marks of the blocs to rank again (`standings_dirty`) and each bloc's stored
ranking for a year."""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg


async def mark_units_dirty(con: asyncpg.Connection, pairs: Iterable[tuple[UUID, int]]) -> None:
    """The standings of every bloc these units belong to in these years need recomputing."""
    pairs = sorted(set(pairs))
    if pairs:
        await con.execute(
            """
            INSERT INTO standings_dirty (bloc_id, year)
            SELECT DISTINCT m.bloc_id, m.year
            FROM unnest($1::uuid[], $2::int[]) AS x(unit_id, year)
            JOIN bloc_members m ON m.unit_id = x.unit_id AND m.year = x.year
            """,
            [u for u, _ in pairs],
            [y for _, y in pairs],
        )


async def mark_units_dirty_all_years(con: asyncpg.Connection, unit_ids: Iterable[UUID]) -> None:
    ids = sorted(set(unit_ids))
    if ids:
        await con.execute(
            """
            INSERT INTO standings_dirty (bloc_id, year)
            SELECT DISTINCT bloc_id, year FROM bloc_members WHERE unit_id = ANY($1::uuid[])
            """,
            ids,
        )


async def mark_blocs_dirty(con: asyncpg.Connection, pairs: Iterable[tuple[UUID, int]]) -> None:
    pairs = sorted(set(pairs))
    if pairs:
        await con.execute(
            "INSERT INTO standings_dirty (bloc_id, year)"
            " SELECT * FROM unnest($1::uuid[], $2::int[])",
            [b for b, _ in pairs],
            [y for _, y in pairs],
        )


async def mark_year_dirty(con: asyncpg.Connection | asyncpg.Pool, year: int) -> None:
    await con.execute(
        "INSERT INTO standings_dirty (bloc_id, year)"
        " SELECT bloc_id, year FROM blocs WHERE year = $1",
        year,
    )


async def take_dirty(con: asyncpg.Connection, limit: int) -> list[tuple[UUID, int]]:
    """Claim the marks of up to `limit` (bloc, year) pairs, oldest first, every mark of each (a
    burst of batches marks the same blocs many times: one recomputation answers them all), and
    delete them; marks another instance holds are skipped. The caller recomputes in the same
    transaction, whose later statements see every change that made these marks."""
    rows = await con.fetch(
        """
        WITH pairs AS (
            SELECT bloc_id, year FROM standings_dirty
            GROUP BY bloc_id, year ORDER BY min(id) LIMIT $1
        )
        DELETE FROM standings_dirty WHERE id IN (
            SELECT d.id FROM standings_dirty d JOIN pairs p USING (bloc_id, year)
            FOR UPDATE OF d SKIP LOCKED)
        RETURNING bloc_id, year
        """,
        limit,
    )
    return sorted({(r["bloc_id"], r["year"]) for r in rows})


async def lock_standings(con: asyncpg.Connection, bloc_id: UUID, year: int) -> asyncpg.Record:
    await con.execute(
        "INSERT INTO standings (bloc_id, year) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        bloc_id,
        year,
    )
    row = await con.fetchrow(
        "SELECT * FROM standings WHERE bloc_id = $1 AND year = $2 FOR UPDATE", bloc_id, year
    )
    assert row is not None  # inserted just above, or there already
    return row


async def get_standings(con: asyncpg.Connection, bloc_id: UUID, year: int) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM standings WHERE bloc_id = $1 AND year = $2", bloc_id, year
    )


async def save_standings(
    con: asyncpg.Connection,
    bloc_id: UUID,
    year: int,
    version: int,
    ranking: list[dict[str, Any]],
    computed_on: date,
) -> None:
    await con.execute(
        "UPDATE standings SET version = $3, ranking = $4::jsonb, computed_on = $5"
        " WHERE bloc_id = $1 AND year = $2",
        bloc_id,
        year,
        version,
        json.dumps(ranking),
        computed_on,
    )


def ranking_json(raw: Any) -> list[dict[str, Any]]:
    return json.loads(raw) if isinstance(raw, str) else list(raw or [])
