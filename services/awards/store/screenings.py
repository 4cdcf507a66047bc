"""SQL of screenings: the consideration date a session gives, a screening with its rule results."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from services.awards.domain import ScreeningResult

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
    # batch_size: how many were screened together with it (a batch shares quotas and titles)
    row = await con.fetchrow(
        "SELECT s.*, (SELECT count(*) FROM screenings b WHERE b.batch_id = s.batch_id)"
        " AS batch_size FROM screenings s WHERE s.screening_id = $1",
        screening_id,
    )
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
        "batch_size": row["batch_size"],
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


async def screened_on(con: asyncpg.Connection, screening_ids: Sequence[UUID]) -> dict[UUID, date]:
    """Nomination → the day of its screening, for these screenings."""
    rows = await con.fetch(
        "SELECT nomination_id, screened_on FROM screenings WHERE screening_id = ANY($1::uuid[])",
        list(screening_ids),
    )
    return {r["nomination_id"]: r["screened_on"] for r in rows}


async def ids_of(con: asyncpg.Connection, nomination_id: UUID) -> list[UUID]:
    """A nomination's screenings, latest last."""
    rows = await con.fetch(
        "SELECT screening_id FROM screenings WHERE nomination_id = $1 ORDER BY screened_at",
        nomination_id,
    )
    return [r[0] for r in rows]


async def lock_screening(con: asyncpg.Connection, key: int) -> None:
    """One screening at a time (a transaction-scoped advisory lock): a batch settles quotas and
    single-use initiatives among the nominations screened together."""
    await con.execute("SELECT pg_advisory_xact_lock($1)", key)
