"""The procedure after screening: public notice and objections; the council, its members, its
sessions and their agenda; the secret ballot; closing the vote."""

from __future__ import annotations

from uuid import UUID

import asyncpg
from fastapi import APIRouter, Request, Response

from servicekit.audit import PersonalRead, audit_object
from servicekit.auth import Principal, Role, forbidden
from servicekit.errors import Invalid, NotFound
from servicekit.messages import Msg
from services.awards.api.common import (
    PROBLEMS,
    Admin,
    CouncilReader,
    CouncilUser,
    NominationReader,
    ReadCon,
    Rt,
    Secretary,
    Today,
    Uow,
    Voter,
    is_officer_only,
)
from services.awards.api.models import (
    AgendaIn,
    AgendaItemOut,
    AttendanceIn,
    BallotIn,
    CouncilIn,
    CouncilOut,
    Created,
    MemberOut,
    MembersIn,
    NomineeOut,
    NoticeIn,
    NoticeOut,
    ObjectionIn,
    ObjectionOut,
    ResolutionIn,
    SessionIn,
    SessionOut,
    VoteDayIn,
    VoterOut,
)
from services.awards.commands import council, notice, votes
from services.awards.store import councils, notices
from services.awards.store import readmodel as lookup

router = APIRouter(tags=["notice and council"], responses=PROBLEMS)


# ---- public notice ----------------------------------------------------------------------------


async def notice_out(con: asyncpg.Connection, notice_id: UUID, today) -> NoticeOut:
    n = await notices.notice(con, notice_id)
    if n is None:
        raise NotFound(Msg("no notice {notice_id}", notice_id=notice_id), code="not_found")
    items = await notices.nominations_on(con, notice_id)
    objections = await notices.objections_to(con, notice_id)
    return NoticeOut(
        notice_id=n["notice_id"],
        title=n["title"],
        start_on=n["start_on"],
        end_on=n["end_on"],
        working_days=n["working_days"],
        running=n["start_on"] <= today <= n["end_on"],
        nomination_ids=items,
        objections=[objection_out(o) for o in objections],
    )


def objection_out(o: asyncpg.Record) -> ObjectionOut:
    return ObjectionOut(
        objection_id=o["objection_id"],
        nomination_id=o["nomination_id"],
        received_on=o["received_on"],
        content=o["content"],
        status=o["status"],
        resolution=o["resolution"],
        resolved_on=o["resolved_on"],
        finding_id=o["finding_id"],
    )


@router.post(
    "/notices",
    status_code=201,
    response_model=NoticeOut,
    summary="Post eligible candidates on public notice for the configured working days",
)
async def post_notice(
    body: NoticeIn, uow: Uow, rt: Rt, who: Admin, today: Today, request: Request
) -> NoticeOut:
    notice_id = await notice.post_notice(
        uow, rt, who, nomination_ids=body.nomination_ids, title=body.title, start_on=body.start_on
    )
    audit_object(request, f"notice:{notice_id}")
    return await notice_out(uow.con, notice_id, today)


@router.get("/notices/{notice_id}", response_model=NoticeOut, summary="A public notice")
async def get_notice(notice_id: UUID, con: ReadCon, _: NominationReader, today: Today) -> NoticeOut:
    return await notice_out(con, notice_id, today)


@router.post(
    "/notices/{notice_id}/objections",
    status_code=201,
    response_model=Created,
    summary="Record an objection received while the notice runs",
)
async def record_objection(
    notice_id: UUID, body: ObjectionIn, uow: Uow, rt: Rt, who: Admin, request: Request
) -> Created:
    objection_id = await notice.record_objection(
        uow, rt, who, notice_id=notice_id, nomination_id=body.nomination_id, content=body.content
    )
    audit_object(request, f"objection:{objection_id}")
    return Created(id=objection_id)


@router.post(
    "/objections/{objection_id}/resolution",
    status_code=204,
    summary="Resolve an objection: upheld rejects the nomination (NominationRejected)",
)
async def resolve_objection(
    objection_id: UUID, body: ResolutionIn, uow: Uow, rt: Rt, who: Admin
) -> Response:
    await notice.resolve_objection(
        uow,
        rt,
        who,
        objection_id=objection_id,
        upheld=body.outcome == "upheld",
        resolution=body.resolution,
    )
    return Response(status_code=204)


# ---- council ----------------------------------------------------------------------------------


