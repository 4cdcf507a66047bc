"""The registry's database: asyncpg SQL in, domain objects out. Every function takes the
connection of the caller's transaction; nothing here commits.

Writes to the unit tree are serialised by a transaction-scoped advisory lock (the tree is one
aggregate: a cycle or a gap can involve any two units); writes that only read the tree (people,
blocs, campaigns) take the same lock shared, so a unit cannot close under them mid-transaction.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from servicekit.closures import UnitEnd
from servicekit.db import advisory_key
from servicekit.errors import Invalid
from servicekit.vietnamese import fold, person_name_key, sort_key
from services.registry.domain import blocs as b
from services.registry.domain import campaigns as c
from services.registry.domain import occasions as o
from services.registry.domain import people as p
from services.registry.domain import statuses as st
from services.registry.domain.units import Closure, UnitTree, UnitVersion

TREE_LOCK = advisory_key("registry.units.tree")
BLOCS_LOCK = advisory_key("registry.blocs")


async def lock_tree(con: asyncpg.Connection, *, shared: bool = False) -> None:
    fn = "pg_advisory_xact_lock_shared" if shared else "pg_advisory_xact_lock"
    await con.execute(f"SELECT {fn}($1)", TREE_LOCK)


async def lock_blocs(con: asyncpg.Connection) -> None:
    await con.execute("SELECT pg_advisory_xact_lock($1)", BLOCS_LOCK)


# ---- queries: a tiny builder for filtered, keyset-paginated lists ----------------------------


@dataclass
class Query:
    where: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, sql: str, *values: Any) -> None:
        """`sql` with `{0}`, `{1}`… (or `{}`) standing for `values`, in order."""
        self.where.append(sql.format(*(self.arg(v) for v in values)))

    @property
    def clause(self) -> str:
        return " AND ".join(self.where) if self.where else "true"


@dataclass(frozen=True)
class Page:
    items: list[asyncpg.Record]
    next_cursor: str | None


def encode_cursor(sort: str, key: Any, id_: UUID) -> str:
    raw = json.dumps([sort, key, str(id_)], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, sort: str) -> tuple[Any, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        s, key, id_ = json.loads(raw)
        if s != sort or not isinstance(key, str | int) or isinstance(key, bool):
            raise ValueError
        return key, UUID(id_)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise _bad_cursor() from None


def _bad_cursor() -> Invalid:
    return Invalid.param("cursor", "not a cursor of this list and sort order", "cursor")


async def page(
    con: asyncpg.Connection,
    select: str,
    q: Query,
    *,
    sort: str,
    sort_column: str,
    id_column: str,
    limit: int,
    cursor: str | None,
    dates: bool = False,
) -> Page:
    """Rows of `select` (which must expose `_sort` and `_id`) matching `q`, ordered by
    (sort column, id), ascending or (`sort` starting with "-") descending."""
    desc = sort.startswith("-")
    if cursor:
        key, last = decode_cursor(cursor, sort)
        if dates:
            try:
                key = date.fromisoformat(key)
            except (TypeError, ValueError):
                raise Invalid.param("cursor", "not a cursor of this list", "cursor") from None
        op = "<" if desc else ">"
        q.add(f"({sort_column}, {id_column}) {op} ({{}}, {{}})", key, last)
    direction = "DESC" if desc else "ASC"
    sql = (
        f"{select} WHERE {q.clause} ORDER BY {sort_column} {direction}, {id_column} {direction} "
        f"LIMIT {q.arg(limit + 1)}"
    )
    try:
        rows = await con.fetch(sql, *q.args)
    except asyncpg.DataError:
        # A cursor decoded well but its key does not fit the column (a text where a year goes,
        # a number past int64): asyncpg refuses the argument before anything is sent.
        if cursor:
            raise _bad_cursor() from None
        raise
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = None
    if more and rows:
        last_row = rows[-1]
        key = last_row["_sort"]
        if isinstance(key, date):
            key = key.isoformat()
        nxt = encode_cursor(sort, key, last_row["_id"])
    return Page(rows, nxt)


def search_condition(q: Query, column: str, raw_column: str, text: str) -> None:
    """Vietnamese-aware search: accents optional. "nguyen" finds "Nguyễn"; a query typed with
    accents ("Nguyễn") must match them too (case-insensitively)."""
    folded = fold(text)
    q.add(f"{column} LIKE {{}}", f"%{_like(folded)}%")
    if folded != " ".join(text.lower().split()):
        q.add(f"lower({raw_column}) LIKE {{}}", f"%{_like(' '.join(text.lower().split()))}%")


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# ---- units -----------------------------------------------------------------------------------


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


# ---- people ----------------------------------------------------------------------------------


async def get_person(con: asyncpg.Connection, person_id: UUID) -> p.Person | None:
    r = await con.fetchrow(
        "SELECT id, code, gender, birth_year FROM people WHERE id = $1", person_id
    )
    if r is None:
        return None
    rows = await con.fetch(
        "SELECT * FROM person_versions WHERE person_id = $1 ORDER BY valid_from", person_id
    )
    return p.Person(
        r["id"],
        r["gender"],
        r["birth_year"],
        tuple(
            p.PersonVersion(
                v["person_id"],
                v["full_name"],
                v["unit_id"],
                v["position"],
                v["valid_from"],
                v["valid_to"],
            )
            for v in rows
        ),
        r["code"],
    )


async def person_id_by_code(con: asyncpg.Connection, code: str) -> UUID | None:
    return await con.fetchval("SELECT id FROM people WHERE code = $1", code)


async def person_id_by_citizen_hash(con: asyncpg.Connection, digest: bytes) -> UUID | None:
    return await con.fetchval("SELECT id FROM people WHERE citizen_id_hash = $1", digest)


async def save_people(
    con: asyncpg.Connection, people: Sequence[p.Person], hashes: Sequence[bytes | None] = ()
) -> None:
    """Insert or update people and replace their versions. `hashes` (citizen id digests, one per
    person, or none) are only written when given."""
    if not people:
        return
    hashes = list(hashes) or [None] * len(people)
    await con.execute(
        "INSERT INTO people (id, code, gender, birth_year, citizen_id_hash)"
        " SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::int[], $5::bytea[])"
        " ON CONFLICT (id) DO UPDATE SET code = excluded.code, gender = excluded.gender,"
        " birth_year = excluded.birth_year,"
        " citizen_id_hash = coalesce(excluded.citizen_id_hash, people.citizen_id_hash)",
        [x.person_id for x in people],
        [x.code for x in people],
        [x.gender for x in people],
        [x.birth_year for x in people],
        hashes,
    )
    ids = [x.person_id for x in people]
    versions = [v for x in people for v in x.versions]
    await con.execute("DELETE FROM person_versions WHERE person_id = ANY($1::uuid[])", ids)
    await con.execute(
        "INSERT INTO person_versions (person_id, valid_from, valid_to, full_name, name_key,"
        " name_search, unit_id, position) SELECT * FROM unnest($1::uuid[], $2::date[],"
        " $3::date[], $4::text[], $5::text[], $6::text[], $7::uuid[], $8::text[])",
        [v.person_id for v in versions],
        [v.valid_from for v in versions],
        [v.valid_to for v in versions],
        [v.full_name for v in versions],
        [person_name_key(v.full_name) for v in versions],
        [fold(v.full_name) for v in versions],
        [v.unit_id for v in versions],
        [v.position for v in versions],
    )


PERSON_SELECT = """
SELECT pv.person_id, pe.gender, pe.birth_year, pv.full_name, pv.unit_id, pv.position,
       pv.valid_from, pv.valid_to,
       EXISTS (SELECT 1 FROM person_statuses s WHERE s.person_id = pv.person_id
               AND s.start_date <= {day} AND (s.end_date IS NULL OR s.end_date > {day}))
           AS blocked,
       {sort} AS _sort, pv.person_id AS _id
