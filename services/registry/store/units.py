"""The unit tree's rows: every version of every unit and their closures, loaded and saved as
one aggregate, and the lists and lookups of units.

Writes to the unit tree are serialised by a transaction-scoped advisory lock (the tree is one
aggregate: a cycle or a gap can involve any two units); writes that only read the tree (people,
blocs, campaigns) take the same lock shared, so a unit cannot close under them mid-transaction.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from uuid import UUID

import asyncpg

from servicekit.closures import UnitEnd
from servicekit.db import advisory_key
from servicekit.vietnamese import fold, sort_key
from services.registry.domain.unit_versions import Closure, UnitVersion
from services.registry.domain.units import UnitTree
from services.registry.store.paging import Page, Query, page, search_condition

TREE_LOCK = advisory_key("registry.units.tree")


async def lock_tree(con: asyncpg.Connection, *, shared: bool = False) -> None:
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    await con.execute(f"SELECT {fn}($1)", TREE_LOCK)


async def lock_unit(con: asyncpg.Connection, unit_id: UUID) -> bool:
    """Serialises the writes of one unit's statuses (the tree's own writes take the tree lock)."""
    return bool(await con.fetchval("SELECT true FROM units WHERE id = $1 FOR UPDATE", unit_id))


def _unit_version(r: asyncpg.Record) -> UnitVersion:
    return UnitVersion(
        r["unit_id"],
        r["code"],
        r["name"],
        r["kind"],
        r["level"],
        r["parent_id"],
        r["valid_from"],
        r["valid_to"],
    )


async def load_tree(con: asyncpg.Connection) -> UnitTree:
    rows = await con.fetch(
        "SELECT v.unit_id, u.code, v.name, v.kind, v.level, v.parent_id, v.valid_from, v.valid_to"
        " FROM unit_versions v JOIN units u ON u.id = v.unit_id"
    )
    closures = await con.fetch("SELECT * FROM unit_closures")
    return UnitTree(
        (_unit_version(r) for r in rows),
        (
            Closure(r["unit_id"], r["closed_on"], r["reason"], r["kind"], tuple(r["successor_ids"]))
            for r in closures
        ),
    )


async def save_tree(con: asyncpg.Connection, tree: UnitTree) -> None:
    """Write the versions of every unit the tree's commands touched, and their closures."""
    ids = sorted(tree.dirty)
    if not ids:
        return
    versions = [v for u in ids for v in tree.versions(u)]
    await con.execute(
        "INSERT INTO units (id, code) SELECT * FROM unnest($1::uuid[], $2::text[])"
        " ON CONFLICT (id) DO NOTHING",
        ids,
        [tree.code(u) for u in ids],
    )
    await con.execute("DELETE FROM unit_versions WHERE unit_id = ANY($1::uuid[])", ids)
    await con.execute(
        "INSERT INTO unit_versions (unit_id, valid_from, valid_to, name, name_key, name_search,"
        " kind, level, parent_id) SELECT * FROM unnest($1::uuid[], $2::date[], $3::date[],"
        " $4::text[], $5::text[], $6::text[], $7::text[], $8::text[], $9::uuid[])",
        [v.unit_id for v in versions],
        [v.valid_from for v in versions],
        [v.valid_to for v in versions],
        [v.name for v in versions],
        [sort_key(v.name) for v in versions],
        [fold(v.name) for v in versions],
        [v.kind for v in versions],
        [v.level for v in versions],
        [v.parent_id for v in versions],
    )
    closures = [tree.closures[u] for u in ids if u in tree.closures]
    if closures:
        await con.executemany(
            "INSERT INTO unit_closures (unit_id, closed_on, kind, reason, successor_ids)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (unit_id) DO UPDATE SET"
            " closed_on = excluded.closed_on, kind = excluded.kind, reason = excluded.reason,"
            " successor_ids = excluded.successor_ids",
            [(x.unit_id, x.closed_on, x.kind, x.reason, list(x.successor_ids)) for x in closures],
        )
    tree.dirty.clear()


UNIT_SELECT = """
SELECT v.unit_id, u.code, v.name, v.kind, v.level, v.parent_id, v.valid_from, v.valid_to,
       {sort} AS _sort, v.unit_id AS _id
FROM unit_versions v JOIN units u ON u.id = v.unit_id
"""
UNIT_SORTS = {"name": "v.name_key", "code": "u.code", "valid_from": "v.valid_from"}