def _members(p: MembersIn | CouncilIn) -> list[council.Member]:
    return [council.Member(m.subject, m.full_name, m.title, m.role) for m in p.members]


async def council_out(con: asyncpg.Connection, council_id: UUID) -> CouncilOut:
    c = await councils.council(con, council_id)
    if c is None:
        raise NotFound(Msg("no council {council_id}", council_id=council_id), code="not_found")
    members = await councils.members(con, council_id)
    return CouncilOut(
        council_id=c["council_id"],
        name=c["name"],
        term_start=c["term_start"],
        term_end=c["term_end"],
        members=[
            MemberOut(
                member_id=m["member_id"],
                subject=m["subject"],
                full_name=m["full_name"],
                title=m["title"],
                role=m["role"],
            )
            for m in members
        ],
    )


@router.post(
    "/councils",
    status_code=201,
    response_model=CouncilOut,
    summary="Constitute a council (Hội đồng Thi đua – Khen thưởng) for a term, with members",
)
async def create_council(body: CouncilIn, uow: Uow, who: Admin, request: Request) -> CouncilOut:
    council_id = await council.create_council(
        uow,
        who,
        name=body.name,
        term_start=body.term_start,
        term_end=body.term_end,
        members=_members(body),
    )
    audit_object(request, f"council:{council_id}")
    return await council_out(uow.con, council_id)


@router.post(
    "/councils/{council_id}/members",
    response_model=CouncilOut,
    summary="Add members to a council",
)
async def add_members(council_id: UUID, body: MembersIn, uow: Uow, who: Admin) -> CouncilOut:
    await council.add_members(uow, who, council_id, _members(body))
    return await council_out(uow.con, council_id)


def _in_council(who: Principal, council_id: UUID) -> None:
    if who.has_role(Role.PROVINCE_ADMIN, Role.SUPERVISOR):
        return
    if not who.sits_on_council(str(council_id)):
        raise forbidden("only this council's members and secretary, or administrators")


@router.get("/councils/{council_id}", response_model=CouncilOut, summary="A council")
async def get_council(council_id: UUID, con: ReadCon, who: CouncilReader) -> CouncilOut:
    _in_council(who, council_id)
    return await council_out(con, council_id)


@router.post(
    "/councils/{council_id}/sessions",
    status_code=201,
    response_model=SessionOut,
    summary="Plan a session of the council",
)
async def plan_session(
    council_id: UUID, body: SessionIn, uow: Uow, who: CouncilUser, request: Request
) -> SessionOut:
    session_id = await council.plan_session(
        uow,
        who,
        council_id=council_id,
        title=body.title,
        held_on=body.held_on,
        ends_on=body.ends_on,
    )
    audit_object(request, f"session:{session_id}")
    return await session_out(uow.con, session_id)


async def session_out(con: asyncpg.Connection, session_id: UUID) -> SessionOut:
    s = await councils.session(con, session_id)
    if s is None:
        raise NotFound(Msg("no session {session_id}", session_id=session_id), code="not_found")
    closed = s["status"] == "closed"
    agenda = await councils.agenda(con, session_id)
    names = await lookup.names(con, [(r["nominee_kind"], r["nominee_id"]) for r in agenda])
    # the objections received during each nomination's notice (the Front's findings among them)
    # and how the board resolved them: what the council weighs before it votes
    objections: dict[UUID, list[ObjectionOut]] = {}
    for o in await notices.objections_against(con, [r["nomination_id"] for r in agenda]):
        objections.setdefault(o["nomination_id"], []).append(objection_out(o))
    # who voted: members and how; listed in member order, which says nothing of when
    voters = await councils.voters(con, session_id)
    items = []
    for r in agenda:
        info = names.get(r["nominee_id"], {})
        item = AgendaItemOut(
            nomination_id=r["nomination_id"],
            position=r["position"],
            award_code=r["award_code"],
            nominee=NomineeOut(
                kind=r["nominee_kind"],
                id=r["nominee_id"],
                name=info.get("name"),
                unit_id=info.get("unit_id"),
                unit_name=info.get("unit_name"),
            ),
            threshold=r["threshold"],
            objections=objections.get(r["nomination_id"], []),
        )
        if closed:  # totals are shown only once the vote is closed
            item.approved = r["approved"]
            item.votes_for = r["votes_for"]
            item.votes_against = r["votes_against"]
            item.abstained = r["abstained"]
            item.required = r["required"]
        items.append(item)
    return SessionOut(
        session_id=s["session_id"],
        council_id=s["council_id"],
        title=s["title"],
        held_on=s["held_on"],
        ends_on=s["ends_on"],
        opened_on=s["opened_on"],
        closed_on=s["closed_on"],
        status=s["status"],
        members_total=s["members_total"],
        voted=len(voters),
        voters=[VoterOut(member_id=v["member_id"], mode=v["mode"]) for v in voters],
        absent=await councils.absences(con, session_id),
        agenda=items,
    )


