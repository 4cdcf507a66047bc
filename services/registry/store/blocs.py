"""Blocs and clusters (khối, cụm thi đua), their yearly formation and members."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from servicekit.db import advisory_key
from servicekit.vietnamese import fold, sort_key
from services.registry.domain import blocs as b
from services.registry.store.paging import Page, Query, page, search_condition

BLOCS_LOCK = advisory_key("registry.blocs")


async def lock_blocs(con: asyncpg.Connection) -> None:
    await con.execute("SELECT pg_advisory_xact_lock($1)", BLOCS_LOCK)


async def get_bloc(con: asyncpg.Connection, bloc_id: UUID, *, lock: bool = False) -> b.Bloc | None:
    r = await con.fetchrow(
        "SELECT id, code, name, kind FROM blocs WHERE id = $1" + (" FOR UPDATE" if lock else ""),
        bloc_id,
    )
    return b.Bloc(r["id"], r["code"], r["name"], r["kind"]) if r else None


async def bloc_by_code(con: asyncpg.Connection, code: str) -> b.Bloc | None:
    r = await con.fetchrow("SELECT id, code, name, kind FROM blocs WHERE code = $1", code)
    return b.Bloc(r["id"], r["code"], r["name"], r["kind"]) if r else None


async def bloc_years(
    con: asyncpg.Connection, bloc_id: UUID, year: int | None = None
) -> dict[int, b.BlocYear]:
    rows = await con.fetch(
        "SELECT * FROM bloc_years WHERE bloc_id = $1 AND ($2::int IS NULL OR year = $2)"
        " ORDER BY year",
        bloc_id,
        year,
    )
    members = await con.fetch(
        "SELECT * FROM bloc_members WHERE bloc_id = $1 AND ($2::int IS NULL OR year = $2)"
        " ORDER BY joined_on, unit_id",
        bloc_id,
        year,
    )
    out = {}
    for r in rows:
        ms = tuple(
            b.Membership(m["unit_id"], m["joined_on"], m["left_on"])
            for m in members
            if m["year"] == r["year"]
        )
        out[r["year"]] = b.BlocYear(
            r["bloc_id"],
            r["year"],
            r["formed_on"],
            ms,
            r["head_unit_id"],
            r["deputy_unit_id"],
            r["scoring_scheme_ref"],
        )
    return out


async def save_bloc(con: asyncpg.Connection, bloc: b.Bloc) -> None:
    await con.execute(
        "INSERT INTO blocs (id, code, name, name_key, name_search, kind)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET name = excluded.name,"
        " name_key = excluded.name_key, name_search = excluded.name_search",
        bloc.bloc_id,
        bloc.code,
        bloc.name,
        sort_key(bloc.name),
        fold(bloc.name),
        bloc.kind,
    )


async def save_bloc_year(con: asyncpg.Connection, by: b.BlocYear) -> None:
    await con.execute(
        "INSERT INTO bloc_years (bloc_id, year, formed_on, head_unit_id, deputy_unit_id,"
        " scoring_scheme_ref) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (bloc_id, year) DO"
        " UPDATE SET head_unit_id = excluded.head_unit_id,"
        " deputy_unit_id = excluded.deputy_unit_id,"
        " scoring_scheme_ref = excluded.scoring_scheme_ref",
        by.bloc_id,
        by.year,
        by.formed_on,
        by.head_unit_id,
        by.deputy_unit_id,
        by.scoring_scheme_ref,
    )
    await con.execute(
        "DELETE FROM bloc_members WHERE bloc_id = $1 AND year = $2", by.bloc_id, by.year
    )
    await con.executemany(
        "INSERT INTO bloc_members (bloc_id, year, unit_id, joined_on, left_on)"
        " VALUES ($1, $2, $3, $4, $5)",
        [(by.bloc_id, by.year, m.unit_id, m.joined_on, m.left_on) for m in by.memberships],
    )


async def memberships_elsewhere(
    con: asyncpg.Connection, *, kind: str, year: int, except_bloc: UUID | None
) -> dict[UUID, list[tuple[str, b.Membership]]]:
    """Memberships in the other blocs of a kind for a year, by unit."""
    rows = await con.fetch(
        "SELECT m.unit_id, m.joined_on, m.left_on, bl.code FROM bloc_members m"
        " JOIN blocs bl ON bl.id = m.bloc_id WHERE bl.kind = $1 AND m.year = $2"
        " AND ($3::uuid IS NULL OR m.bloc_id <> $3)",
        kind,
        year,
        except_bloc,
    )
    out: dict[UUID, list[tuple[str, b.Membership]]] = {}
    for r in rows:
        out.setdefault(r["unit_id"], []).append(
            (r["code"], b.Membership(r["unit_id"], r["joined_on"], r["left_on"]))
        )
    return out


BLOC_SELECT = """
SELECT bl.id AS bloc_id, bl.code, bl.name, bl.kind, y.year, y.formed_on, y.head_unit_id,
       y.deputy_unit_id, y.scoring_scheme_ref,
       ARRAY(SELECT m.unit_id FROM bloc_members m WHERE m.bloc_id = y.bloc_id AND m.year = y.year
             AND m.left_on IS NULL ORDER BY m.joined_on, m.unit_id) AS member_unit_ids,
       {sort} AS _sort, bl.id AS _id
FROM blocs bl JOIN bloc_years y ON y.bloc_id = bl.id
"""
BLOC_SORTS = {"name": "bl.name_key", "code": "bl.code"}


async def list_blocs(
    con: asyncpg.Connection,
    *,
    year: int,
    kind: str | None = None,
    unit_id: UUID | None = None,
    search: str | None = None,
    sort: str = "name",
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    q = Query()
    q.add("y.year = {}", year)
    if kind:
        q.add("bl.kind = {}", kind)
    if unit_id:
        q.add(
            "EXISTS (SELECT 1 FROM bloc_members m WHERE m.bloc_id = y.bloc_id AND"
            " m.year = y.year AND m.unit_id = {})",
            unit_id,
        )
    if search:
        search_condition(q, "bl.name_search", "bl.name", search)
    column = BLOC_SORTS[sort.lstrip("-")]
    return await page(
        con,
        BLOC_SELECT.format(sort=column),
        q,
        sort=sort,
        sort_column=column,
        id_column="bl.id",
        limit=limit,
        cursor=cursor,
    )