FROM person_versions pv JOIN people pe ON pe.id = pv.person_id
"""
PERSON_SORTS = {"name": "pv.name_key", "birth_year": "pe.birth_year"}


async def list_people(
    con: asyncpg.Connection,
    *,
    as_of: date,
    unit_id: UUID | None = None,
    gender: str | None = None,
    blocked: bool | None = None,
    search: str | None = None,
    sort: str = "name",
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    q = Query()
    day = q.arg(as_of)
    q.where.append(f"pv.valid_from <= {day} AND (pv.valid_to IS NULL OR pv.valid_to > {day})")
    if unit_id:
        q.add("pv.unit_id = {}", unit_id)
    if gender:
        q.add("pe.gender = {}", gender)
    if blocked is not None:
        q.where.append(
            ("" if blocked else "NOT ")
            + f"EXISTS (SELECT 1 FROM person_statuses s WHERE s.person_id = pv.person_id"
            f" AND s.start_date <= {day} AND (s.end_date IS NULL OR s.end_date > {day}))"
        )
    if search:
        search_condition(q, "pv.name_search", "pv.full_name", search)
    column = PERSON_SORTS[sort.lstrip("-")]
    return await page(
        con,
        PERSON_SELECT.format(sort=column, day=day),
        q,
        sort=sort,
        sort_column=column,
        id_column="pv.person_id",
        limit=limit,
        cursor=cursor,
    )


# A person's and a unit's status periods: the same columns, in a table per kind of subject.
STATUS_TABLES: dict[st.Subject, tuple[str, str]] = {
    "person": ("person_statuses", "person_id"),
    "unit": ("unit_statuses", "unit_id"),
}


async def statuses(
    con: asyncpg.Connection, subject_id: UUID, subject: st.Subject = "person"
) -> list[st.StatusPeriod]:
    table, column = STATUS_TABLES[subject]
    rows = await con.fetch(
        f"SELECT id, {column} AS subject_id, kind, start_date, end_date, discipline_level"
        f" FROM {table} WHERE {column} = $1 ORDER BY start_date, id",
        subject_id,
    )
    return [st.StatusPeriod(*r) for r in rows]


async def save_status(
    con: asyncpg.Connection, s: st.StatusPeriod, subject: st.Subject = "person"
) -> None:
    table, column = STATUS_TABLES[subject]
    await con.execute(
        f"INSERT INTO {table} (id, {column}, kind, discipline_level, start_date, end_date)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET"
        " discipline_level = excluded.discipline_level, start_date = excluded.start_date,"
        " end_date = excluded.end_date",
        s.status_id,
        s.subject_id,
        s.kind,
        s.discipline_level,
        s.start,
        s.end,
    )


async def lock_person(con: asyncpg.Connection, person_id: UUID) -> bool:
    return bool(await con.fetchval("SELECT true FROM people WHERE id = $1 FOR UPDATE", person_id))


async def lock_unit(con: asyncpg.Connection, unit_id: UUID) -> bool:
    """Serialises the writes of one unit's statuses (the tree's own writes take the tree lock)."""
    return bool(await con.fetchval("SELECT true FROM units WHERE id = $1 FOR UPDATE", unit_id))


# ---- blocs -----------------------------------------------------------------------------------


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


# ---- campaigns and targets -------------------------------------------------------------------


def _campaign(r: asyncpg.Record, units: list[UUID], blocs: list[UUID]) -> c.Campaign:
    return c.Campaign(
        r["id"],
        r["code"],
        r["title"],
        r["theme"],
        r["kind"],
        r["start_date"],
        r["end_date"],
        r["launched_by"],
        r["regime"],
        r["regime_overridden"],
        tuple(r["goals"]),
        tuple(units),
        tuple(blocs),
        r["state"],
        r["launched_on"],
        r["closed_on"],
        r["summary"],
        r["parent_campaign_id"],
        tuple(r["sub_themes"]),
        tuple(r["occasion_ids"]),
    )


async def get_campaign(
    con: asyncpg.Connection, campaign_id: UUID, *, lock: bool = False
) -> c.Campaign | None:
    r = await con.fetchrow(
        "SELECT * FROM campaigns WHERE id = $1" + (" FOR UPDATE" if lock else ""), campaign_id
    )
    if r is None:
        return None
    units = await con.fetch(
        "SELECT unit_id FROM campaign_units WHERE campaign_id = $1 ORDER BY position", campaign_id
    )
    blocs = await con.fetch(
        "SELECT bloc_id FROM campaign_blocs WHERE campaign_id = $1 ORDER BY position", campaign_id
    )
    return _campaign(r, [x["unit_id"] for x in units], [x["bloc_id"] for x in blocs])


async def campaign_id_by_code(con: asyncpg.Connection, code: str) -> UUID | None:
    return await con.fetchval("SELECT id FROM campaigns WHERE code = $1", code)


async def campaign_code_taken(con: asyncpg.Connection, code: str, other_than: UUID) -> bool:
    return bool(
        await con.fetchval(
            "SELECT true FROM campaigns WHERE code = $1 AND id <> $2", code, other_than
        )
    )


async def save_campaign(con: asyncpg.Connection, x: c.Campaign) -> None:
    await con.execute(
        "INSERT INTO campaigns (id, code, title, title_key, title_search, theme, goals, kind,"
        " start_date, end_date, launched_by, regime, regime_overridden, state, launched_on,"
        " closed_on, summary, parent_campaign_id, sub_themes, occasion_ids) VALUES ($1, $2, $3,"
        " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        " ON CONFLICT (id) DO UPDATE SET code = excluded.code,"
        " title = excluded.title, title_key = excluded.title_key,"
        " title_search = excluded.title_search, theme = excluded.theme, goals = excluded.goals,"
        " kind = excluded.kind, start_date = excluded.start_date, end_date = excluded.end_date,"
        " launched_by = excluded.launched_by, regime = excluded.regime,"
        " regime_overridden = excluded.regime_overridden, state = excluded.state,"
        " launched_on = excluded.launched_on, closed_on = excluded.closed_on,"
        " summary = excluded.summary, parent_campaign_id = excluded.parent_campaign_id,"
        " sub_themes = excluded.sub_themes, occasion_ids = excluded.occasion_ids,"
        " updated_at = now()",
        x.campaign_id,
        x.code,
        x.title,
        sort_key(x.title),
        fold(x.title),
        x.theme,
        list(x.goals),
        x.kind,
        x.start,
        x.end,
        x.launched_by,
        x.regime,
        x.regime_overridden,
        x.state,
        x.launched_on,
        x.closed_on,
        x.summary,
        x.parent_campaign_id,
        list(x.sub_themes),
        list(x.occasion_ids),
    )
    await con.execute("DELETE FROM campaign_units WHERE campaign_id = $1", x.campaign_id)
    await con.executemany(
        "INSERT INTO campaign_units (campaign_id, unit_id, position) VALUES ($1, $2, $3)",
        [(x.campaign_id, u, i) for i, u in enumerate(x.participating_unit_ids)],
    )
    await con.execute("DELETE FROM campaign_blocs WHERE campaign_id = $1", x.campaign_id)
    await con.executemany(
        "INSERT INTO campaign_blocs (campaign_id, bloc_id, position) VALUES ($1, $2, $3)",
        [(x.campaign_id, bl, i) for i, bl in enumerate(x.bloc_ids)],
    )


CAMPAIGN_SELECT = """
SELECT c.id AS campaign_id, c.code, c.title, c.kind, c.start_date, c.end_date, c.regime,
       c.state, c.launched_by, {sort} AS _sort, c.id AS _id
