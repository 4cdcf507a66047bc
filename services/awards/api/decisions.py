"""Decisions (quyết định): issuing one for approved nominations, reading it, its list of awardees
as .xlsx and as a printable page, revocation."""

from __future__ import annotations

from uuid import UUID

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from servicekit.audit import audit_object
from servicekit.errors import NotFound
from servicekit.messages import Msg
from servicekit.vietnamese import fold
from services.awards.adapters import exports
from services.awards.api.common import PROBLEMS, Admin, Anyone, ReadCon, Rt, Uow
from services.awards.api.models import (
    DecisionIn,
    DecisionLineOut,
    DecisionOut,
    NomineeOut,
    PeriodIn,
    RevocationIn,
    RevocationOut,
)
from services.awards.commands import decisions, revocation
from services.awards.domain.authority import Authority
from services.awards.store import decisions as decisions_db
from services.awards.store import readmodel as lookup

router = APIRouter(tags=["decisions"], responses=PROBLEMS)


def decision_out(view: exports.DecisionView) -> DecisionOut:
    return DecisionOut(
        decision_id=view.decision_id,
        number=view.number,
        signed_on=view.signed_on,
        signer_name=view.signer_name,
        signer_title=view.signer_title,
        signer_authority=view.signer_authority,
        signer_unit_id=view.signer_unit_id,
        base_salary_vnd=view.base_salary_vnd,
        total_vnd=view.total_vnd,
        lines=[
            DecisionLineOut(
                position=ln.position,
                nomination_id=ln.nomination_id,
                nominee=NomineeOut(
                    kind=ln.kind, id=ln.nominee_id, name=ln.name, unit_name=ln.unit_name
                ),
                award_code=ln.award_code,
                award_name=ln.award_name,
                year=ln.year,
                period=PeriodIn(start=ln.period[0], end=ln.period[1]) if ln.period else None,
                multiplier=float(ln.multiplier),
                amount_vnd=ln.amount_vnd,
                revoked_on=ln.revoked_on,
            )
            for ln in view.lines
        ],
    )


@router.post(
    "/decisions",
    status_code=201,
    response_model=DecisionOut,
    summary="Issue a decision for approved nominations (AwardDecisionIssued)",
    description="Award money is the multiplier of each award times the base salary (lương cơ sở) "
    "in force on the signing date, rounded up to the configured step; the award history is "
    "updated. The decision is signed on or after the council's vote, and every line must be the "
    "signer's to decide (Luật 06/2022 Điều 78–80): awards decided by the Prime Minister are "
    "proposed (`POST /proposals`), not decided.",
)
async def issue(
    body: DecisionIn, uow: Uow, rt: Rt, who: Admin, request: Request, response: Response
) -> DecisionOut:
    decision_id = await decisions.issue_decision(
        uow,
        rt,
        who,
        number=body.number,
        signed_on=body.signed_on,
        signer_name=body.signer_name,
        signer_title=body.signer_title,
        nomination_ids=body.nomination_ids,
        signer_authority=Authority(body.signer_authority),
        signer_unit_id=body.signer_unit_id,
    )
    audit_object(request, f"decision:{decision_id}")
    response.headers["Location"] = f"/decisions/{decision_id}"
    return decision_out(await exports.decision_view(uow.con, decision_id))


@router.get("/decisions/{decision_id}", response_model=DecisionOut, summary="A decision")
async def get_decision(decision_id: UUID, con: ReadCon, _: Anyone) -> DecisionOut:
    return decision_out(await exports.decision_view(con, decision_id))


@router.get(
    "/decisions/{decision_id}/awardees.xlsx",
    summary="The decision's list of awardees as an .xlsx workbook",
    response_class=Response,
    responses={200: {"content": {exports.XLSX: {}}}},
)
async def decision_xlsx(decision_id: UUID, con: ReadCon, _: Anyone) -> Response:
    view = await exports.decision_view(con, decision_id)
    ascii_number = fold(view.number)
    name = "danh-sach-khen-thuong-" + "".join(
        c if c.isascii() and c.isalnum() else "-" for c in ascii_number
    )
    return Response(
        exports.to_xlsx(view),
        media_type=exports.XLSX,
        headers={"Content-Disposition": f'attachment; filename="{name}.xlsx"'},
    )


@router.get(
    "/decisions/{decision_id}/awardees.html",
    summary="The decision's list of awardees as a printable page in Vietnamese",
    response_class=HTMLResponse,
)
async def decision_html(decision_id: UUID, con: ReadCon, _: Anyone) -> HTMLResponse:
    view = await exports.decision_view(con, decision_id)
    people = [ln.nominee_id for ln in view.lines if ln.kind == "person"]
    info = await lookup.names(con, [("person", p) for p in people])
    genders = {k: v.get("gender") for k, v in info.items()}
    return HTMLResponse(exports.to_html(view, genders))


@router.post(
    "/decisions/{decision_id}/revocations",
    status_code=201,
    response_model=RevocationOut,
    summary="Revoke awards of a decision, with the reason (AwardRevoked)",
)
async def revoke(
    decision_id: UUID, body: RevocationIn, uow: Uow, rt: Rt, who: Admin, request: Request
) -> RevocationOut:
    revocation_id = await revocation.revoke(
        uow,
        rt,
        who,
        decision_id,
        reason=body.reason,
        revoked_on=body.revoked_on,
        revocation_number=body.revocation_number,
        nomination_ids=body.nomination_ids,
    )
    audit_object(request, f"revocation:{revocation_id}")
    r = await decisions_db.revocation(uow.con, revocation_id)
    if r is None:  # written by this transaction: only a concurrent purge could remove it
        raise NotFound(
            Msg("no revocation {revocation_id}", revocation_id=revocation_id), code="not_found"
        )
    return RevocationOut(
        revocation_id=revocation_id,
        decision_id=decision_id,
        nomination_ids=list(r["nomination_ids"]),
        revoked_on=r["revoked_on"],
        amount_to_recover_vnd=r["amount_to_recover_vnd"],
    )
