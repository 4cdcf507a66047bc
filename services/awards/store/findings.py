"""SQL of the Fatherland Front's supervision findings, and what a finding's subject is."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg


async def proposer_unit(con: asyncpg.Connection, nomination_id: UUID) -> UUID | None:
    """The unit that proposed the nomination; None when there is no such nomination."""
    unit: UUID | None = await con.fetchval(
        "SELECT proposer_unit_id FROM nominations WHERE nomination_id = $1", nomination_id
    )
    return unit


async def unit_known(con: asyncpg.Connection, unit_id: UUID) -> bool:
    return bool(
        await con.fetchval("SELECT EXISTS (SELECT 1 FROM rm_units WHERE unit_id = $1)", unit_id)
    )


async def campaign_known(con: asyncpg.Connection, campaign_id: UUID) -> bool:
    return bool(
        await con.fetchval(
            "SELECT EXISTS (SELECT 1 FROM rm_campaigns WHERE campaign_id = $1)", campaign_id
        )
    )


async def decision_known(con: asyncpg.Connection, decision_id: UUID) -> bool:
    return bool(
        await con.fetchval(
            "SELECT EXISTS (SELECT 1 FROM decisions WHERE decision_id = $1)", decision_id
        )
    )


async def province_unit(con: asyncpg.Connection) -> UUID | None:
    """The province's own unit (Ủy ban nhân dân tỉnh): the root provincial committee."""
    unit: UUID | None = await con.fetchval(
        "SELECT unit_id FROM rm_units WHERE kind = 'provincial_committee' AND parent_id IS NULL"
        " AND valid_to IS NULL ORDER BY valid_from LIMIT 1"
    )
    return unit


async def running_notice(con: asyncpg.Connection, nomination_id: UUID, on: date) -> UUID | None:
    """The notice the nomination is on, if it runs on that day."""
    notice: UUID | None = await con.fetchval(
        "SELECT n.notice_id FROM notice_items i JOIN notices n USING (notice_id)"
        " JOIN nominations m ON m.nomination_id = i.nomination_id"
        " WHERE i.nomination_id = $1 AND m.status = 'on_notice'"
        " AND n.start_on <= $2 AND $2 <= n.end_on",
        nomination_id,
        on,
    )
    return notice


async def link_objection(con: asyncpg.Connection, objection_id: UUID, finding_id: UUID) -> None:
    await con.execute(
        "UPDATE objections SET finding_id = $2 WHERE objection_id = $1",
        objection_id,
        finding_id,
    )


async def insert_finding(
    con: asyncpg.Connection,
    finding_id: UUID,
    *,
    subject_kind: str,
    subject_id: UUID,
    unit_id: UUID | None,
    supervisor_unit_id: UUID,
    raised_by: str,
    raised_on: date,
    content: str,
    documents: Sequence[str],
    objection_id: UUID | None,
) -> None:
    await con.execute(
        "INSERT INTO supervision_findings (finding_id, subject_kind, subject_id, unit_id,"
        " supervisor_unit_id, raised_by, raised_on, content, documents, objection_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        finding_id,
        subject_kind,
        subject_id,
        unit_id,
        supervisor_unit_id,
        raised_by,
        raised_on,
        content,
        list(documents),
        objection_id,
    )


async def finding(
    con: asyncpg.Connection, finding_id: UUID, *, lock: bool = False
) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM supervision_findings WHERE finding_id = $1"
        + (" FOR UPDATE" if lock else ""),
        finding_id,
    )


async def answer(
    con: asyncpg.Connection,
    finding_id: UUID,
    *,
    answer: str,
    documents: Sequence[str],
    answered_by: str,
    by_province: bool,
    on: date,
) -> None:
    await con.execute(
        "UPDATE supervision_findings SET status = 'answered', answer = $2,"
        " answer_documents = $3, answered_by = $4, answered_by_province = $5, answered_on = $6"
        " WHERE finding_id = $1",
        finding_id,
        answer,
        list(documents),
        answered_by,
        by_province,
        on,
    )


async def page(
    con: asyncpg.Connection,
    *,
    unit_id: UUID | None,
    subject_id: UUID | None,
    status: str | None,
    limit: int,
) -> list[asyncpg.Record]:
    """Findings newest first, filtered by the unit concerned, the subject and the status."""
    return await con.fetch(
        "SELECT * FROM supervision_findings WHERE ($1::uuid IS NULL OR unit_id = $1)"
        " AND ($2::uuid IS NULL OR subject_id = $2) AND ($3::text IS NULL OR status = $3)"
        " ORDER BY raised_at DESC, finding_id LIMIT $4",
        unit_id,
        subject_id,
        status,
        limit,
    )
