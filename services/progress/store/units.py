"""The registry's units and people (read model): names and codes, closures and successors, which
unit a person belongs to."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from servicekit.closures import UnitEnd
from services.progress.store.rows import columns


async def upsert_units(con: asyncpg.Connection, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    await con.execute(
        """
        INSERT INTO units (unit_id, code, name, kind, level, parent_id, valid_from, valid_to)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                             $6::uuid[], $7::date[], $8::date[])
        ON CONFLICT (unit_id) DO UPDATE SET code = EXCLUDED.code, name = EXCLUDED.name,
            kind = EXCLUDED.kind, level = EXCLUDED.level, parent_id = EXCLUDED.parent_id,
            valid_to = EXCLUDED.valid_to
        """,
        *columns(
            rows,
            ("unit_id", "code", "name", "kind", "level", "parent_id", "valid_from", "valid_to"),
        ),
    )


async def close_units(con: asyncpg.Connection, closures: Sequence[tuple[UUID, date]]) -> None:
    if closures:
        await con.execute(
            """
            UPDATE units u SET valid_to = x.closed_on
            FROM unnest($1::uuid[], $2::date[]) AS x(unit_id, closed_on)
            WHERE u.unit_id = x.unit_id
            """,
            [u for u, _ in closures],
            [d for _, d in closures],
        )


async def merge_units(con: asyncpg.Connection, merges: Sequence[tuple[UUID, UUID]]) -> None:
    """(merged unit, successor) pairs."""
    if merges:
        await con.execute(
            """
            UPDATE units u SET merged_into = x.successor
            FROM unnest($1::uuid[], $2::uuid[]) AS x(unit_id, successor)
            WHERE u.unit_id = x.unit_id
            """,
            [m for m, _ in merges],
            [s for _, s in merges],
        )


async def record_closures(
    con: asyncpg.Connection, rows: Sequence[tuple[UUID, str | None, list[UUID]]]
) -> None:
    """(unit, closure kind, successors) of UnitClosed; older events carry neither."""
    if rows:
        await con.execute(
            """
            UPDATE units u SET closure_kind = x.kind,
                successor_ids = ARRAY(SELECT jsonb_array_elements_text(x.successors)::uuid)
            FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS x(unit_id, kind, successors)
            WHERE u.unit_id = x.unit_id AND x.kind IS NOT NULL
            """,
            [u for u, _, _ in rows],
            [k for _, k, _ in rows],
            [json.dumps([str(s) for s in succ]) for _, _, succ in rows],
        )


async def unit_ends(
    con: asyncpg.Connection, unit_ids: Iterable[UUID]
) -> dict[UUID, tuple[UnitEnd, str]]:
    """The closed units among `unit_ids`: their closure (a merger's successor from UnitMerged
    when UnitClosed did not name it) and their name."""
    rows = await con.fetch(
        """
        SELECT u.unit_id, u.name, u.valid_to, coalesce(u.closure_kind,
                   CASE WHEN u.merged_into IS NULL THEN 'closed' ELSE 'merged' END) AS kind,
               s.successor_id, s.name AS successor_name
        FROM units u
        LEFT JOIN LATERAL (
            SELECT x.successor_id, x.n, su.name FROM unnest(
                CASE WHEN cardinality(u.successor_ids) > 0 THEN u.successor_ids
                     ELSE array_remove(ARRAY[u.merged_into], NULL) END
            ) WITH ORDINALITY AS x(successor_id, n)
            LEFT JOIN units su ON su.unit_id = x.successor_id
        ) s ON true
        WHERE u.unit_id = ANY($1::uuid[]) AND u.valid_to IS NOT NULL
        ORDER BY u.unit_id, s.n
        """,
        list(set(unit_ids)),
    )
    out: dict[UUID, tuple[UnitEnd, str]] = {}
    for r in rows:
        end, name = out.get(r["unit_id"]) or (UnitEnd(r["valid_to"], r["kind"]), r["name"])
        if r["successor_id"] is not None:
            successor = (r["successor_id"], r["successor_name"] or str(r["successor_id"]))
            end = replace(end, successors=(*end.successors, successor))
        out[r["unit_id"]] = (end, name)
    return out


async def upsert_people(con: asyncpg.Connection, rows: Sequence[tuple[UUID, UUID, date]]) -> None:
    """(person, unit, valid_from): the version in force from the latest valid_from wins."""
    if rows:
        await con.execute(
            """
            INSERT INTO people (person_id, unit_id, valid_from)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::date[])
            ON CONFLICT (person_id) DO UPDATE SET unit_id = EXCLUDED.unit_id,
                valid_from = EXCLUDED.valid_from
            WHERE people.valid_from <= EXCLUDED.valid_from
            """,
            *map(list, zip(*rows, strict=True)),
        )


async def unit_names(con: asyncpg.Connection, unit_ids: Sequence[UUID]) -> dict[UUID, tuple]:
    rows = await con.fetch(
        "SELECT unit_id, name, code FROM units WHERE unit_id = ANY($1::uuid[])", list(unit_ids)
    )
    return {r["unit_id"]: (r["name"], r["code"]) for r in rows}


async def unit_exists(con: asyncpg.Connection, unit_id: UUID) -> bool:
    return bool(await con.fetchval("SELECT 1 FROM units WHERE unit_id = $1", unit_id))


async def people_units(con: asyncpg.Connection, person_ids: Sequence[UUID]) -> dict[UUID, UUID]:
    rows = await con.fetch(
        "SELECT person_id, unit_id FROM people WHERE person_id = ANY($1::uuid[])",
        list(person_ids),
    )
    return {r["person_id"]: r["unit_id"] for r in rows}
