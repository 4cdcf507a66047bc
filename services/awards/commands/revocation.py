"""Revoking awards of a decision (thu hồi), on or after the decision's date."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from schemas import awards as a
from servicekit.auth import Principal
from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards.runtime import Runtime
from services.awards.store import decisions, history
from services.awards.store import nominations as store


async def revoke(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    decision_id: UUID,
    *,
    reason: str,
    revoked_on: date | None = None,
    revocation_number: str | None = None,
    nomination_ids: Sequence[UUID] | None = None,
) -> UUID:
    """Revoke awards of a decision (e.g. obtained by fraud): the money is to be recovered, the
    award history keeps them marked revoked. AwardRevoked."""
    con, now = uow.con, rt.today()
    d = await decisions.decision_for_update(con, decision_id)
    if d is None:
        raise NotFound(Msg("no decision {decision_id}", decision_id=decision_id), code="not_found")
    on = revoked_on or now
    if on > now:
        raise Invalid.at("#/revoked_on", "a revocation cannot be dated in the future", "future")
    if on < d["signed_on"]:
        raise Invalid.at("#/revoked_on", "the revocation predates the decision", "order")
    lines = await decisions.lines_of(con, decision_id)
    live = {ln["nomination_id"]: ln for ln in lines if ln["revoked_on"] is None}
    if nomination_ids is None:
        chosen = list(live)
        if not chosen:
            raise Conflict("every award of this decision is already revoked", code="revoked")
    else:
        chosen = list(dict.fromkeys(nomination_ids))
        all_ids = {ln["nomination_id"] for ln in lines}
        bad = []
        for i, nid in enumerate(nomination_ids):
            if nid not in all_ids:
                bad.append(Violation(f"#/nomination_ids/{i}", "not in this decision", "unknown"))
            elif nid not in live:
                bad.append(Violation(f"#/nomination_ids/{i}", "already revoked", "revoked"))
        if bad:
            raise Invalid.many(bad, code=bad[0].code)
    amount = sum(live[n]["amount_vnd"] for n in chosen)
    revocation_id = uuid4()
    await decisions.insert_revocation(
        con,
        revocation_id,
        decision_id,
        chosen,
        revoked_on=on,
        revocation_number=revocation_number,
        reason=reason,
        amount_to_recover_vnd=amount,
        revoked_by=who.sub,
    )
    await history.mark_revoked(con, chosen, on)
    await store.set_status(
        con,
        chosen,
        "revoked",
        who.sub,
        "revoked",
        Msg("revocation {revocation_id}", revocation_id=revocation_id),
    )
    await uow.publish(
        a.AwardRevoked(
            decision_id=decision_id,
            nomination_ids=chosen,
            revoked_on=on,
            revocation_number=revocation_number,
            reason=reason,
            amount_to_recover_vnd=amount,
        ),
    )
    return revocation_id
