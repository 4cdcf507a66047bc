"""SQL of the province's decisions, their lines (award money per nominee) and revocations."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from decimal import Decimal
from uuid import UUID

import asyncpg


async def number_taken(con: asyncpg.Connection, number: str) -> bool:
    return bool(
        await con.fetchval("SELECT EXISTS (SELECT 1 FROM decisions WHERE number = $1)", number)
    )


async def insert_decision(
    con: asyncpg.Connection,
    decision_id: UUID,
    *,
    number: str,
    signed_on: date,
    signer_name: str,
    signer_title: str,
    base_salary_vnd: int,
    total_vnd: int,
    issued_by: str,
    signer_authority: str,
    signer_unit_id: UUID | None,
) -> None:
    await con.execute(
        "INSERT INTO decisions (decision_id, number, signed_on, signer_name, signer_title,"
        " base_salary_vnd, total_vnd, issued_by, signer_authority, signer_unit_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        decision_id,
        number,
        signed_on,
        signer_name,
        signer_title,
        base_salary_vnd,
        total_vnd,
        issued_by,
        signer_authority,
        signer_unit_id,
    )


async def insert_lines(
    con: asyncpg.Connection,
    decision_id: UUID,
    nominations: Sequence[asyncpg.Record],
    multipliers: Sequence[Decimal],
    amounts: Sequence[int],
) -> None:
    """One line per nomination, numbered in the order given."""
    await con.execute(
        "INSERT INTO decision_lines (decision_id, position, nomination_id, nominee_kind,"
        " nominee_id, award_code, multiplier, amount_vnd)"
        " SELECT $1, p, n, k, s, c, m, a FROM unnest($2::int[], $3::uuid[], $4::text[],"
        " $5::uuid[], $6::text[], $7::numeric[], $8::bigint[]) AS x(p, n, k, s, c, m, a)",
        decision_id,
        list(range(1, len(nominations) + 1)),
        [r["nomination_id"] for r in nominations],
        [r["nominee_kind"] for r in nominations],
        [r["nominee_id"] for r in nominations],
        [r["award_code"] for r in nominations],
        list(multipliers),
        list(amounts),
    )


async def decision_for_update(con: asyncpg.Connection, decision_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM decisions WHERE decision_id = $1 FOR UPDATE", decision_id
    )


async def lines_of(con: asyncpg.Connection, decision_id: UUID) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT * FROM decision_lines WHERE decision_id = $1 ORDER BY position", decision_id
    )


async def insert_revocation(
    con: asyncpg.Connection,
    revocation_id: UUID,
    decision_id: UUID,
    nomination_ids: Sequence[UUID],
    *,
    revoked_on: date,
    revocation_number: str | None,
    reason: str,
    amount_to_recover_vnd: int,
    revoked_by: str,
) -> None:
    """The revocation, and its date on the decision's lines it revokes."""
    await con.execute(
        "INSERT INTO revocations (revocation_id, decision_id, nomination_ids, revoked_on,"
        " revocation_number, reason, amount_to_recover_vnd, revoked_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        revocation_id,
        decision_id,
        list(nomination_ids),
        revoked_on,
        revocation_number,
        reason,
        amount_to_recover_vnd,
        revoked_by,
    )
    await con.execute(
        "UPDATE decision_lines SET revoked_on = $3, revocation_id = $4"
        " WHERE decision_id = $1 AND nomination_id = ANY($2::uuid[])",
        decision_id,
        list(nomination_ids),
        revoked_on,
        revocation_id,
    )


async def decision(con: asyncpg.Connection, decision_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM decisions WHERE decision_id = $1", decision_id)


async def lines_with_periods(con: asyncpg.Connection, decision_id: UUID) -> list[asyncpg.Record]:
    """The decision's lines in order, with each nomination's year and achievement period."""
    return await con.fetch(
        "SELECT l.*, n.year, n.period_start, n.period_end FROM decision_lines l"
        " JOIN nominations n USING (nomination_id) WHERE l.decision_id = $1 ORDER BY l.position",
        decision_id,
    )


async def revocation(con: asyncpg.Connection, revocation_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM revocations WHERE revocation_id = $1", revocation_id)
