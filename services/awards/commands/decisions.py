"""The decision (quyết định khen thưởng): the approved nominations the signer may decide, with
their award money on the signing day's base salary."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

import asyncpg

from schemas import awards as a
from servicekit.auth import Principal
from servicekit.errors import Conflict, Invalid, Violation
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards.commands import signing
from services.awards.domain import (
    award_money,
)
from services.awards.domain.authority import Authority
from services.awards.domain.vocabulary import WINDOW_YEARS
from services.awards.runtime import Runtime
from services.awards.store import decisions, history
from services.awards.store import nominations as store
from services.awards.store import readmodel as lookup

# ---- decisions --------------------------------------------------------------------------------


async def issue_decision(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    *,
    number: str,
    signed_on: date,
    signer_name: str,
    signer_title: str,
    nomination_ids: Sequence[UUID],
    signer_authority: Authority = Authority.PROVINCE_CHAIRMAN,
    signer_unit_id: UUID | None = None,
) -> UUID:
    """A signed decision conferring approved nominations: signed on or after the council's
    vote, by someone competent for every line (`signer_authority`, and for a unit's head or a
    locality's chairman the unit they head); award money from the base salary in force on the
    signing date, the award history updated, AwardDecisionIssued. Awards decided above the
    province are refused here: the province proposes them (`proposals.submit`)."""
    con, now = uow.con, rt.today()
    if signed_on > now:
        raise Invalid.at("#/signed_on", "a decision cannot be signed in the future", "future")
    if len(set(nomination_ids)) != len(nomination_ids):
        raise Invalid.at("#/nomination_ids", "a nomination is listed twice", "duplicate")
    if await decisions.number_taken(con, number):
        raise Conflict(
            Msg("a decision numbered {number} exists", number=number), code="duplicate_number"
        )
    approved, bad = await signing.approved(con, nomination_ids, signed_on, "decision")
    signer_unit = await lookup.unit(con, signer_unit_id) if signer_unit_id else None
    if signer_unit_id is not None and signer_unit is None:
        raise Invalid.at("#/signer_unit_id", "no such unit", "unknown_unit")
    cfg = rt.cfg.screening
    lines = []
    for line in approved:
        r, where = line.row, line.where
        refused = line.competence(signer_authority, signer_unit, signed_on, rt.cfg.authority_rules)
        if refused is not None:
            bad.append(Violation(where, refused.detail, refused.code))
            continue
        try:
            amount = award_money(r["award_code"], r["nominee_kind"], signed_on, cfg)
            table = cfg.money_table_on(signed_on)
        except LookupError as e:
            bad.append(Violation(where, str(e), "no_award_money"))
            continue
        multiplier = table.multipliers[(r["award_code"], r["nominee_kind"])]
        lines.append((r, multiplier, amount))
    if bad:
        raise Invalid.many(bad, code=bad[0].code)
    try:
        base = cfg.base_salary_on(signed_on).vnd
    except LookupError as e:
        raise Invalid.at("#/signed_on", str(e), "no_base_salary") from None

    decision_id = uuid4()
    rows = [r for r, _, _ in lines]
    await decisions.insert_decision(
        con,
        decision_id,
        number=number,
        signed_on=signed_on,
        signer_name=signer_name,
        signer_title=signer_title,
        base_salary_vnd=base,
        total_vnd=sum(amount for _, _, amount in lines),
        issued_by=who.sub,
        signer_authority=str(signer_authority),
        signer_unit_id=signer_unit_id,
    )
    await decisions.insert_lines(
        con, decision_id, rows, [m for _, m, _ in lines], [amount for _, _, amount in lines]
    )
    await history.record_decided(
        con, decision_id, signed_on, number, rows, [period_of(r) for r in rows]
    )
    ids = [r["nomination_id"] for r, _, _ in lines]
    await store.finalise_initiatives(con, ids)
    await store.set_status(
        con, ids, "decided", who.sub, "decision_issued", Msg("decision {number}", number=number),
        decision_id=decision_id,
    )  # fmt: skip
    await uow.publish(
        a.AwardDecisionIssued(
            decision_id=decision_id,
            number=number,
            signed_on=signed_on,
            signer_name=signer_name,
            signer_title=signer_title,
            signer_authority=str(signer_authority),
            base_salary_vnd=base,
            awards=[
                a.AwardLine(
                    nomination_id=r["nomination_id"],
                    nominee=a.Nominee(kind=r["nominee_kind"], id=r["nominee_id"]),
                    award_code=r["award_code"],
                    amount_vnd=amount,
                )
                for r, _, amount in lines
            ],
        ),
    )
    return decision_id


def period_of(n: asyncpg.Record) -> tuple[date, date]:
    """The achievement period as the decision states it (`period_start_of` to the period's end,
    or the end of the nomination's year)."""
    return period_start_of(n), n["period_end"] or date(n["year"], 12, 31)


def period_start_of(n: asyncpg.Record) -> date:
    """The achievement period's start as the decision states it: the nomination's period, or
    the years the award counts (three for CSTĐ cấp tỉnh, two for a person's Bằng khen…)."""
    if n["period_start"] is not None:
        return n["period_start"]
    years = WINDOW_YEARS.get((n["nominee_kind"], n["award_code"]), 1)
    return date(n["year"] - years + 1, 1, 1)
