"""The council's secret ballot: opening the vote, marking members absent, casting ballots (in
person or written), closing the vote on the thresholds of all members."""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID

from servicekit.auth import Principal, Role, forbidden
from servicekit.errors import Conflict, Invalid, NotFound
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
        raise Conflict(f"the session is {s['status']}", code="session_not_planned")
    if opened_on is None and rt.today() < s["held_on"]:
        raise Conflict(f"the session is held on {s['held_on']}", code="too_early")
    on = act_date(rt, "#/opened_on", "vote_opened", opened_on)
    in_order("#/opened_on", order.within_session("vote_opened", on, s["held_on"], s["ends_on"]))
    items = await con.fetchval(
        "SELECT count(*) FROM session_agenda WHERE session_id = $1", session_id
    )
    if not items:
        raise Conflict("the agenda is empty", code="empty_agenda")
    members = await con.fetchval(
        "SELECT count(*) FROM council_members WHERE council_id = $1", s["council_id"]
    )
    await con.execute(
        "UPDATE council_sessions SET status = 'voting', members_total = $2, opened_by = $3,"
        " opened_at = now(), opened_on = $4 WHERE session_id = $1",
        session_id,
        members,
        who.sub,
        on,
    )
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
            f"the session is {s['status']}: attendance is set before the vote opens",
            code="session_not_planned",
        )
    members = {
        r[0]
        for r in await con.fetch(
            "SELECT member_id FROM council_members WHERE council_id = $1", s["council_id"]
        )
    }
    for i, m in enumerate(absent):
        if m not in members:
            raise Invalid.at(f"#/absent/{i}", f"no member {m} in this council", "not_a_member")
    await con.execute("DELETE FROM session_absences WHERE session_id = $1", session_id)
    await con.execute(
        "INSERT INTO session_absences (session_id, member_id) SELECT $1, unnest($2::uuid[])"
        " ON CONFLICT DO NOTHING",
        session_id,
        list(absent),
    )


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
        member_id = await con.fetchval(
            "SELECT member_id FROM council_members WHERE council_id = $1 AND subject = $2",
            council_id,
            who.sub,
        )
        if member_id is None:
            raise forbidden("the caller is not a registered member of this council")
        mode = "in_person"
    else:
        only_secretary(who, council_id)
        known = await con.fetchval(
            "SELECT EXISTS (SELECT 1 FROM council_members WHERE council_id = $1"
            " AND member_id = $2)",
            council_id,
            member_id,
        )
        if not known:
            raise NotFound(f"no member {member_id} in this council", code="not_found")
        mode = "written"
    if s["status"] != "voting":
        raise Conflict("the vote of the session is not open", code="vote_not_open")
    absent = await con.fetchval(
        "SELECT EXISTS (SELECT 1 FROM session_absences WHERE session_id = $1 AND member_id = $2)",
        session_id,
        member_id,
    )
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
    agenda = {
        r[0]
        for r in await con.fetch(
            "SELECT nomination_id FROM session_agenda WHERE session_id = $1", session_id
        )
    }
    if set(choices) != agenda:
        raise Invalid.at(
            "#/choices", "a ballot carries one choice for every item of the agenda", "agenda"
        )
    if any(c not in BALLOT_CHOICES for c in choices.values()):
        raise Invalid.at("#/choices", "a choice is yes, no or abstain", "choice")
    inserted = await con.fetchval(
        "INSERT INTO session_voters (session_id, member_id, mode) VALUES ($1, $2, $3)"
        " ON CONFLICT DO NOTHING RETURNING true",
        session_id,
        member_id,
        mode,
    )
    if not inserted:
        raise Conflict("this member has already voted in the session", code="already_voted")
    await con.execute(
        "UPDATE ballot_counts b SET yes = b.yes + (c.choice = 'yes')::int,"
        " no = b.no + (c.choice = 'no')::int, abstain = b.abstain + (c.choice = 'abstain')::int"
        " FROM unnest($2::uuid[], $3::text[]) AS c(nomination_id, choice)"
        " WHERE b.session_id = $1 AND b.nomination_id = c.nomination_id",
        session_id,
        list(choices),
        list(choices.values()),
    )


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
        raise Conflict(f"the session is {s['status']}, not voting", code="vote_not_open")
    on = act_date(rt, "#/closed_on", "vote_closed", closed_on)
    in_order("#/closed_on", order.within_session("vote_closed", on, s["held_on"], s["ends_on"]))
    in_order("#/closed_on", order.closed_after_opened(s["opened_on"] or on, on))
    members = s["members_total"]
    voted = await con.fetchval(
        "SELECT count(*) FROM session_voters WHERE session_id = $1", session_id
    )
    quorum = rt.cfg.council_quorum
    if quorum is not None and voted < Decimal(str(quorum)) * members:
        raise Conflict(
            f"{voted} of {members} members have voted; the quorum is {quorum:.0%}",
            code="no_quorum",
        )
    items = await con.fetch(
        "SELECT a.nomination_id, a.threshold, c.yes, c.no, c.abstain, n.award_code"
        " FROM session_agenda a JOIN ballot_counts c USING (session_id, nomination_id)"
        " JOIN nominations n USING (nomination_id)"
        " WHERE a.session_id = $1 ORDER BY a.position",
        session_id,
    )
    results = []
    for it in items:
        nid = it["nomination_id"]
        t = count_votes(Ballot(it["yes"], it["no"], it["abstain"]), members, it["threshold"])
        vote = events.tally(
            s["council_id"], members, it["yes"], it["no"], it["abstain"], it["threshold"]
        )
        await con.execute(
            "UPDATE session_agenda SET approved = $3, votes_for = $4, votes_against = $5,"
            " abstained = $6, required = $7 WHERE session_id = $1 AND nomination_id = $2",
            session_id,
            nid,
            t.approved,
            it["yes"],
            it["no"],
            it["abstain"],
            t.required,
        )
        detail = f"{it['yes']}/{members} in favour, {t.required} required"
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
    await con.execute(
        "UPDATE council_sessions SET status = 'closed', closed_by = $2, closed_at = now(),"
        " closed_on = $3 WHERE session_id = $1",
        session_id,
        who.sub,
        on,
    )
    return results
