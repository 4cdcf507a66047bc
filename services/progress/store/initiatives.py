"""Recognised initiatives."""

from __future__ import annotations

import json
from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.progress.domain import (
    Initiative,
)


async def save_initiatives(con: asyncpg.Connection, items: Sequence[Initiative]) -> set[UUID]:
    if not items:
        return set()
    rows = await con.fetch(
        """
        INSERT INTO initiatives (initiative_id, title, level, recognised_on, author_ids, unit_id,
                                 kind, scope)
        SELECT x.id, x.title, x.level, x.recognised_on,
               ARRAY(SELECT json_array_elements_text(x.authors)::uuid), x.unit_id, x.kind, x.scope
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::json[], $6::uuid[],
                    $7::text[], $8::text[])
             AS x(id, title, level, recognised_on, authors, unit_id, kind, scope)
        ON CONFLICT DO NOTHING
        RETURNING initiative_id
        """,
        [i.id for i in items],
        [i.title for i in items],
        [i.level for i in items],
        [i.recognised_on for i in items],
        [json.dumps([str(a) for a in i.author_ids]) for i in items],
        [i.unit_id for i in items],
        [i.kind for i in items],
        [i.scope for i in items],
    )
    return {r["initiative_id"] for r in rows}


async def list_initiatives(
    con: asyncpg.Connection, unit_id: UUID | None, year: int | None, limit: int
) -> list[asyncpg.Record]:
    return await con.fetch(
        """
        SELECT * FROM initiatives
        WHERE ($1::uuid IS NULL OR unit_id = $1)
          AND ($2::int IS NULL OR extract(year FROM recognised_on) = $2)
        ORDER BY recognised_on DESC, initiative_id LIMIT $3
        """,
        unit_id,
        year,
        limit,
    )
