"""The council of emulation and commendation: its members, its sessions and a session's agenda."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import asyncpg

from servicekit.auth import Principal
from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards.commands.common import (
    only_admin_or_secretary,
)
from services.awards.domain import (
    order,
)
from services.awards.runtime import Runtime
from services.awards.store import councils, notices
from services.awards.store import nominations as store


@dataclass(frozen=True)
class Member:
    subject: str
    full_name: str
    title: str
    role: str = "member"


async def create_council(
    uow: UnitOfWork,
    who: Principal,
    *,
    name: str,
    term_start: date,
    term_end: date,
    members: Sequence[Member],
) -> UUID:
    if term_end < term_start:
        raise Invalid.at("#/term_end", "the term ends before it starts", "order")
    council_id = uuid4()
    await councils.insert_council(uow.con, council_id, name, (term_start, term_end), who.sub)
    await add_members(uow, who, council_id, members)
    return council_id


async def add_members(
    uow: UnitOfWork, who: Principal, council_id: UUID, members: Sequence[Member]
) -> list[UUID]:
    con = uow.con
    if not await councils.council_exists(con, council_id):
        raise NotFound(Msg("no council {council_id}", council_id=council_id), code="not_found")
    subjects = [m.subject for m in members]
    if len(set(subjects)) != len(subjects):
        raise Invalid.at("#/members", "a member is listed twice", "duplicate")
    if await councils.members_among(con, council_id, subjects):
        raise Conflict("already a member of this council", code="duplicate_member")
    ids = [uuid4() for _ in members]
    await councils.insert_members(
        con,
        council_id,
        ids,
        subjects,
        [m.full_name for m in members],
        [m.title for m in members],
        [m.role for m in members],
    )
    return ids


async def session_row(con: asyncpg.Connection, session_id: UUID, lock: str = "") -> asyncpg.Record:
    """The session, or 404. `lock`: "update" (changes the session), "share" (a ballot: many at
    once, none while the vote is being closed)."""
    s = await councils.session(con, session_id, lock)
    if s is None:
        raise NotFound(Msg("no session {session_id}", session_id=session_id), code="not_found")
    return s


async def plan_session(
    uow: UnitOfWork,
    who: Principal,
    *,
    council_id: UUID,
    title: str,
    held_on: date,
    ends_on: date | None = None,
) -> UUID:
    """A session on `held_on`, or over the days `held_on` to `ends_on`: the council's vote is
    opened, cast and closed on those days."""
    only_admin_or_secretary(who, council_id)
    council = await councils.council(uow.con, council_id)
    if council is None:
        raise NotFound(Msg("no council {council_id}", council_id=council_id), code="not_found")
    if not council["term_start"] <= held_on <= council["term_end"]:
        raise Invalid.at("#/held_on", "the session falls outside the council's term", "term")
    if ends_on is not None and not held_on <= ends_on <= council["term_end"]:
        raise Invalid.at(
            "#/ends_on", "the session ends before it starts or after the council's term", "term"
        )
    session_id = uuid4()
    await councils.insert_session(
        uow.con, session_id, council_id, title, (held_on, ends_on), who.sub
    )
    return session_id


async def add_to_agenda(
    uow: UnitOfWork, rt: Runtime, who: Principal, session_id: UUID, nomination_ids: Sequence[UUID]
) -> None:
    """Nominations whose public notice has ended, with no objection left open, go on a planned
    session's agenda, each with the threshold its award and regime call for."""
    con, now = uow.con, rt.today()
    s = await session_row(con, session_id, lock="update")
    only_admin_or_secretary(who, s["council_id"])
    if s["status"] != "planned":
        raise Conflict("the agenda is fixed once the vote opens", code="session_not_planned")
    rows = await store.nominations(con, nomination_ids, lock=True)
    by_id = {r["nomination_id"]: r for r in rows}
    ends = await notices.last_days(con, nomination_ids)
    open_objections = await notices.with_open_objections(con, nomination_ids)
    bad = []
    for i, nid in enumerate(nomination_ids):
        r, where = by_id.get(nid), f"#/nomination_ids/{i}"
        if r is None:
            bad.append(Violation(where, "no such nomination", "unknown"))
        elif r["status"] != "on_notice":
            bad.append(
                Violation(
                    where, Msg("the nomination is {status}", status=r["status"]), "not_on_notice"
                )
            )
        elif ends[nid] >= now:
            bad.append(
                Violation(
                    where,
                    Msg("its public notice runs until {end}", end=ends[nid]),
                    "notice_running",
                )
            )
        elif early := order.session_after_notice(ends[nid], s["held_on"]):
            bad.append(Violation(where, early.detail, "out_of_order"))
        elif nid in open_objections:
            bad.append(Violation(where, "an objection to it is still open", "open_objection"))
    if bad:
        raise Invalid.many(bad, code=bad[0].code)
    thresholds = [
        rt.cfg.council_threshold(by_id[n]["award_code"], by_id[n]["regime"]) for n in nomination_ids
    ]
    await councils.add_to_agenda(con, session_id, nomination_ids, thresholds)
    await store.set_status(
        con, list(nomination_ids), "on_agenda", who.sub, "put_on_agenda",
        Msg("session {session_id}", session_id=session_id), session_id=session_id,
    )  # fmt: skip
