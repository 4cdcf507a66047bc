"""Supervision findings (kiến nghị giám sát) of the Fatherland Front: raise, answer, read
(services/awards/findings.py)."""

from __future__ import annotations

from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, Request

from servicekit.audit import audit_object
from servicekit.errors import NotFound
from servicekit.messages import Msg
from services.awards.api.common import (
    PROBLEMS,
    FindingAnswerer,
    FindingRaiser,
    FindingReader,
    ReadCon,
    Rt,
    Uow,
    is_officer_only,
    own_unit_only,
)
from services.awards.api.models import (
    Created,
    FindingAnswerIn,
    FindingIn,
    FindingOut,
    FindingPage,
)
from services.awards.commands import findings
from services.awards.store import findings as findings_db

router = APIRouter(tags=["supervision"], responses=PROBLEMS)


def finding_out(r: asyncpg.Record) -> FindingOut:
    return FindingOut(
        finding_id=r["finding_id"],
        subject_kind=r["subject_kind"],
        subject_id=r["subject_id"],
        unit_id=r["unit_id"],
        supervisor_unit_id=r["supervisor_unit_id"],
        raised_on=r["raised_on"],
        content=r["content"],
        documents=list(r["documents"]),
        objection_id=r["objection_id"],
        status=r["status"],
        answer=r["answer"],
        answer_documents=list(r["answer_documents"]),
        answered_by_province=r["answered_by_province"],
        answered_on=r["answered_on"],
    )


@router.post(
    "/findings",
    status_code=201,
    response_model=Created,
    summary="Raise a supervision finding (the Front's supervisors)",
    description="Against a campaign, a unit, a nomination or a decision. Against a nomination "
    "while its public notice runs, it is also recorded as an objection on that notice.",
)
async def raise_finding(
    body: FindingIn, uow: Uow, rt: Rt, who: FindingRaiser, request: Request
) -> Created:
    finding_id = await findings.raise_finding(
        uow,
        rt,
        who,
        subject_kind=body.subject_kind,
        subject_id=body.subject_id,
        content=body.content,
        documents=body.documents,
    )
    audit_object(request, f"finding:{finding_id}")
    return Created(id=finding_id)


@router.post(
    "/findings/{finding_id}/answer",
    response_model=FindingOut,
    summary="Answer a finding (the unit concerned, or the province)",
)
async def answer_finding(
    finding_id: UUID, body: FindingAnswerIn, uow: Uow, rt: Rt, who: FindingAnswerer,
    request: Request,
) -> FindingOut:  # fmt: skip
    await findings.answer_finding(
        uow, rt, who, finding_id, answer=body.answer, documents=body.documents
    )
    audit_object(request, f"finding:{finding_id}")
    row = await findings_db.finding(uow.con, finding_id)
    if row is None:  # answered in this transaction: it exists unless removed meanwhile
        raise NotFound(Msg("no finding {finding_id}", finding_id=finding_id), code="not_found")
    return finding_out(row)


@router.get("/findings", response_model=FindingPage, summary="Supervision findings, newest first")
async def list_findings(
    con: ReadCon,
    who: FindingReader,
    unit_id: UUID | None = None,
    subject_id: UUID | None = None,
    status: Literal["open", "answered"] | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
) -> FindingPage:
    if is_officer_only(who):
        unit_id = unit_id or UUID(str(who.unit_id))
        own_unit_only(who, unit_id, "another unit's findings")
    rows = await findings_db.page(
        con, unit_id=unit_id, subject_id=subject_id, status=status, limit=limit
    )
    return FindingPage(items=[finding_out(r) for r in rows])


@router.get("/findings/{finding_id}", response_model=FindingOut, summary="A finding")
async def get_finding(finding_id: UUID, con: ReadCon, who: FindingReader) -> FindingOut:
    row = await findings_db.finding(con, finding_id)
    # another unit's finding is answered as unknown: its existence is not disclosed
    if row is None or not findings.may_read(who, row):
        raise NotFound(Msg("no finding {finding_id}", finding_id=finding_id), code="not_found")
    return finding_out(row)