FROM campaigns c
"""
CAMPAIGN_SORTS = {"title": "c.title_key", "code": "c.code", "start": "c.start_date"}


async def list_campaigns(
    con: asyncpg.Connection,
    *,
    state: str | None = None,
    kind: str | None = None,
    year: int | None = None,
    unit_id: UUID | None = None,
    bloc_id: UUID | None = None,
    as_of: date | None = None,
    search: str | None = None,
    sort: str = "-start",
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    q = Query()
    if state:
        q.add("c.state = {}", state)
    if kind:
        q.add("c.kind = {}", kind)
    if year:
        q.add(
            "extract(year FROM c.start_date)::int <= {0} AND extract(year FROM c.end_date)::int"
            " >= {0}",
            year,
        )
    if as_of:
        q.add("c.start_date <= {0} AND c.end_date >= {0}", as_of)
    if bloc_id:
        q.add(
            "EXISTS (SELECT 1 FROM campaign_blocs cb WHERE cb.campaign_id = c.id AND"
            " cb.bloc_id = {})",
            bloc_id,
        )
    if unit_id:
        q.add(
            "(EXISTS (SELECT 1 FROM campaign_units cu WHERE cu.campaign_id = c.id AND"
            " cu.unit_id = {0}) OR EXISTS (SELECT 1 FROM campaign_blocs cb JOIN bloc_members m"
            " ON m.bloc_id = cb.bloc_id AND m.year = extract(year FROM c.start_date)::int"
            " WHERE cb.campaign_id = c.id AND m.unit_id = {0}))",
            unit_id,
        )
    if search:
        search_condition(q, "c.title_search", "c.title", search)
    column = CAMPAIGN_SORTS[sort.lstrip("-")]
    return await page(
        con,
        CAMPAIGN_SELECT.format(sort=column),
        q,
        sort=sort,
        sort_column=column,
        id_column="c.id",
        limit=limit,
        cursor=cursor,
        dates=sort.lstrip("-") == "start",
    )


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


async def participants(
    con: asyncpg.Connection, x: c.Campaign
) -> tuple[dict[UUID, str], list[UUID]]:
    """The campaign's participating units (named, or members of its blocs during the campaign,
    in the year it starts) with their codes, and the blocs not formed for that year."""
    year = x.start.year
    formed = await con.fetch(
        "SELECT bloc_id FROM bloc_years WHERE bloc_id = ANY($1::uuid[]) AND year = $2",
        list(x.bloc_ids),
        year,
    )
    formed_ids = {r["bloc_id"] for r in formed}
    members = await con.fetch(
        "SELECT DISTINCT m.unit_id FROM bloc_members m WHERE m.bloc_id = ANY($1::uuid[])"
        " AND m.year = $2 AND m.joined_on <= $4 AND (m.left_on IS NULL OR m.left_on > $3)",
        list(x.bloc_ids),
        year,
        x.start,
        x.end,
    )
    ids = list(dict.fromkeys([*x.participating_unit_ids, *(r["unit_id"] for r in members)]))
    codes = await unit_codes(con, ids)
    return {u: codes.get(u, str(u)) for u in ids}, [bl for bl in x.bloc_ids if bl not in formed_ids]


def _target(r: asyncpg.Record) -> c.Target:
    return c.Target(
        r["id"],
        r["campaign_id"],
        r["unit_id"],
        r["name"],
        r["metric"],
        r["unit_of_measure"],
        r["target_value"],
        r["direction"],
        r["deadline"],
        r["weight"],
        r["indicator_code"],
        r["revision"],
        r.get("reason"),
        r["allow_negative"],
    )


TARGET_SELECT = """
SELECT t.*, (SELECT reason FROM target_revisions r WHERE r.target_id = t.id
             AND r.revision = t.revision) AS reason