@router.get(
    "/sessions/{session_id}",
    response_model=SessionOut,
    summary="A council session",
    dependencies=[PersonalRead],  # who voted, the results on named nominees
)
async def get_session(session_id: UUID, con: ReadCon, who: NominationReader) -> SessionOut:
    out = await session_out(con, session_id)
    if is_officer_only(who):
        raise forbidden("unit officers do not read council sessions")
    if who.has_role(Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY) and not who.has_role(
        Role.PROVINCE_ADMIN, Role.INTEGRATION_CLIENT
    ):
        _in_council(who, out.council_id)
    return out


@router.post(
    "/sessions/{session_id}/agenda",
    response_model=SessionOut,
    summary="Put nominations whose notice has ended on the agenda",
)
async def add_to_agenda(
    session_id: UUID, body: AgendaIn, uow: Uow, rt: Rt, who: CouncilUser
) -> SessionOut:
    await council.add_to_agenda(uow, rt, who, session_id, body.nomination_ids)
    return await session_out(uow.con, session_id)


@router.put(
    "/sessions/{session_id}/attendance",
    response_model=SessionOut,
    summary="Mark the members absent from the session (secretary), before the vote opens",
    description="The list replaces the previous one. Only a member marked absent may have a "
    "written ballot recorded; a member marked absent does not vote in the meeting.",
)
async def attendance(session_id: UUID, body: AttendanceIn, uow: Uow, who: Secretary) -> SessionOut:
    await votes.mark_absent(uow, who, session_id, body.absent)
    return await session_out(uow.con, session_id)


@router.post(
    "/sessions/{session_id}/open",
    response_model=SessionOut,
    summary="Open the vote (secretary), on a day of the session",
)
async def open_vote(
    session_id: UUID, uow: Uow, rt: Rt, who: Secretary, body: VoteDayIn | None = None
) -> SessionOut:
    await votes.open_vote(uow, rt, who, session_id, body.on if body else None)
    return await session_out(uow.con, session_id)


def _choices(body: BallotIn) -> dict[UUID, str]:
    choices: dict[UUID, str] = {c.nomination_id: c.choice for c in body.choices}
    if len(choices) != len(body.choices):
        raise Invalid.at("#/choices", "an agenda item is chosen twice", "duplicate")
    return choices


# A ballot is a PUT: cast once (a second answers 409), and not a POST, whose Idempotency-Key
# handling would store a hash of the body — of the choices — next to the voter.
@router.put(
    "/sessions/{session_id}/ballot",
    status_code=204,
    summary="Cast one's secret ballot on the whole agenda (council member, open session)",
    description="The choices are added to the running totals and are linked to nobody; the "
    "member is recorded as having voted. The answer carries nothing.",
)
async def cast_ballot(session_id: UUID, body: BallotIn, uow: Uow, rt: Rt, who: Voter) -> Response:
    await votes.cast_ballot(uow, rt, who, session_id, _choices(body), cast_on=body.cast_on)
    return Response(status_code=204)


@router.put(
    "/sessions/{session_id}/written-ballots/{member_id}",
    status_code=204,
    summary="Record the written ballot of a member marked absent (secretary)",
)
async def written_ballot(
    session_id: UUID, member_id: UUID, body: BallotIn, uow: Uow, rt: Rt, who: Secretary
) -> Response:
    await votes.cast_ballot(
        uow, rt, who, session_id, _choices(body), member_id=member_id, cast_on=body.cast_on
    )
    return Response(status_code=204)


@router.post(
    "/sessions/{session_id}/close",
    response_model=SessionOut,
    summary="Close the vote (secretary), on a day of the session: NominationApproved or "
    "NominationRejected for each item, dated by that day",
)
async def close_vote(
    session_id: UUID, uow: Uow, rt: Rt, who: Secretary, body: VoteDayIn | None = None
) -> SessionOut:
    await votes.close_vote(uow, rt, who, session_id, body.on if body else None)
    return await session_out(uow.con, session_id)
