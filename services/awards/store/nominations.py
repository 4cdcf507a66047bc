"""SQL of the procedure's own tables: nominations and their dossier, screenings, notices,
objections, councils, sessions, the secret ballot, decisions and the award history. Plain
functions over a connection; the handlers decide, this module reads and writes."""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from services.awards.domain import ScreeningResult

# ---- read model lookups ----------------------------------------------------------------------


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
    unit_of = dict(
        await con.fetch(
            "SELECT person_id, unit_id FROM rm_people WHERE person_id = ANY($1::uuid[])", people
        )
    )
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


# ---- nominations -----------------------------------------------------------------------------


async def insert_nomination(con: asyncpg.Connection, **row: Any) -> None:
    columns = ", ".join(row)
    params = ", ".join(f"${i}" for i in range(1, len(row) + 1))
    await con.execute(f"INSERT INTO nominations ({columns}) VALUES ({params})", *row.values())


async def nomination_exists(
    con: asyncpg.Connection, kind: str, nominee_id: UUID, code: str, year: int
) -> UUID | None:
    """The nomination holding this nominee's place for the award and year (a withdrawn one
    does not)."""
    return await con.fetchval(
        "SELECT nomination_id FROM nominations WHERE nominee_kind = $1 AND nominee_id = $2"
        " AND award_code = $3 AND year = $4 AND status <> 'withdrawn'",
        kind,
        nominee_id,
        code,
        year,
    )


async def add_documents(
    con: asyncpg.Connection, nomination_id: UUID, documents: Sequence[tuple[str, str]], by: str
) -> None:
    if not documents:
        return
    start = await con.fetchval(
        "SELECT coalesce(max(position), 0) FROM nomination_documents WHERE nomination_id = $1",
        nomination_id,
    )
    await con.execute(
        "INSERT INTO nomination_documents (nomination_id, position, type, ref, added_by)"
        " SELECT $1, p, t, r, $5 FROM unnest($2::int[], $3::text[], $4::text[]) AS d(p, t, r)",
        nomination_id,
        list(range(start + 1, start + 1 + len(documents))),
        [t for t, _ in documents],
        [r for _, r in documents],
        by,
    )


async def add_initiatives(
    con: asyncpg.Connection, nomination_id: UUID, initiative_ids: Sequence[UUID]
) -> None:
    if initiative_ids:
        await con.execute(
            "INSERT INTO nomination_initiatives (nomination_id, initiative_id)"
            " SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
            nomination_id,
            list(initiative_ids),
        )


async def nominations(
    con: asyncpg.Connection, ids: Sequence[UUID], *, lock: bool = False
) -> list[asyncpg.Record]:
    """The nominations, in submission order; `lock` takes their rows for the transaction."""
    return await con.fetch(
        "SELECT * FROM nominations WHERE nomination_id = ANY($1::uuid[]) ORDER BY seq"
        + (" FOR UPDATE" if lock else ""),
        list(ids),
    )


async def nomination(
    con: asyncpg.Connection, nomination_id: UUID, *, lock: bool = False
) -> asyncpg.Record | None:
    rows = await nominations(con, [nomination_id], lock=lock)
    return rows[0] if rows else None


async def documents_of(con: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, list]:
    out: dict[UUID, list] = {i: [] for i in ids}
    for r in await con.fetch(
        "SELECT nomination_id, type, ref FROM nomination_documents"
        " WHERE nomination_id = ANY($1::uuid[]) ORDER BY nomination_id, position",
        list(ids),
    ):
        out[r["nomination_id"]].append((r["type"], r["ref"]))
    return out


async def initiatives_of(con: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, list[UUID]]:
    out: dict[UUID, list[UUID]] = {i: [] for i in ids}
    for r in await con.fetch(
        "SELECT nomination_id, initiative_id FROM nomination_initiatives"
        " WHERE nomination_id = ANY($1::uuid[]) ORDER BY nomination_id, initiative_id",
        list(ids),
    ):
        out[r["nomination_id"]].append(r["initiative_id"])
    return out


async def set_status(
    con: asyncpg.Connection,
    ids: Sequence[UUID],
    status: str,
    actor: str,
    action: str,
    detail: str | None = None,
    **columns: Any,
) -> None:
    """Move nominations to `status` (and set other columns), and log the change."""
    sets = ["status = $2", "updated_at = now()"]
    values: list[Any] = [list(ids), status]
    for name, value in columns.items():
        values.append(value)
        sets.append(f"{name} = ${len(values)}")
    await con.execute(
        f"UPDATE nominations SET {', '.join(sets)} WHERE nomination_id = ANY($1::uuid[])", *values
    )
    await log(con, ids, actor, action, status, detail)


async def log(
    con: asyncpg.Connection,
    ids: Sequence[UUID],
    actor: str,
    action: str,
    status: str,
    detail: str | None = None,
) -> None:
    await con.execute(
        "INSERT INTO nomination_log (nomination_id, actor, action, status, detail)"
        " SELECT unnest($1::uuid[]), $2, $3, $4, $5",
        list(ids),
        actor,
        action,
        status,
        detail,
    )


