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
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards import events
from services.awards.commands import notice
from services.awards.runtime import Runtime
from services.awards.store import findings

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
    unit: UUID | None
    if kind == "nomination":
        unit = await findings.proposer_unit(con, subject_id)
        known = unit is not None
    elif kind == "unit":
        known, unit = await findings.unit_known(con, subject_id), subject_id
    elif kind == "campaign":
        known, unit = await findings.campaign_known(con, subject_id), None
    else:
        known, unit = await findings.decision_known(con, subject_id), None
    if not known:
        raise Invalid.at(
            "#/subject_id",
            Msg("no {kind} {subject_id}", kind=kind, subject_id=subject_id),
            "unknown_subject",
        )
    return Subject(kind, subject_id, unit)


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
        notice_id = await findings.running_notice(con, subject.id, now)
        if notice_id is not None:
            objection_id = await notice.record_objection(
                uow, rt, who, notice_id=notice_id, nomination_id=subject.id, content=content
            )
            await findings.link_objection(con, objection_id, finding_id)
    await findings.insert_finding(
        con,
        finding_id,
        subject_kind=subject.kind,
        subject_id=subject.id,
        unit_id=subject.unit_id,
        supervisor_unit_id=supervisor_unit,
        raised_by=who.sub,
        raised_on=now,
        content=content,
        documents=documents,
        objection_id=objection_id,
    )
    await uow.publish(
        a.SupervisionFindingRaised(
            finding_id=finding_id,
            subject_kind=subject.kind,
            subject_id=subject.id,
            raised_on=now,
            supervisor_unit_id=supervisor_unit,
            unit_id=subject.unit_id,
            province_unit_id=await findings.province_unit(con),
            content=content,
            **events.cited_documents(documents),
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
    f = await findings.finding(con, finding_id, lock=True)
    if f is None or not may_read(who, f):
        raise NotFound(Msg("no finding {finding_id}", finding_id=finding_id), code="not_found")
    if not may_answer(who, f["unit_id"]):
        raise forbidden("a finding is answered by the unit concerned or the province")
    if f["status"] != "open":
        raise Conflict("the finding was already answered", code="already_answered")
    by_province = who.has_role(Role.PROVINCE_ADMIN)
    await findings.answer(
        con,
        finding_id,
        answer=answer,
        documents=documents,
        answered_by=who.sub,
        by_province=by_province,
        on=now,
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
            **events.cited_documents(documents),
        ),
    )
