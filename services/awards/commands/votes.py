"""The council's secret ballot: opening the vote, marking members absent, casting ballots (in
person or written), closing the vote on the thresholds of all members."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from servicekit.auth import Principal, Role, forbidden
from servicekit.errors import Conflict, Invalid, NotFound
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards import events
from services.awards.commands.common import (
    act_date,
    in_order,
    only_secretary,
)
from services.awards.commands.council import session_row
from services.awards.domain import (
    Ballot,
    order,
)
from services.awards.domain import tally as count_votes
from services.awards.runtime import Runtime
from services.awards.store import councils
from services.awards.store import nominations as store

BALLOT_CHOICES = ("yes", "no", "abstain")
VOTE_FAILED = "Hội đồng Thi đua – Khen thưởng biểu quyết không đạt tỷ lệ phiếu đồng ý cần thiết."


async def open_vote(
    uow: UnitOfWork, rt: Runtime, who: Principal, session_id: UUID, opened_on: date | None = None
) -> int:
    """The secretary opens the vote, on a day of the session (`opened_on`, default today): the
    agenda is fixed, and so is the number of members the thresholds are counted on."""
    con = uow.con
    s = await session_row(con, session_id, lock="update")
    only_secretary(who, s["council_id"])
    if s["status"] != "planned":
        raise Conflict(
            Msg("the session is {status}", status=s["status"]), code="session_not_planned"
        )
    if opened_on is None and rt.today() < s["held_on"]:
        raise Conflict(
            Msg("the session is held on {held_on}", held_on=s["held_on"]), code="too_early"
        )
    on = act_date(rt, "#/opened_on", "vote_opened", opened_on)
    in_order("#/opened_on", order.within_session("vote_opened", on, s["held_on"], s["ends_on"]))
    if not await councils.agenda_size(con, session_id):
        raise Conflict("the agenda is empty", code="empty_agenda")
    members = await councils.member_count(con, s["council_id"])
    await councils.open_vote(con, session_id, members, who.sub, on)
    return members


async def mark_absent(
    uow: UnitOfWork, who: Principal, session_id: UUID, absent: list[UUID]
) -> None:
    """The secretary records who is absent (the others are present), before the vote opens:
    only an absent member's ballot may be recorded in writing, and only a present member votes
    in the meeting. The list replaces the previous one."""
    con = uow.con
    s = await session_row(con, session_id, lock="update")
    only_secretary(who, s["council_id"])
    if s["status"] != "planned":
        raise Conflict(
            Msg(
                "the session is {status}: attendance is set before the vote opens",
                status=s["status"],
            ),
            code="session_not_planned",
        )
    members = await councils.member_ids(con, s["council_id"])
    for i, m in enumerate(absent):
        if m not in members:
            raise Invalid.at(
                f"#/absent/{i}", Msg("no member {m} in this council", m=m), "not_a_member"
            )
    await councils.set_absences(con, session_id, absent)


async def cast_ballot(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    session_id: UUID,
    choices: dict[UUID, str],
    *,
    member_id: UUID | None = None,
    cast_on: date | None = None,
) -> None:
    """A member's secret ballot on the whole agenda. `member_id` set: the secretary records the
    written ballot of a member marked absent (`mark_absent`); a member marked absent has no
    ballot in the meeting. `cast_on` (default today) must be a day of the session;
    it is checked and not kept: a date would order ballots.

    Who voted goes to session_voters; what was chosen is added to the running totals of
    ballot_counts by one statement whose text does not depend on the choices. Nothing written
    or returned links the member to a choice (see the migration)."""
    con = uow.con
    s = await session_row(con, session_id, lock="share")
    council_id = s["council_id"]
    if member_id is None:
        if not (who.has_role(Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY)
                and who.sits_on_council(str(council_id))):  # fmt: skip
            raise forbidden("only members of this session's council vote in it")
        member_id = await councils.member_id_of(con, council_id, who.sub)
        if member_id is None:
            raise forbidden("the caller is not a registered member of this council")
        mode = "in_person"
    else:
        only_secretary(who, council_id)
        if not await councils.is_member(con, council_id, member_id):
            raise NotFound(
                Msg("no member {member_id} in this council", member_id=member_id), code="not_found"
            )
        mode = "written"
    if s["status"] != "voting":
        raise Conflict("the vote of the session is not open", code="vote_not_open")
    absent = await councils.is_absent(con, session_id, member_id)
    if mode == "written" and not absent:
        raise Conflict(
            "a written ballot is recorded only for a member marked absent from the session",
            code="member_not_absent",
        )
    if mode == "in_person" and absent:
        raise Conflict(
            "this member is marked absent: the secretary records their written ballot",
            code="marked_absent",
        )
    on = act_date(rt, "#/cast_on", "ballot", cast_on)
    in_order("#/cast_on", order.within_session("ballot", on, s["held_on"], s["ends_on"]))
    if set(choices) != await councils.agenda_ids(con, session_id):
        raise Invalid.at(
            "#/choices", "a ballot carries one choice for every item of the agenda", "agenda"
        )
    if any(c not in BALLOT_CHOICES for c in choices.values()):
        raise Invalid.at("#/choices", "a choice is yes, no or abstain", "choice")
    if not await councils.record_voter(con, session_id, member_id, mode):
        raise Conflict("this member has already voted in the session", code="already_voted")
    await councils.add_ballot(con, session_id, choices)


async def close_vote(
    uow: UnitOfWork, rt: Runtime, who: Principal, session_id: UUID, closed_on: date | None = None
) -> list[dict[str, Any]]:
    """The secretary closes the vote, on a day of the session (`closed_on`, default today):
    each item's tally against its threshold of ALL members → NominationApproved or
    NominationRejected, dated by the day the council voted, not the day it was entered."""
    con = uow.con
    s = await session_row(con, session_id, lock="update")
    only_secretary(who, s["council_id"])
    if s["status"] != "voting":
        raise Conflict(
            Msg("the session is {status}, not voting", status=s["status"]), code="vote_not_open"
        )
    on = act_date(rt, "#/closed_on", "vote_closed", closed_on)
    in_order("#/closed_on", order.within_session("vote_closed", on, s["held_on"], s["ends_on"]))
    in_order("#/closed_on", order.closed_after_opened(s["opened_on"] or on, on))
    members = s["members_total"]
    voted = await councils.voter_count(con, session_id)
    quorum = rt.cfg.council_quorum
    if quorum is not None and voted < Decimal(str(quorum)) * members:
        raise Conflict(
            Msg(
                "{voted} of {members} members have voted; the quorum is {quorum:.0%}",
                voted=voted,
                members=members,
                quorum=quorum,
            ),
            code="no_quorum",
        )
    items = await councils.totals(con, session_id)
    results = []
    for it in items:
        nid = it["nomination_id"]
        t = count_votes(Ballot(it["yes"], it["no"], it["abstain"]), members, it["threshold"])
        vote = events.tally(
            s["council_id"], members, it["yes"], it["no"], it["abstain"], it["threshold"]
        )
        await councils.record_result(
            con, session_id, nid, t.approved, (it["yes"], it["no"], it["abstain"]), t.required
        )
        detail = Msg(
            "{yes}/{members} in favour, {required} required",
            yes=it["yes"],
            members=members,
            required=t.required,
        )
        if t.approved:
            await store.set_status(con, [nid], "approved", who.sub, "vote_closed", detail)
            await uow.publish(events.approved(nid, on, vote))
        else:
            await store.release_initiatives(con, [nid])
            await store.set_status(con, [nid], "rejected", who.sub, "vote_closed", detail)
            await uow.publish(events.rejected(nid, on, VOTE_FAILED, vote))
        results.append(
            {
                "nomination_id": nid,
                "approved": t.approved,
                "votes_for": it["yes"],
                "votes_against": it["no"],
                "abstained": it["abstain"],
                "required": t.required,
                "threshold": it["threshold"],
            }
        )
    await councils.close_vote(con, session_id, who.sub, on)
    return results