async def history_of(con: asyncpg.Connection, nomination_id: UUID) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT at, actor, action, status, detail FROM nomination_log"
        " WHERE nomination_id = $1 ORDER BY id",
        nomination_id,
    )


async def list_nominations(
    con: asyncpg.Connection,
    *,
    year: int | None,
    status: str | None,
    award_code: str | None,
    proposer_unit_id: UUID | None,
    campaign_id: UUID | None,
    verdict: str | None,
    limit: int,
    occasion_id: UUID | None = None,
    after_seq: int | None,
) -> list[asyncpg.Record]:
    where, values = [], []

    def cond(sql: str, value: Any) -> None:
        values.append(value)
        where.append(sql.replace("?", f"${len(values)}"))

    if year is not None:
        cond("year = ?", year)
    if status is not None:
        cond("status = ?", status)
    if award_code is not None:
        cond("award_code = ?", award_code)
    if proposer_unit_id is not None:
        cond("proposer_unit_id = ?", proposer_unit_id)
    if campaign_id is not None:
        cond("campaign_id = ?", campaign_id)
    if verdict is not None:
        cond("verdict = ?", verdict)
    if occasion_id is not None:
        cond("occasion_id = ?", occasion_id)
    if after_seq is not None:
        cond("seq > ?", after_seq)
    values.append(limit)
    sql = "SELECT * FROM nominations"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY seq LIMIT ${len(values)}"
    return await con.fetch(sql, *values)


# ---- R11: initiatives supporting a nomination ------------------------------------------------


async def release_initiatives(con: asyncpg.Connection, ids: Sequence[UUID]) -> None:
    """Give back the initiatives the nominations took (not those a decision made final)."""
    await con.execute(
        "DELETE FROM initiative_uses WHERE nomination_id = ANY($1::uuid[]) AND NOT final",
        list(ids),
    )


async def take_initiatives(
    con: asyncpg.Connection, nomination_id: UUID, initiative_ids: Sequence[UUID]
) -> None:
    if initiative_ids:
        await con.execute(
            "INSERT INTO initiative_uses (initiative_id, nomination_id)"
            " SELECT unnest($2::uuid[]), $1",
            nomination_id,
            list(initiative_ids),
        )


async def finalise_initiatives(con: asyncpg.Connection, ids: Sequence[UUID]) -> None:
    await con.execute(
        "UPDATE initiative_uses SET final = true WHERE nomination_id = ANY($1::uuid[])", list(ids)
    )


# ---- screenings ------------------------------------------------------------------------------


async def session_dates(con: asyncpg.Connection, session_ids: Sequence[UUID]) -> dict[UUID, date]:
    """The day each council session is held: the consideration date of what is on its agenda."""
    if not session_ids:
        return {}
    rows = await con.fetch(
        "SELECT session_id, held_on FROM council_sessions WHERE session_id = ANY($1::uuid[])",
        list(set(session_ids)),
    )
    return {r[0]: r[1] for r in rows}


async def insert_screening(
    con: asyncpg.Connection,
    screening_id: UUID,
    nomination_id: UUID,
    batch_id: UUID,
    on: date,
    by: str,
    result: ScreeningResult,
) -> None:
    await con.execute(
        "INSERT INTO screenings (screening_id, nomination_id, batch_id, screened_on, screened_by,"
        " regime, verdict, failing, initiative_ids, considered_on)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9::text[]::uuid[], $10)",
        screening_id,
        nomination_id,
        batch_id,
        on,
        by,
        str(result.regime),
        result.verdict,
        list(result.failing),
        list(result.initiative_ids),
        result.considered_on,
    )
    rules = result.results
    await con.execute(
        "INSERT INTO screening_rules"
        " (screening_id, position, rule_id, passed, citation, facts, reason, effect)"
        " SELECT $1, ord, r, p, c, f::jsonb, why, e"
        "   FROM unnest($2::text[], $3::bool[], $4::text[], $5::text[], $6::text[], $7::text[])"
        "   WITH ORDINALITY AS x(r, p, c, f, why, e, ord)",
        screening_id,
        [r.rule_id for r in rules],
        [r.passed for r in rules],
        [r.citation for r in rules],
        [json.dumps(r.facts, ensure_ascii=False) for r in rules],
        [r.reason for r in rules],
        [r.effect for r in rules],
    )


async def screening(con: asyncpg.Connection, screening_id: UUID) -> dict[str, Any] | None:
    row = await con.fetchrow("SELECT * FROM screenings WHERE screening_id = $1", screening_id)
    if row is None:
        return None
    rules = await con.fetch(
        "SELECT rule_id, passed, citation, facts, reason, effect FROM screening_rules"
        " WHERE screening_id = $1 ORDER BY position",
        screening_id,
    )
    return {
        "screening_id": row["screening_id"],
        "screened_on": row["screened_on"],
        "considered_on": row["considered_on"],
        "regime": row["regime"],
        "verdict": row["verdict"],
        "failing": list(row["failing"]),
        "initiative_ids": list(row["initiative_ids"]),
        "rule_results": [
            {
                "rule_id": r["rule_id"],
                "passed": r["passed"],
                "citation": r["citation"],
                "facts": json.loads(r["facts"]),
                "reason": r["reason"],
                "effect": r["effect"],
            }
            for r in rules
        ],
    }


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
