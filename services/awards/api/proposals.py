"""Proposals (tờ trình đề nghị) of awards decided above the province, and the central level's
answer to each."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from fastapi import APIRouter, Request, Response

from servicekit.audit import audit_object
from servicekit.errors import NotFound
from servicekit.labels import AWARD_NAMES
from servicekit.messages import Msg
from services.awards.api.common import PROBLEMS, Admin, Anyone, ReadCon, Rt, Uow
from services.awards.api.models import (
    NomineeOut,
    OutcomeIn,
    ProposalIn,
    ProposalLineOut,
    ProposalOut,
)
from services.awards.commands import proposals
from services.awards.store import proposals as proposals_db
from services.awards.store import readmodel as lookup

router = APIRouter(tags=["proposals"], responses=PROBLEMS)


async def proposal_out(con: asyncpg.Connection, proposal_id: UUID) -> ProposalOut:
    p = await proposals_db.proposal(con, proposal_id)
    if p is None:
        raise NotFound(Msg("no proposal {proposal_id}", proposal_id=proposal_id), code="not_found")
    rows = await proposals_db.lines_with_nominees(con, proposal_id)
    names = await lookup.names(con, [(r["nominee_kind"], r["nominee_id"]) for r in rows])
    return ProposalOut(
        proposal_id=p["proposal_id"],
        number=p["number"],
        submitted_on=p["submitted_on"],
        signer_name=p["signer_name"],
        signer_title=p["signer_title"],
        lines=[
            ProposalLineOut(
                position=r["position"],
                nomination_id=r["nomination_id"],
                nominee=NomineeOut(
                    kind=r["nominee_kind"],
                    id=r["nominee_id"],
                    name=names.get(r["nominee_id"], {}).get("name"),
                    unit_name=names.get(r["nominee_id"], {}).get("unit_name"),
                ),
                award_code=r["award_code"],
                award_name=AWARD_NAMES.get(r["award_code"], r["award_code"]),
                to_authority=r["authority"],
                conferred=r["conferred"],
                decision_number=r["decision_number"],
                decided_on=r["decided_on"],
            )
            for r in rows
        ],
    )


@router.post(
    "/proposals",
    status_code=201,
    response_model=ProposalOut,
    summary="Submit approved nominations decided above the province (NominationProposed each)",
    description="For awards the Prime Minister or the President decides (Luật 06/2022 Điều 78): "
    "the province proposes, it does not decide. Signed on or after the council's vote.",
)
async def submit(
    body: ProposalIn, uow: Uow, rt: Rt, who: Admin, request: Request, response: Response
) -> ProposalOut:
    proposal_id = await proposals.submit(
        uow,
        rt,
        who,
        number=body.number,
        submitted_on=body.submitted_on,
        signer_name=body.signer_name,
        signer_title=body.signer_title,
        nomination_ids=body.nomination_ids,
    )
    audit_object(request, f"proposal:{proposal_id}")
    response.headers["Location"] = f"/proposals/{proposal_id}"
    return await proposal_out(uow.con, proposal_id)


@router.get("/proposals/{proposal_id}", response_model=ProposalOut, summary="A proposal")
async def get_proposal(proposal_id: UUID, con: ReadCon, _: Anyone) -> ProposalOut:
    return await proposal_out(con, proposal_id)


@router.post(
    "/proposals/{proposal_id}/outcomes",
    response_model=ProposalOut,
    summary="Record the central level's answer on a proposed nomination "
    "(NominationCentrallyDecided)",
)
async def record_outcome(
    proposal_id: UUID, body: OutcomeIn, uow: Uow, rt: Rt, who: Admin, request: Request
) -> ProposalOut:
    await proposals.record_outcome(
        uow,
        rt,
        who,
        proposal_id,
        body.nomination_id,
        conferred=body.conferred,
        decided_on=body.decided_on,
        decision_number=body.decision_number,
    )
    audit_object(request, f"proposal:{proposal_id}")
    return await proposal_out(uow.con, proposal_id)
