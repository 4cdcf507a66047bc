"""Yearly ratings: every entry in the history, the one in force per subject and year."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.progress.domain import (
    RatingEntry,
)


def rating_entry_of(r: asyncpg.Record) -> RatingEntry:
    return RatingEntry(
        id=r["entry_id"],
        subject_kind=r["subject_kind"],
        subject_id=r["subject_id"],
        year=r["year"],
        rating=r["rating"],
        unit_id=r["unit_id"],
        entered_at=r["entered_at"],
        ldtt_not_conferred=r["ldtt_not_conferred"],
    )


async def current_ratings_for(
    con: asyncpg.Connection, keys: Sequence[tuple[str, UUID, int]]
) -> dict[tuple[str, UUID, int], RatingEntry]:
    if not keys:
        return {}
    rows = await con.fetch(
        """
        SELECT r.* FROM ratings r
        JOIN unnest($1::text[], $2::uuid[], $3::int[]) AS x(kind, subject, year)
          ON r.subject_kind = x.kind AND r.subject_id = x.subject AND r.year = x.year
        ORDER BY r.subject_kind, r.subject_id, r.year
        FOR UPDATE OF r
        """,
        *map(list, zip(*keys, strict=True)),
    )
    return {(r["subject_kind"], r["subject_id"], r["year"]): rating_entry_of(r) for r in rows}


async def save_ratings(
    con: asyncpg.Connection, entries: Sequence[RatingEntry], current: Sequence[RatingEntry]
) -> None:
    """Store `entries` in the history and make `current` the ratings in force."""
    if entries:
        await con.execute(
            """
            INSERT INTO rating_entries (entry_id, subject_kind, subject_id, year, rating, unit_id,
                                        entered_at, ldtt_not_conferred)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::text[],
                                 $6::uuid[], $7::timestamptz[], $8::text[])
            ON CONFLICT DO NOTHING
            """,
            *_entry_columns(entries),
        )
    if current:
        await con.execute(
            """
            INSERT INTO ratings (entry_id, subject_kind, subject_id, year, rating, unit_id,
                                 entered_at, ldtt_not_conferred)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::text[],
                                 $6::uuid[], $7::timestamptz[], $8::text[])
            ON CONFLICT (subject_kind, subject_id, year) DO UPDATE SET
                entry_id = EXCLUDED.entry_id, rating = EXCLUDED.rating,
                unit_id = EXCLUDED.unit_id, entered_at = EXCLUDED.entered_at,
                ldtt_not_conferred = EXCLUDED.ldtt_not_conferred
            WHERE (ratings.entered_at, ratings.entry_id) < (EXCLUDED.entered_at, EXCLUDED.entry_id)
            """,
            *_entry_columns(current),
        )


def _entry_columns(entries: Sequence[RatingEntry]) -> list[list]:
    return [
        [e.id for e in entries],
        [e.subject_kind for e in entries],
        [e.subject_id for e in entries],
        [e.year for e in entries],
        [e.rating for e in entries],
        [e.unit_id for e in entries],
        [e.entered_at for e in entries],
        [e.ldtt_not_conferred for e in entries],
    ]


async def list_ratings(
    con: asyncpg.Connection, unit_id: UUID | None, year: int | None, limit: int
) -> list[asyncpg.Record]:
    return await con.fetch(
        """
        SELECT * FROM ratings
        WHERE ($1::uuid IS NULL OR unit_id = $1) AND ($2::int IS NULL OR year = $2)
        ORDER BY year DESC, subject_kind, subject_id LIMIT $3
        """,
        unit_id,
        year,
        limit,
    )