async def list_units(
    con: asyncpg.Connection,
    *,
    as_of: date,
    kind: str | None = None,
    level: str | None = None,
    parent_id: UUID | None = None,
    bloc_id: UUID | None = None,
    campaign_id: UUID | None = None,
    only_unit: UUID | None = None,
    search: str | None = None,
    sort: str = "name",
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    q = Query()
    q.add("v.valid_from <= {0} AND (v.valid_to IS NULL OR v.valid_to > {0})", as_of)
    if kind:
        q.add("v.kind = {}", kind)
    if level:
        q.add("v.level = {}", level)
    if parent_id:
        q.add("v.parent_id = {}", parent_id)
    if only_unit:
        q.add("v.unit_id = {}", only_unit)
    if bloc_id:
        q.add(
            "v.unit_id IN (SELECT m.unit_id FROM bloc_members m WHERE m.bloc_id = {0} AND"
            " m.year = {1} AND m.joined_on <= {2} AND (m.left_on IS NULL OR m.left_on > {2}))",
            bloc_id,
            as_of.year,
            as_of,
        )
    if campaign_id:
        q.add(
            "v.unit_id IN (SELECT unit_id FROM campaign_units WHERE campaign_id = {0}"
            " UNION SELECT m.unit_id FROM campaign_blocs cb"
            " JOIN campaigns c ON c.id = cb.campaign_id"
            " JOIN bloc_members m ON m.bloc_id = cb.bloc_id"
            "  AND m.year = extract(year FROM c.start_date)::int"
            "  AND m.joined_on <= c.end_date AND (m.left_on IS NULL OR m.left_on > c.start_date)"
            " WHERE cb.campaign_id = {0})",
            campaign_id,
        )
    if search:
        search_condition(q, "v.name_search", "v.name", search)
    column = UNIT_SORTS[sort.lstrip("-")]
    return await page(
        con,
        UNIT_SELECT.format(sort=column),
        q,
        sort=sort,
        sort_column=column,
        id_column="v.unit_id",
        limit=limit,
        cursor=cursor,
        dates=sort.lstrip("-") == "valid_from",
    )


async def unit_exists(con: asyncpg.Connection, unit_id: UUID) -> bool:
    return bool(await con.fetchval("SELECT true FROM units WHERE id = $1", unit_id))


async def unit_versions(con: asyncpg.Connection, unit_id: UUID) -> list[UnitVersion]:
    rows = await con.fetch(
        "SELECT v.unit_id, u.code, v.name, v.kind, v.level, v.parent_id, v.valid_from, v.valid_to"
        " FROM unit_versions v JOIN units u ON u.id = v.unit_id WHERE v.unit_id = $1"
        " ORDER BY v.valid_from",
        unit_id,
    )
    return [_unit_version(r) for r in rows]


async def unit_closure(con: asyncpg.Connection, unit_id: UUID) -> Closure | None:
    r = await con.fetchrow("SELECT * FROM unit_closures WHERE unit_id = $1", unit_id)
    if r is None:
        return None
    return Closure(r["unit_id"], r["closed_on"], r["reason"], r["kind"], tuple(r["successor_ids"]))


async def predecessors(con: asyncpg.Connection, unit_id: UUID) -> list[UUID]:
    rows = await con.fetch(
        "SELECT unit_id FROM unit_closures WHERE $1 = ANY(successor_ids) ORDER BY unit_id", unit_id
    )
    return [r["unit_id"] for r in rows]


async def unit_codes(con: asyncpg.Connection, ids: Iterable[UUID]) -> dict[UUID, str]:
    rows = await con.fetch("SELECT id, code FROM units WHERE id = ANY($1::uuid[])", list(ids))
    return {r["id"]: r["code"] for r in rows}


async def unit_ends(
    con: asyncpg.Connection, unit_ids: Iterable[UUID]
) -> dict[UUID, tuple[UnitEnd, str]]:
    """The closures of the given units, each with the unit's last name and its successors'."""
    rows = await con.fetch(
        f"""
        SELECT c.unit_id, c.closed_on, c.kind, c.successor_ids,
               ({_LAST_NAME % "c.unit_id"}) AS name,
               ARRAY(SELECT ({_LAST_NAME % "s"}) FROM unnest(c.successor_ids) s) AS successor_names
        FROM unit_closures c WHERE c.unit_id = ANY($1::uuid[])
        """,
        sorted(set(unit_ids)),
    )
    return {
        r["unit_id"]: (
            UnitEnd(
                r["closed_on"],
                r["kind"],
                tuple(zip(r["successor_ids"], r["successor_names"], strict=True)),
            ),
            r["name"],
        )
        for r in rows
    }


_LAST_NAME = (
    "SELECT v.name FROM unit_versions v WHERE v.unit_id = %s ORDER BY v.valid_from DESC LIMIT 1"
)
