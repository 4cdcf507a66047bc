"""Loading the domain's `Facts` snapshot from the read model and the award history: for a batch
of nominations (`for_nominations`) or for a year's annual screening of a unit's tree or the
province (`for_scope`, set-based: one query per kind of fact). What each reads: README, "Facts"."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterable
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from services.awards.domain import (
    AwardRecord,
    Collective,
    Facts,
    Initiative,
    Person,
    RatingRecord,
    StatusPeriod,
)
from services.awards.domain.vocabulary import InitiativeScope

SCOPE_OF_LEVEL: dict[str, InitiativeScope] = {
    "grassroots": "unit",
    "provincial": "province",
    "national": "national",
}
RATING_LOOKBACK = 4
"""Ratings of the year and the 4 before: the longest window over ratings (Bằng khen Thủ tướng,
five consecutive years)."""
INITIATIVE_LOOKBACK = 5
"""Initiatives of the year and the 5 before (CSTĐ toàn quốc: two CSTĐ cấp tỉnh running). Awards
are loaded whatever their year: R15 and R08 look back to the previous award."""


def _initiatives(rows: Iterable[asyncpg.Record]) -> list[Initiative]:
    return [
        Initiative(
            r["id"],
            tuple(r["authors"]),
            r["year"],
            r["level"],
            r["scope"] or SCOPE_OF_LEVEL[r["level"]],
            r["kind"],
            r["used_by"],
        )
        for r in rows
    ]


_INITIATIVE_COLUMNS = """
    i.initiative_id::text AS id, i.author_ids::text[] AS authors,
    extract(year FROM i.recognised_on)::int AS year, i.level, i.scope, i.kind,
    u.nomination_id::text AS used_by
"""


async def _common(con: asyncpg.Connection) -> tuple[dict[int, list[str]], dict[int, int]]:
    leaders: dict[int, list[str]] = {}
    for r in await con.fetch(
        "SELECT year, leader_unit_id::text AS unit FROM rm_bloc_leaders ORDER BY year, bloc_id"
    ):
        leaders.setdefault(r["year"], []).append(r["unit"])
    counts = {
        r["year"]: r["n"]
        for r in await con.fetch("SELECT year, count(*)::int AS n FROM rm_blocs GROUP BY year")
    }
    return leaders, counts


def _awards(rows: Iterable[asyncpg.Record]) -> list[AwardRecord]:
    return [AwardRecord(r[0], r[1], r[2], r[3], r[4], r[5], r[6]) for r in rows]


# A person's and a collective's status periods, as StatusPeriod's fields (R14).
_PERSON_STATUSES = (
    "SELECT 'person', person_id::text, kind, start_on, end_on, discipline_level"
    " FROM rm_person_statuses"
)
_UNIT_STATUSES = (
    "SELECT 'collective', unit_id::text, kind, start_on, end_on, discipline_level"
    " FROM rm_unit_statuses"
)

_AWARD_COLUMNS = (
    "subject_kind, subject_id::text, award_code, period_start, period_end, decided_on,"
    " decision_number"
)


async def for_nominations(
    con: asyncpg.Connection,
    persons: Iterable[UUID],
    collectives: Iterable[UUID],
    initiative_ids: Iterable[UUID] = (),
) -> Facts:
    """The facts screening needs for nominations of these persons and collectives."""
    persons, collectives = list(set(persons)), list(set(collectives))
    # the units concerned: the nominated collectives and the nominated people's units
    units = [
        r[0]
        for r in await con.fetch(
            "SELECT unit_id FROM rm_people WHERE person_id = ANY($1::uuid[])"
            " UNION SELECT unnest($2::uuid[])",
            persons,
            collectives,
        )
    ]
    people = await con.fetch(
        "SELECT person_id::text, unit_id::text, gender FROM rm_people"
        " WHERE unit_id = ANY($1::uuid[]) OR person_id = ANY($2::uuid[])",
        units,
        persons,
    )
    person_ids = [r[0] for r in people]
    unit_rows = await con.fetch(
        "SELECT unit_id::text, parent_id::text FROM rm_units WHERE unit_id = ANY($1::uuid[])",
        units,
    )
    ratings = await con.fetch(
        "SELECT subject_kind, subject_id::text, year, rating, ldtt_not_conferred FROM rm_ratings"
        " WHERE (subject_kind = 'person' AND subject_id = ANY($1::text[]::uuid[]))"
        "    OR (subject_kind = 'collective' AND subject_id = ANY($2::uuid[]))",
        person_ids,
        units,
    )
    awards = await con.fetch(
        f"SELECT {_AWARD_COLUMNS} FROM award_history WHERE revoked_on IS NULL AND ("
        "   (subject_kind = 'person' AND subject_id = ANY($1::text[]::uuid[]))"
        "   OR (subject_kind = 'collective' AND subject_id = ANY($2::uuid[]))"
        "   OR award_code = 'CO_CP')",
        person_ids,
        units,
    )
    statuses = await con.fetch(
        f"{_PERSON_STATUSES} WHERE person_id = ANY($1::text[]::uuid[]) UNION ALL"
        f" {_UNIT_STATUSES} WHERE unit_id = ANY($2::uuid[])",
        person_ids,
        units,
    )
    initiatives = await con.fetch(
        f"SELECT {_INITIATIVE_COLUMNS} FROM rm_initiatives i"
        " LEFT JOIN initiative_uses u USING (initiative_id)"
        " WHERE i.author_ids && $1::uuid[] OR i.initiative_id = ANY($2::uuid[])",
        persons,
        list(initiative_ids),
    )
    leaders, counts = await _common(con)
    return Facts(
        persons=[Person(r[0], r[1], r[2]) for r in people],
        collectives=[Collective(r[0], r[1]) for r in unit_rows],
        ratings=[RatingRecord(r[0], r[1], r[2], r[3], r[4]) for r in ratings],
        awards=_awards(awards),
        initiatives=_initiatives(initiatives),
        statuses=[StatusPeriod(*r) for r in statuses],
        bloc_leaders=leaders,
        bloc_leader_counts=counts,
    )


_SCOPE = """
    WITH RECURSIVE scope(unit_id) AS (
        SELECT unit_id FROM rm_units WHERE unit_id = $1
        UNION
        SELECT u.unit_id FROM rm_units u JOIN scope s ON u.parent_id = s.unit_id
    )
