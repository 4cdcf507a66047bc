"""Awards decided above the province (Chiến sĩ thi đua toàn quốc, Cờ thi đua của Chính phủ,
Bằng khen của Thủ tướng Chính phủ: Luật 06/2022 Điều 78): the province does not decide them, it
submits them (tờ trình đề nghị) once its council approved them, and later records what the
central level decided.

    approved → proposed (NominationProposed) → conferred | not_conferred
                                               (NominationCentrallyDecided)

A conferred award enters the award history with the central decision's number and date (source
"central"); no award money is computed here: the central decision sets and pays it.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from schemas import awards as a
from servicekit.auth import Principal
from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards.commands import signing
from services.awards.commands.decisions import period_of
from services.awards.domain import order
from services.awards.domain.authority import CENTRAL, who
from services.awards.runtime import Runtime
from services.awards.store import history, proposals
from services.awards.store import nominations as store


async def submit(
    uow: UnitOfWork,
    rt: Runtime,
    actor: Principal,
    *,
    number: str,
    submitted_on: date,
    signer_name: str,
    signer_title: str,
    nomination_ids: Sequence[UUID],
) -> UUID:
    """The province's submission to the central level of nominations its council approved,
    each for an award decided there; signed on or after the council's vote."""
    con, now = uow.con, rt.today()
    if bad_day := order.not_in_future("proposal", submitted_on, now):
        raise Invalid.at("#/submitted_on", bad_day.detail, "future")
    if len(set(nomination_ids)) != len(nomination_ids):
        raise Invalid.at("#/nomination_ids", "a nomination is listed twice", "duplicate")
    if await proposals.number_taken(con, number):
        raise Conflict(
            Msg("a submission numbered {number} exists", number=number), code="duplicate_number"
        )
    lines, bad = await signing.approved(con, nomination_ids, submitted_on, "proposal")
    deciders = []
    for line in lines:
        rule = line.decider(submitted_on, rt.cfg.authority_rules)
        central = sorted(rule.authorities & CENTRAL) if rule is not None else []
        if not central:
            competent = who(rule.authorities) if rule is not None else "không cấp nào"
            bad.append(
                Violation(
                    line.where,
                    Msg(
                        "“{award_name}” do {competent} quyết định, không trình cấp "
                        "Trung ương: ban hành quyết định khen thưởng.",
                        award_name=line.award_name,
                        competent=competent,
                    ),
                    "not_central",
                )
            )
        deciders.append(central[0] if central else None)
    if bad:
        raise Invalid.many(bad, code=bad[0].code)

    proposal_id = uuid4()
    ids = [line.row["nomination_id"] for line in lines]
    await proposals.insert_proposal(
        con,
        proposal_id,
        number=number,
        submitted_on=submitted_on,
        signer_name=signer_name,
        signer_title=signer_title,
        submitted_by=actor.sub,
        nomination_ids=ids,
        award_codes=[line.row["award_code"] for line in lines],
        authorities=[str(d) for d in deciders],
    )
    await store.set_status(
        con, ids, "proposed", actor.sub, "proposed", Msg("submission {number}", number=number),
        proposal_id=proposal_id,
    )  # fmt: skip
    for nid, decider in zip(ids, deciders, strict=True):
        await uow.publish(
            a.NominationProposed(
                nomination_id=nid,
                proposal_id=proposal_id,
                number=number,
                submitted_on=submitted_on,
                to_authority=str(decider),
                signer_name=signer_name,
                signer_title=signer_title,
            ),
        )
    return proposal_id


async def record_outcome(
    uow: UnitOfWork,
    rt: Runtime,
    actor: Principal,
    proposal_id: UUID,
    nomination_id: UUID,
    *,
    conferred: bool,
    decided_on: date,
    decision_number: str | None,
) -> None:
    """What the central level decided on one proposed nomination: conferred (its decision's
    number and date go into the award history) or not."""
    con, now = uow.con, rt.today()
    p = await proposals.proposal(con, proposal_id)
    if p is None:
        raise NotFound(Msg("no proposal {proposal_id}", proposal_id=proposal_id), code="not_found")
    line = await proposals.line_for_update(con, proposal_id, nomination_id)
    if line is None:
        raise NotFound(
            Msg("nomination {nomination_id} is not in this proposal", nomination_id=nomination_id),
            code="not_found",
        )
    if line["conferred"] is not None:
        raise Conflict("the central level's answer is already recorded", code="already_recorded")
    if bad_day := order.not_in_future("central_decision", decided_on, now):
        raise Invalid.at("#/decided_on", bad_day.detail, "future")
    if decided_on < p["submitted_on"]:
        raise Invalid.at(
            "#/decided_on",
            Msg("Ngày quyết định của cấp Trung ương {value} trước ngày tờ "
"trình {value2}.", value=order.vn(decided_on), value2=order.vn(p['submitted_on'])),
            "out_of_order",
            dates={"central_decision": decided_on.isoformat(),
                   "proposal": p["submitted_on"].isoformat()},
        )  # fmt: skip
    if conferred and not decision_number:
        raise Invalid.at(
            "#/decision_number", "a conferred award needs the central decision's number",
            "required",
        )  # fmt: skip
    await proposals.record_answer(
        con,
        proposal_id,
        nomination_id,
        conferred=conferred,
        decision_number=decision_number,
        decided_on=decided_on,
        recorded_by=actor.sub,
    )
    n = await store.nomination(con, nomination_id, lock=True)
    assert n is not None
    if conferred:
        await history.record_central(con, n, period_of(n), decided_on, decision_number)
        await store.finalise_initiatives(con, [nomination_id])
    else:
        await store.release_initiatives(con, [nomination_id])
    status = "conferred" if conferred else "not_conferred"
    await store.set_status(
        con, [nomination_id], status, actor.sub, "central_decision",
        decision_number or Msg("not conferred"),
    )  # fmt: skip
    await uow.publish(
        a.NominationCentrallyDecided(
            nomination_id=nomination_id,
            proposal_id=proposal_id,
            conferred=conferred,
            decision_number=decision_number,
            decided_on=decided_on,
        ),
    )
