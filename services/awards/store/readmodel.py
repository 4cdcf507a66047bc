"""Lookups in the read model fed by registry and progress events (rm_* tables): people, units
and their tree, campaigns, occasions, initiatives, names for printing, bloc leaders' scores."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any
from uuid import UUID

import asyncpg


async def person(con: asyncpg.Connection, person_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM rm_people WHERE person_id = $1", person_id)


async def unit(con: asyncpg.Connection, unit_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM rm_units WHERE unit_id = $1", unit_id)


async def occasion_exists(con: asyncpg.Connection, occasion_id: UUID) -> bool:
    return bool(
        await con.fetchval("SELECT true FROM rm_occasions WHERE occasion_id = $1", occasion_id)
    )


async def campaign(con: asyncpg.Connection, campaign_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM rm_campaigns WHERE campaign_id = $1", campaign_id)


async def unit_contains(con: asyncpg.Connection, ancestor: UUID, unit_id: UUID) -> bool:
    """`unit_id` is `ancestor` or below it (by the units' current parents)."""
    return bool(
        await con.fetchval(
            """
            WITH RECURSIVE up(unit_id, depth) AS (
                SELECT $2::uuid, 0
                UNION ALL
                SELECT u.parent_id, up.depth + 1 FROM rm_units u JOIN up USING (unit_id)
                 WHERE u.parent_id IS NOT NULL AND up.depth < 64
            )
            SELECT EXISTS (SELECT 1 FROM up WHERE unit_id = $1)
            """,
            ancestor,
            unit_id,
        )
    )


async def nominee_units(
    con: asyncpg.Connection, nominations: Sequence[asyncpg.Record]
) -> dict[UUID, UUID]:
    """Nomination id → the nominee's unit: a person's unit, or the collective itself."""
    people = [n["nominee_id"] for n in nominations if n["nominee_kind"] == "person"]
    rows = await con.fetch(
        "SELECT person_id, unit_id FROM rm_people WHERE person_id = ANY($1::uuid[])", people
    )
    unit_of: dict[UUID, UUID] = {r["person_id"]: r["unit_id"] for r in rows}
    out = {}
    for n in nominations:
        unit = (
            n["nominee_id"] if n["nominee_kind"] == "collective" else unit_of.get(n["nominee_id"])
        )
        if unit is not None:
            out[n["nomination_id"]] = unit
    return out


async def units_up(
    con: asyncpg.Connection, unit_ids: Iterable[UUID]
) -> dict[UUID, list[asyncpg.Record]]:
    """Each unit and the units above it, nearest first: unit_id, kind, level."""
    out: dict[UUID, list[asyncpg.Record]] = {}
    for r in await con.fetch(
        """
        WITH RECURSIVE up(start, unit_id, depth) AS (
            SELECT s, s, 0 FROM unnest($1::uuid[]) AS s
            UNION ALL
            SELECT up.start, u.parent_id, up.depth + 1 FROM rm_units u JOIN up USING (unit_id)
             WHERE u.parent_id IS NOT NULL AND up.depth < 64
        )
        SELECT up.start, u.unit_id, u.kind, u.level FROM up JOIN rm_units u USING (unit_id)
         ORDER BY up.start, up.depth
        """,
        list(unit_ids),
    ):
        out.setdefault(r["start"], []).append(r)
    return out


async def initiatives(con: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, asyncpg.Record]:
    rows = await con.fetch(
        "SELECT * FROM rm_initiatives WHERE initiative_id = ANY($1::uuid[])", list(ids)
    )
    return {r["initiative_id"]: r for r in rows}


async def names(
    con: asyncpg.Connection, subjects: Iterable[tuple[str, UUID]]
) -> dict[UUID, dict[str, Any]]:
    """Display names of nominees: a person's name and unit, a unit's name."""
    persons = [i for k, i in subjects if k == "person"]
    units = [i for k, i in subjects if k == "collective"]
    out: dict[UUID, dict[str, Any]] = {}
    for r in await con.fetch(
        "SELECT p.person_id, p.full_name, p.gender, p.position, p.unit_id, u.name AS unit_name"
        " FROM rm_people p LEFT JOIN rm_units u USING (unit_id)"
        " WHERE p.person_id = ANY($1::uuid[])",
        persons,
    ):
        out[r["person_id"]] = {
            "name": r["full_name"],
            "gender": r["gender"],
            "position": r["position"],
            "unit_id": r["unit_id"],
            "unit_name": r["unit_name"],
        }
    for r in await con.fetch(
        "SELECT u.unit_id, u.name, u.parent_id, pu.name AS parent_name FROM rm_units u"
        " LEFT JOIN rm_units pu ON pu.unit_id = u.parent_id WHERE u.unit_id = ANY($1::uuid[])",
        units,
    ):
        out[r["unit_id"]] = {
            "name": r["name"],
            "unit_id": r["parent_id"],
            "unit_name": r["parent_name"],
        }
    return out


async def bloc_scores(
    con: asyncpg.Connection, unit_ids: Sequence[UUID], years: Sequence[int]
) -> dict[tuple[UUID, int], float]:
    rows = await con.fetch(
        "SELECT leader_unit_id, year, max(score) AS score FROM rm_bloc_leaders"
        " WHERE leader_unit_id = ANY($1::uuid[]) AND year = ANY($2::int[])"
        " GROUP BY leader_unit_id, year",
        list(unit_ids),
        list(years),
    )
    return {(r["leader_unit_id"], r["year"]): r["score"] for r in rows}
