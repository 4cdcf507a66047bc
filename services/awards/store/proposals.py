"""SQL of the submissions to the central level (tờ trình) and the central answer per line."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg


async def number_taken(con: asyncpg.Connection, number: str) -> bool:
    return bool(
        await con.fetchval("SELECT EXISTS (SELECT 1 FROM proposals WHERE number = $1)", number)
    )


async def insert_proposal(
    con: asyncpg.Connection,
    proposal_id: UUID,
    *,
    number: str,
    submitted_on: date,
    signer_name: str,
    signer_title: str,
    submitted_by: str,
    nomination_ids: Sequence[UUID],
    award_codes: Sequence[str],
    authorities: Sequence[str],
) -> None:
    """The submission and its lines, numbered in the order given."""
    await con.execute(
        "INSERT INTO proposals (proposal_id, number, submitted_on, signer_name, signer_title,"
        " submitted_by) VALUES ($1, $2, $3, $4, $5, $6)",
        proposal_id, number, submitted_on, signer_name, signer_title, submitted_by,
    )  # fmt: skip
    await con.execute(
        "INSERT INTO proposal_lines (proposal_id, position, nomination_id, award_code, authority)"
        " SELECT $1, p, n, c, x FROM unnest($2::int[], $3::uuid[], $4::text[], $5::text[])"
        " AS t(p, n, c, x)",
        proposal_id,
        list(range(1, len(nomination_ids) + 1)),
        list(nomination_ids),
        list(award_codes),
        list(authorities),
    )


async def proposal(con: asyncpg.Connection, proposal_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM proposals WHERE proposal_id = $1", proposal_id)


async def line_for_update(
    con: asyncpg.Connection, proposal_id: UUID, nomination_id: UUID
) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM proposal_lines WHERE proposal_id = $1 AND nomination_id = $2 FOR UPDATE",
        proposal_id,
        nomination_id,
    )


async def record_answer(
    con: asyncpg.Connection,
    proposal_id: UUID,
    nomination_id: UUID,
    *,
    conferred: bool,
    decision_number: str | None,
    decided_on: date,
    recorded_by: str,
) -> None:
    await con.execute(
        "UPDATE proposal_lines SET conferred = $3, decision_number = $4, decided_on = $5,"
        " recorded_by = $6 WHERE proposal_id = $1 AND nomination_id = $2",
        proposal_id, nomination_id, conferred, decision_number, decided_on, recorded_by,
    )  # fmt: skip


async def lines_with_nominees(con: asyncpg.Connection, proposal_id: UUID) -> list[asyncpg.Record]:
    """The submission's lines in order, with each nominee."""
    return await con.fetch(
        "SELECT l.*, n.nominee_kind, n.nominee_id FROM proposal_lines l"
        " JOIN nominations n USING (nomination_id) WHERE l.proposal_id = $1 ORDER BY l.position",
        proposal_id,
    )
