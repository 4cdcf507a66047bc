"""SQL of public notices, the nominations on them, and the objections received while they run."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg


async def insert_notice(
    con: asyncpg.Connection,
    notice_id: UUID,
    title: str,
    days: tuple[date, date],
    working_days: int,
    nomination_ids: Sequence[UUID],
    by: str,
) -> None:
    """A notice from its first to its last day, and the nominations on it."""
    await con.execute(
        "INSERT INTO notices (notice_id, title, start_on, end_on, working_days, posted_by)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        notice_id,
        title,
        days[0],
        days[1],
        working_days,
        by,
    )
    await con.execute(
        "INSERT INTO notice_items (notice_id, nomination_id) SELECT $1, unnest($2::uuid[])",
        notice_id,
        list(nomination_ids),
    )


async def notice(con: asyncpg.Connection, notice_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM notices WHERE notice_id = $1", notice_id)


async def lists(con: asyncpg.Connection, notice_id: UUID, nomination_id: UUID) -> bool:
    """The nomination is on this notice."""
    return bool(
        await con.fetchval(
            "SELECT EXISTS (SELECT 1 FROM notice_items"
            " WHERE notice_id = $1 AND nomination_id = $2)",
            notice_id,
            nomination_id,
        )
    )


async def last_days(con: asyncpg.Connection, nomination_ids: Sequence[UUID]) -> dict[UUID, date]:
    """The last day of the notice each nomination is on."""
    rows = await con.fetch(
        "SELECT i.nomination_id, n.end_on FROM notice_items i JOIN notices n USING"
        " (notice_id) WHERE i.nomination_id = ANY($1::uuid[])",
        list(nomination_ids),
    )
    return {r["nomination_id"]: r["end_on"] for r in rows}


async def take_off(con: asyncpg.Connection, nomination_id: UUID) -> None:
    """A withdrawn nomination leaves its notice."""
    await con.execute("DELETE FROM notice_items WHERE nomination_id = $1", nomination_id)


async def insert_objection(
    con: asyncpg.Connection,
    objection_id: UUID,
    notice_id: UUID,
    nomination_id: UUID,
    received_on: date,
    content: str,
    by: str,
) -> None:
    await con.execute(
        "INSERT INTO objections (objection_id, notice_id, nomination_id, received_on, content,"
        " recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
        objection_id,
        notice_id,
        nomination_id,
        received_on,
        content,
        by,
    )


async def objection_for_update(
    con: asyncpg.Connection, objection_id: UUID
) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM objections WHERE objection_id = $1 FOR UPDATE", objection_id
    )


async def resolve_objection(
    con: asyncpg.Connection,
    objection_id: UUID,
    outcome: str,
    resolution: str,
    by: str,
    on: date,
) -> None:
    await con.execute(
        "UPDATE objections SET status = $2, resolution = $3, resolved_by = $4, resolved_on = $5"
        " WHERE objection_id = $1",
        objection_id,
        outcome,
        resolution,
        by,
        on,
    )


async def with_open_objections(
    con: asyncpg.Connection, nomination_ids: Sequence[UUID]
) -> set[UUID]:
    """Those of the nominations with an objection not yet resolved."""
    rows = await con.fetch(
        "SELECT DISTINCT nomination_id FROM objections"
        " WHERE nomination_id = ANY($1::uuid[]) AND status = 'open'",
        list(nomination_ids),
    )
    return {r[0] for r in rows}


async def nominations_on(con: asyncpg.Connection, notice_id: UUID) -> list[UUID]:
    rows = await con.fetch(
        "SELECT nomination_id FROM notice_items WHERE notice_id = $1 ORDER BY nomination_id",
        notice_id,
    )
    return [r[0] for r in rows]


async def objections_to(con: asyncpg.Connection, notice_id: UUID) -> list[asyncpg.Record]:
    """The objections received during a notice, in the order they were recorded."""
    return await con.fetch(
        "SELECT * FROM objections WHERE notice_id = $1 ORDER BY recorded_at", notice_id
    )


async def objections_against(
    con: asyncpg.Connection, nomination_ids: Sequence[UUID]
) -> list[asyncpg.Record]:
    """The objections to these nominations, in the order they were recorded."""
    return await con.fetch(
        "SELECT * FROM objections WHERE nomination_id = ANY($1::uuid[]) ORDER BY recorded_at",
        list(nomination_ids),
    )
