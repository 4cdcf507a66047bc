"""People (minimal personal data) and their versions over time."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg

from servicekit.vietnamese import fold, person_name_key
from services.registry.domain import people as p
from services.registry.store.paging import Page, Query, page, search_condition


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


async def lock_person(con: asyncpg.Connection, person_id: UUID) -> bool:
    return bool(await con.fetchval("SELECT true FROM people WHERE id = $1 FOR UPDATE", person_id))


async def versions_for_import(con: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every version of every person with the person's identity (code, citizen id digest, gender,
    birth year): what an import recognises a row's person by."""
    return await con.fetch(
        "SELECT pe.id, pe.code, pe.gender, pe.birth_year, pe.citizen_id_hash, pv.full_name,"
        " pv.unit_id, pv.position, pv.valid_from FROM people pe JOIN person_versions pv"
        " ON pv.person_id = pe.id"
    )