"""


async def scope_units(
    con: asyncpg.Connection, scope: UUID | None, year: int
) -> list[asyncpg.Record]:
    """(unit_id text, parent_id text) of the units existing in `year` under `scope` (itself
    included), or of the whole province."""
    first, last = date(year, 1, 1), date(year, 12, 31)
    alive = "u.valid_from <= $2 AND (u.valid_to IS NULL OR u.valid_to > $3)"
    if scope is None:
        return await con.fetch(
            "SELECT u.unit_id::text, u.parent_id::text FROM rm_units u WHERE "
            + alive.replace("$2", "$1").replace("$3", "$2"),
            last,
            first,
        )
    return await con.fetch(
        _SCOPE + f"SELECT u.unit_id::text, u.parent_id::text FROM rm_units u"
        f" JOIN scope USING (unit_id) WHERE {alive}",
        scope,
        last,
        first,
    )


async def for_scope(
    con: asyncpg.Connection, year: int, scope: UUID | None, pool: asyncpg.Pool | None = None
) -> Facts:
    """Everything annual screening reads for `year` in `scope` (None: the whole province).
    With `pool`, the five big reads run at once on connections of their own (PostgreSQL works on
    one while this process decodes another, and turns each into the domain's records as soon as
    it arrives); they then see the read model as of slightly different moments, which a
    screening of a year's closed records can live with."""
    units = await scope_units(con, scope, year)
    unit_ids = [r[0] for r in units]
    since = year - RATING_LOOKBACK
    initiatives_since = date(year - INITIATIVE_LOOKBACK, 1, 1)
    last = date(year, 12, 31)
    queries: list[tuple[Any, ...]]
    if scope is None:
        queries = [
            ("SELECT person_id::text, unit_id::text, gender FROM rm_people",),
            (
                "SELECT subject_kind, subject_id::text, year, rating, ldtt_not_conferred"
                " FROM rm_ratings WHERE year BETWEEN $1 AND $2",
                since,
                year,
            ),
            (
                f"SELECT {_AWARD_COLUMNS} FROM award_history"
                " WHERE revoked_on IS NULL AND period_start <= $1",
                last,
            ),
            (f"{_PERSON_STATUSES} UNION ALL {_UNIT_STATUSES}",),
            (
                f"SELECT {_INITIATIVE_COLUMNS} FROM rm_initiatives i"
                " LEFT JOIN initiative_uses u USING (initiative_id)"
                " WHERE i.recognised_on BETWEEN $1 AND $2",
                initiatives_since,
                last,
            ),
        ]
    else:
        in_scope = "(SELECT person_id FROM rm_people WHERE unit_id = ANY($1::text[]::uuid[]))"
        queries = [
            (
                "SELECT person_id::text, unit_id::text, gender FROM rm_people"
                " WHERE unit_id = ANY($1::text[]::uuid[])",
                unit_ids,
            ),
            (
                "SELECT r.subject_kind, r.subject_id::text, r.year, r.rating,"
                " r.ldtt_not_conferred FROM rm_ratings r"
                " WHERE r.year BETWEEN $2 AND $3 AND ("
                "   (r.subject_kind = 'collective' AND r.subject_id = ANY($1::text[]::uuid[]))"
                f"   OR (r.subject_kind = 'person' AND r.subject_id IN {in_scope}))",
                unit_ids,
                since,
                year,
            ),
            (
                f"SELECT {_AWARD_COLUMNS} FROM award_history a"
                " WHERE a.revoked_on IS NULL AND a.period_start <= $2 AND ("
                "   (a.subject_kind = 'collective' AND a.subject_id = ANY($1::text[]::uuid[]))"
                "   OR a.award_code = 'CO_CP'"
                f"   OR (a.subject_kind = 'person' AND a.subject_id IN {in_scope}))",
                unit_ids,
                last,
            ),
            (
                f"{_PERSON_STATUSES} WHERE person_id IN {in_scope} UNION ALL"
                f" {_UNIT_STATUSES} WHERE unit_id = ANY($1::text[]::uuid[])",
                unit_ids,
            ),
            (
                f"SELECT {_INITIATIVE_COLUMNS} FROM rm_initiatives i"
                " LEFT JOIN initiative_uses u USING (initiative_id)"
                " WHERE i.recognised_on BETWEEN $2 AND $3 AND EXISTS ("
                "   SELECT 1 FROM rm_people p WHERE p.person_id = ANY(i.author_ids)"
                "   AND p.unit_id = ANY($1::text[]::uuid[]))",
                unit_ids,
                initiatives_since,
                last,
            ),
        ]

    converters: tuple[Callable[[list[asyncpg.Record]], list[Any]], ...] = (
        lambda rows: [Person(r[0], r[1], r[2]) for r in rows],
        lambda rows: [RatingRecord(r[0], r[1], r[2], r[3], r[4]) for r in rows],
        _awards,
        lambda rows: [StatusPeriod(*r) for r in rows],
        _initiatives,
    )

    async def fetch(
        query: tuple[Any, ...], convert: Callable[[list[asyncpg.Record]], list[Any]]
    ) -> list[Any]:
        # Each result becomes the domain's records as soon as it arrives, while PostgreSQL
        # still works on the others.
        if pool is None:
            return convert(await con.fetch(*query))
        async with pool.acquire() as other:
            rows = await other.fetch(*query)
        return convert(rows)

    pairs = list(zip(queries, converters, strict=True))
    if pool is None:
        results = [await fetch(q, c) for q, c in pairs]
    else:
        results = await asyncio.gather(*(fetch(q, c) for q, c in pairs))
    persons, ratings, awards, statuses, initiatives = results
    leaders, counts = await _common(con)
    return Facts(
        persons=persons,
        collectives=[Collective(r[0], r[1]) for r in units],
        ratings=ratings,
        awards=awards,
        initiatives=initiatives,
        statuses=statuses,
        bloc_leaders=leaders,
        bloc_leader_counts=counts,
    )
