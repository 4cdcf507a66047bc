"""Supervision findings (kiến nghị giám sát) of the Fatherland Front.

Ủy ban MTTQ tỉnh and its member organisations take part in supervising the emulation and
commendation work (Luật Thi đua, khen thưởng 2022, Điều 8): a supervisor raises a finding
against a campaign, a unit, a nomination or a decision, with its text and the references of its
documents; the unit concerned (its officer) or the province (an administrator) answers it.

Raised against a nomination while its public notice runs, a finding is also an objection (ý kiến
phản ánh) on that notice (`notice.record_objection`): the board resolves it before the council
takes the nomination up, and the session's agenda shows it.

raise_finding / answer_finding: check who may act → load the subject → write → publish.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from uuid import UUID, uuid4

import asyncpg

from schemas import awards as a
from servicekit.auth import Principal, Role, forbidden
from servicekit.errors import Conflict, Invalid, NotFound
from servicekit.unit_of_work import UnitOfWork
from services.awards.commands import notice
from services.awards.runtime import Runtime

SUBJECTS = ("campaign", "unit", "nomination", "decision")


@dataclass(frozen=True)
class Subject:
    kind: str
    id: UUID
    unit_id: UUID | None
    """The unit concerned: a unit itself, a nomination's proposing unit; a campaign or a
    decision is the province's own work (None)."""


async def _subject(con: asyncpg.Connection, kind: str, subject_id: UUID) -> Subject:
    """The subject as awards knows it (its own records, or its read model of the registry); an
    unknown one is a 422 naming `subject_id`."""
    if kind == "nomination":
        unit = await con.fetchval(
            "SELECT proposer_unit_id FROM nominations WHERE nomination_id = $1", subject_id
        )
        known = unit is not None
    elif kind == "unit":
        known, unit = (
            await con.fetchval(
                "SELECT EXISTS (SELECT 1 FROM rm_units WHERE unit_id = $1)", subject_id
            ),
            subject_id,
        )
    elif kind == "campaign":
        known, unit = (
            await con.fetchval(
                "SELECT EXISTS (SELECT 1 FROM rm_campaigns WHERE campaign_id = $1)", subject_id
            ),
            None,
        )
    else:
        known, unit = (
            await con.fetchval(
                "SELECT EXISTS (SELECT 1 FROM decisions WHERE decision_id = $1)", subject_id
            ),
            None,
        )
    if not known:
        raise Invalid.at("#/subject_id", f"no {kind} {subject_id}", "unknown_subject")
    return Subject(kind, subject_id, unit)


async def province_unit(con: asyncpg.Connection) -> UUID | None:
    """The province's own unit (Ủy ban nhân dân tỉnh): the root provincial committee."""
    return await con.fetchval(
        "SELECT unit_id FROM rm_units WHERE kind = 'provincial_committee' AND parent_id IS NULL"
        " AND valid_to IS NULL ORDER BY valid_from LIMIT 1"
    )


async def _running_notice(con: asyncpg.Connection, rt: Runtime, nomination_id: UUID) -> UUID | None:
    now = rt.today()
    return await con.fetchval(
        "SELECT n.notice_id FROM notice_items i JOIN notices n USING (notice_id)"
        " JOIN nominations m ON m.nomination_id = i.nomination_id"
        " WHERE i.nomination_id = $1 AND m.status = 'on_notice'"
        " AND n.start_on <= $2 AND $2 <= n.end_on",
        nomination_id,
        now,
    )


async def raise_finding(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    *,
    subject_kind: str,
    subject_id: UUID,
    content: str,
    documents: Sequence[str],
) -> UUID:
    if not who.has_role(Role.SUPERVISOR):
        raise forbidden("only the Fatherland Front's supervisors raise supervision findings")
    try:
        supervisor_unit = UUID(str(who.unit_id))
    except ValueError:
        raise forbidden("a supervisor's token must name the unit of the Front body") from None
    con, now = uow.con, rt.today()
    subject = await _subject(con, subject_kind, subject_id)
    finding_id = uuid4()
    objection_id = None
    if subject.kind == "nomination":
        notice_id = await _running_notice(con, rt, subject.id)
        if notice_id is not None:
            objection_id = await notice.record_objection(
                uow, rt, who, notice_id=notice_id, nomination_id=subject.id, content=content
            )
            await con.execute(
                "UPDATE objections SET finding_id = $2 WHERE objection_id = $1",
                objection_id,
                finding_id,
            )
    await con.execute(
        "INSERT INTO supervision_findings (finding_id, subject_kind, subject_id, unit_id,"
        " supervisor_unit_id, raised_by, raised_on, content, documents, objection_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        finding_id,
        subject.kind,
        subject.id,
        subject.unit_id,
        supervisor_unit,
        who.sub,
        now,
        content,
        list(documents),
        objection_id,
    )
    await uow.publish(
        a.SupervisionFindingRaised(
            finding_id=finding_id,
            subject_kind=subject.kind,
            subject_id=subject.id,
            raised_on=now,
            supervisor_unit_id=supervisor_unit,
            unit_id=subject.unit_id,
            province_unit_id=await province_unit(con),
            content=content,
            documents=list(documents),
            objection_id=objection_id,
        ),
    )
    return finding_id


def may_answer(who: Principal, unit_id: UUID | None) -> bool:
    """The province answers any finding; a unit officer those concerning their unit."""
    if who.has_role(Role.PROVINCE_ADMIN):
        return True
    return unit_id is not None and who.has_role(Role.UNIT_OFFICER) and who.unit_id == str(unit_id)


def may_read(who: Principal, row: asyncpg.Record) -> bool:
    """The province and the Front's supervisors read every finding; a unit officer those
    concerning their unit."""
    if who.has_role(Role.PROVINCE_ADMIN, Role.SUPERVISOR):
        return True
    return may_answer(who, row["unit_id"])


async def answer_finding(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    finding_id: UUID,
    *,
    answer: str,
    documents: Sequence[str],
) -> None:
    con, now = uow.con, rt.today()
    f = await con.fetchrow(
        "SELECT * FROM supervision_findings WHERE finding_id = $1 FOR UPDATE", finding_id
    )
    if f is None or not may_read(who, f):
        raise NotFound(f"no finding {finding_id}", code="not_found")
    if not may_answer(who, f["unit_id"]):
        raise forbidden("a finding is answered by the unit concerned or the province")
    if f["status"] != "open":
        raise Conflict("the finding was already answered", code="already_answered")
    by_province = who.has_role(Role.PROVINCE_ADMIN)
    await con.execute(
        "UPDATE supervision_findings SET status = 'answered', answer = $2,"
        " answer_documents = $3, answered_by = $4, answered_by_province = $5, answered_on = $6"
        " WHERE finding_id = $1",
        finding_id,
        answer,
        list(documents),
        who.sub,
        by_province,
        now,
    )
    await uow.publish(
        a.SupervisionFindingAnswered(
            finding_id=finding_id,
            subject_kind=f["subject_kind"],
            subject_id=f["subject_id"],
            answered_on=now,
            supervisor_unit_id=f["supervisor_unit_id"],
            unit_id=f["unit_id"],
            by_province=by_province,
            answer=answer,
            documents=list(documents),
        ),
    )