FROM targets t
"""


async def get_target(
    con: asyncpg.Connection, target_id: UUID, *, lock: bool = False
) -> c.Target | None:
    """With `lock`: locked until commit, then read in a statement of its own. A locking read
    that waited for another transaction's change sees that change in the target's row but
    evaluates the revision's reason in its own older snapshot, where the new revision is not."""
    if lock:
        await con.execute("SELECT 1 FROM targets WHERE id = $1 FOR UPDATE", target_id)
    r = await con.fetchrow(TARGET_SELECT + " WHERE t.id = $1", target_id)
    return _target(r) if r else None


async def targets_of(
    con: asyncpg.Connection, campaign_id: UUID | None = None, unit_id: UUID | None = None
) -> list[c.Target]:
    rows = await con.fetch(
        TARGET_SELECT + " WHERE ($1::uuid IS NULL OR t.campaign_id = $1)"
        " AND ($2::uuid IS NULL OR t.unit_id = $2) ORDER BY t.campaign_id, t.unit_id, t.name, t.id",
        campaign_id,
        unit_id,
    )
    return [_target(r) for r in rows]


async def target_revisions(con: asyncpg.Connection, target_id: UUID) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT * FROM target_revisions WHERE target_id = $1 ORDER BY revision", target_id
    )


async def save_targets(
    con: asyncpg.Connection, targets: Sequence[c.Target], *, record_revision: bool
) -> None:
    """Upsert targets; with `record_revision`, also keep each one's revision in its history
    (done for every published revision)."""
    if not targets:
        return
    cols = (
        [t.target_id for t in targets],
        [t.campaign_id for t in targets],
        [t.unit_id for t in targets],
        [t.revision for t in targets],
        [t.name for t in targets],
        [t.metric for t in targets],
        [t.unit_of_measure for t in targets],
        [t.target_value for t in targets],
        [t.direction for t in targets],
        [t.weight for t in targets],
        [t.deadline for t in targets],
        [t.indicator_code for t in targets],
        [t.allow_negative for t in targets],
    )
    await con.execute(
        "INSERT INTO targets (id, campaign_id, unit_id, revision, name, metric, unit_of_measure,"
        " target_value, direction, weight, deadline, indicator_code, allow_negative)"
        " SELECT * FROM"
        " unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[],"
        " $7::text[], $8::float8[], $9::text[], $10::float8[], $11::date[], $12::text[],"
        " $13::bool[])"
        " ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, name = excluded.name,"
        " metric = excluded.metric, unit_of_measure = excluded.unit_of_measure,"
        " target_value = excluded.target_value, direction = excluded.direction,"
        " weight = excluded.weight, deadline = excluded.deadline,"
        " indicator_code = excluded.indicator_code, allow_negative = excluded.allow_negative,"
        " updated_at = now()",
        *cols,
    )
    if record_revision:
        await con.execute(
            "INSERT INTO target_revisions (target_id, revision, name, metric, unit_of_measure,"
            " target_value, direction, weight, deadline, indicator_code, allow_negative, reason)"
            " SELECT * FROM"
            " unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::float8[],"
            " $7::text[], $8::float8[], $9::date[], $10::text[], $11::bool[], $12::text[])"
            " ON CONFLICT (target_id, revision) DO NOTHING",
            cols[0],
            cols[3],
            *cols[4:],
            [t.reason for t in targets],
        )


async def delete_target(con: asyncpg.Connection, target_id: UUID) -> None:
    await con.execute("DELETE FROM targets WHERE id = $1", target_id)


# ---- occasions -------------------------------------------------------------------------------


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
