"""A nomination's life before the board screens it: submitted with its dossier by the proposing
unit (or the province), documents added, withdrawn until the council's vote on it opens.

Every change of a nomination's state is written to `nomination_log` with the actor; the request
itself is in servicekit's audit_log."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import asyncpg

from schemas import awards as a
from servicekit.auth import Principal, Role
from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards import events
from services.awards.commands.common import (
    may_propose,
)
from services.awards.commands.council import session_row
from services.awards.domain import (
    regime_for,
)
from services.awards.domain.vocabulary import AWARD_KINDS
from services.awards.runtime import Runtime
from services.awards.store import councils, notices
from services.awards.store import nominations as store
from services.awards.store import readmodel as lookup

# ---- nominations ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Submission:
    nominee_kind: str
    nominee_id: UUID
    award_code: str
    proposer_unit_id: UUID
    year: int | None = None
    period: tuple[date, date] | None = None
    campaign_id: UUID | None = None
    documents: Sequence[tuple[str, str]] = ()
    initiative_ids: Sequence[UUID] = ()
    occasion_id: UUID | None = None


async def submit(uow: UnitOfWork, rt: Runtime, who: Principal, s: Submission) -> UUID:
    """A proposing unit (its officer) or the province submits a nomination with its dossier."""
    may_propose(who, s.proposer_unit_id)
    con, now = uow.con, rt.today()
    bad: list[Violation] = []

    if s.nominee_kind not in AWARD_KINDS[s.award_code]:
        whom = "một cá nhân" if s.nominee_kind == "person" else "một tập thể"
        bad.append(
            Violation(
                "#/award_code",
                Msg(
                    "{award_code} is not awarded to a {nominee_kind} (không xét tặng {whom})",
                    award_code=s.award_code,
                    nominee_kind=s.nominee_kind,
                    whom=whom,
                ),
                "award_not_for_nominee",
            )
        )
    if s.period is not None and s.year is not None and s.period[1].year != s.year:
        bad.append(Violation("#/year", "year must be the year the period ends", "year_period"))
    year = s.period[1].year if s.period is not None else s.year
    if year is None:
        bad.append(Violation("#/year", "a year or a period is required", "year_required"))
    elif year > now.year:
        where = "#/period/end" if s.period is not None else "#/year"
        bad.append(
            Violation(
                where, Msg("the achievement year {year} is in the future", year=year), "future"
            )
        )

    proposer = await lookup.unit(con, s.proposer_unit_id)
    if proposer is None:
        bad.append(Violation("#/proposer_unit_id", "no such unit", "unknown_unit"))

    nominee_unit: UUID | None = None
    if s.nominee_kind == "person":
        p = await lookup.person(con, s.nominee_id)
        if p is None:
            bad.append(Violation("#/nominee/id", "no such person", "unknown_nominee"))
        else:
            nominee_unit = p["unit_id"]
    else:
        u = await lookup.unit(con, s.nominee_id)
        if u is None:
            bad.append(Violation("#/nominee/id", "no such unit", "unknown_nominee"))
        else:
            nominee_unit = u["unit_id"]
    if (
        proposer is not None
        and nominee_unit is not None
        and not await lookup.unit_contains(con, s.proposer_unit_id, nominee_unit)
    ):
        bad.append(
            Violation(
                "#/nominee/id",
                "the nominee is not in the proposing unit nor in a unit below it",
                "nominee_outside_proposer",
            )
        )

    regime_override = None
    if s.campaign_id is not None:
        c = await lookup.campaign(con, s.campaign_id)
        if c is None:
            bad.append(Violation("#/campaign_id", "no such campaign", "unknown_campaign"))
        elif year is not None:
            end = s.period[1] if s.period is not None else date(year, 12, 31)
            if str(regime_for(end)) != c["regime"]:
                regime_override = c["regime"]

    if s.occasion_id is not None and not await lookup.occasion_exists(con, s.occasion_id):
        bad.append(Violation("#/occasion_id", "no such occasion", "unknown_occasion"))

    if len(set(s.initiative_ids)) != len(s.initiative_ids):
        bad.append(Violation("#/initiative_ids", "an initiative is listed twice", "duplicate"))
    known = await lookup.initiatives(con, s.initiative_ids)
    for i, initiative_id in enumerate(s.initiative_ids):
        found = known.get(initiative_id)
        if found is None:
            bad.append(Violation(f"#/initiative_ids/{i}", "no such initiative", "unknown"))
        elif s.nominee_kind == "person" and s.nominee_id not in found["author_ids"]:
            bad.append(
                Violation(
                    f"#/initiative_ids/{i}", "the nominee is not an author of it", "not_author"
                )
            )
    if bad:
        raise Invalid.many(bad, code=bad[0].code)
    assert year is not None

    already = Msg(
        "{nominee_kind} {nominee_id} is already nominated for {award_code} {year}",
        nominee_kind=s.nominee_kind,
        nominee_id=s.nominee_id,
        award_code=s.award_code,
        year=year,
    )
    existing = await store.nomination_exists(con, s.nominee_kind, s.nominee_id, s.award_code, year)
    if existing is not None:
        raise Conflict(
            already,
            code="duplicate_nomination",
            nomination_id=str(existing),
        )

    nomination_id = uuid4()
    try:
        async with con.transaction():  # a concurrent duplicate fails here, not the request
            await store.insert_nomination(
                con,
                nomination_id=nomination_id,
                nominee_kind=s.nominee_kind,
                nominee_id=s.nominee_id,
                award_code=s.award_code,
                year=year,
                period_start=s.period[0] if s.period else None,
                period_end=s.period[1] if s.period else None,
                proposer_unit_id=s.proposer_unit_id,
                campaign_id=s.campaign_id,
                occasion_id=s.occasion_id,
                regime_override=regime_override,
                status="submitted",
                submitted_on=now,
                submitted_by=who.sub,
            )
    except asyncpg.UniqueViolationError:
        raise Conflict(
            already,
            code="duplicate_nomination",
        ) from None
    await store.add_documents(con, nomination_id, s.documents, who.sub)
    await store.add_initiatives(con, nomination_id, s.initiative_ids)
    await store.log(con, [nomination_id], who.sub, "submitted", "submitted")
    await uow.publish(
        a.NominationSubmitted(
            nomination_id=nomination_id,
            nominee=a.Nominee(kind=s.nominee_kind, id=s.nominee_id),
            award_code=s.award_code,
            year=year,
            period=a.DatePeriod(start=s.period[0], end=s.period[1]) if s.period else None,
            proposer_unit_id=s.proposer_unit_id,
            campaign_id=s.campaign_id,
            documents=[events.document(t, r) for t, r in s.documents],
            initiative_ids=list(s.initiative_ids),
            occasion_id=s.occasion_id,
        ),
    )
    return nomination_id


async def add_documents(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    nomination_id: UUID,
    documents: Sequence[tuple[str, str]],
) -> None:
    """Complete a dossier (an "incomplete" verdict) before the nomination goes on notice; it is
    screened again afterwards."""
    n = await store.nomination(uow.con, nomination_id, lock=True)
    if n is None:
        raise NotFound(
            Msg("no nomination {nomination_id}", nomination_id=nomination_id), code="not_found"
        )
    may_propose(who, n["proposer_unit_id"])
    if n["status"] not in ("submitted", "screened"):
        raise Conflict(
            Msg("the dossier can no longer change: the nomination is {status}", status=n["status"]),
            code="wrong_status",
            nomination_status=n["status"],
        )
    await store.add_documents(uow.con, nomination_id, documents, who.sub)
    await store.set_status(
        uow.con, [nomination_id], "submitted", who.sub, "documents_added",
        Msg("{count} document(s)", count=len(documents)),
    )  # fmt: skip


WITHDRAWABLE = ("submitted", "screened", "on_notice", "on_agenda")
"""Before the council's vote; on an agenda, only while the session's vote has not opened."""


async def withdraw(
    uow: UnitOfWork, rt: Runtime, who: Principal, nomination_id: UUID, reason: str
) -> None:
    """The proposing unit (its officer) or the province withdraws a nomination before the
    council votes on it: it leaves the public notice and the agenda, and the initiatives it
    claimed are free again (R11). Once the vote has opened or a decision was made: 409."""
    con, now = uow.con, rt.today()
    n = await store.nomination(con, nomination_id, lock=True)
    if n is None:
        raise NotFound(
            Msg("no nomination {nomination_id}", nomination_id=nomination_id), code="not_found"
        )
    may_propose(who, n["proposer_unit_id"])
    if n["status"] not in WITHDRAWABLE:
        raise Conflict(
            Msg(
                "the nomination is {status}: it can be withdrawn only before the council's vote",
                status=n["status"],
            ),
            code="not_withdrawable",
            nomination_status=n["status"],
        )
    if n["status"] == "on_agenda":
        session = await session_row(con, n["session_id"], lock="update")
        if session["status"] != "planned":
            raise Conflict(
                "the council's vote on it has opened: it can no longer be withdrawn",
                code="vote_opened",
                nomination_status=n["status"],
            )
        # the agenda item and its (still empty) ballot totals go together
        await councils.remove_from_agenda(con, n["session_id"], nomination_id)
    await notices.take_off(con, nomination_id)
    await store.release_initiatives(con, [nomination_id])
    by_province = who.has_role(Role.PROVINCE_ADMIN)
    await store.set_status(
        con, [nomination_id], "withdrawn", who.sub, "withdrawn", reason,
        notice_id=None, session_id=None,
    )  # fmt: skip
    await uow.publish(events.withdrawn(nomination_id, now, reason, by_province))
