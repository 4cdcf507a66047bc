"""A bloc's leader for a year: determined, reopened, awaiting its determination."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from decimal import Decimal
from uuid import UUID

import asyncpg


async def get_leader(con: asyncpg.Connection, bloc_id: UUID, year: int) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM bloc_leaders WHERE bloc_id = $1 AND year = $2", bloc_id, year
    )


async def save_leaders(
    con: asyncpg.Connection,
    leaders: Sequence[tuple[UUID, int, UUID, Decimal, bool]],
    *,
    overwrite: bool = False,
) -> set[tuple[UUID, int]]:
    """Record (bloc, year, leader, score, by_vote); the first record of a bloc and year stands,
    unless `overwrite` (the bus's record, read back by a rebuild). Returns the pairs written."""
    if not leaders:
        return set()
    conflict = (
        "DO UPDATE SET leader_unit_id = EXCLUDED.leader_unit_id, score = EXCLUDED.score,"
        " by_vote = EXCLUDED.by_vote"
        if overwrite
        else "DO NOTHING"
    )
    rows = await con.fetch(
        f"""
        INSERT INTO bloc_leaders (bloc_id, year, leader_unit_id, score, by_vote)
        SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::numeric[], $5::bool[])
        ON CONFLICT (bloc_id, year) {conflict}
        RETURNING bloc_id, year
        """,
        *map(list, zip(*leaders, strict=True)),
    )
    return {(r["bloc_id"], r["year"]) for r in rows}


async def blocs_awaiting_leader(
    con: asyncpg.Connection, before_year: int
) -> list[tuple[UUID, int, datetime | None]]:
    """Blocs of years before `before_year` with no leader recorded and never reopened, with when
    they were formed."""
    rows = await con.fetch(
        """
        SELECT b.bloc_id, b.year, b.formed_at FROM blocs b
        WHERE b.year < $1 AND b.code <> ''
          AND NOT EXISTS (SELECT 1 FROM bloc_leaders l
                          WHERE l.bloc_id = b.bloc_id AND l.year = b.year)
          AND NOT EXISTS (SELECT 1 FROM bloc_leader_reopenings o
                          WHERE o.bloc_id = b.bloc_id AND o.year = b.year)
        ORDER BY b.year, b.bloc_id
        """,
        before_year,
    )
    return [(r["bloc_id"], r["year"], r["formed_at"]) for r in rows]


async def reopen_leaders(
    con: asyncpg.Connection, rows: Sequence[tuple[UUID, int, datetime, UUID, str]]
) -> None:
    """(bloc, year, reopened_at, previous leader, reason): the leader no longer stands."""
    if rows:
        await con.executemany(
            """
            INSERT INTO bloc_leader_reopenings
                (bloc_id, year, reopened_at, previous_leader_unit_id, reason)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
            """,
            rows,
        )
        await con.execute(
            """
            DELETE FROM bloc_leaders l USING unnest($1::uuid[], $2::int[]) AS x(bloc_id, year)
            WHERE l.bloc_id = x.bloc_id AND l.year = x.year
            """,
            [r[0] for r in rows],
            [r[1] for r in rows],
        )


async def reopenings(con: asyncpg.Connection, bloc_id: UUID, year: int) -> int:
    """How many times the bloc's leader for the year was reopened."""
    return await con.fetchval(
        "SELECT count(*) FROM bloc_leader_reopenings WHERE bloc_id = $1 AND year = $2",
        bloc_id,
        year,
    )
