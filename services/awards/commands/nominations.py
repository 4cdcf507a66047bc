"""The procedure, one function per step (DOMAIN.md section 5). Each checks who may act, loads what
the step needs, asks the domain, writes the result and publishes its events through the unit of
work; an error raised anywhere rolls the whole step back, events included.

    submit → screen → post_notice (objections) → add_to_agenda → open_vote → cast_ballot
           → close_vote → issue_decision → (revoke)

A nomination may be withdrawn (withdraw) until the council's vote on it opens.

Every change of a nomination's state is written to `nomination_log` with the actor; the request
itself is in servicekit's audit_log.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from schemas import awards as a
from servicekit.auth import Principal, Role, forbidden
from servicekit.db import advisory_key
from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.unit_of_work import UnitOfWork
from services.awards import bus as events
from services.awards import factstore, signing, store
from services.awards.bus import Bus
from services.awards.config import AwardsConfig, Clock, today
from services.awards.domain import (
    Ballot,
    Nomination,
    award_money,
    notice_end_for,
    order,
    regime_for,
    screen_batch,
)
from services.awards.domain import tally as count_votes
from services.awards.domain.authority import Authority
from services.awards.domain.vocabulary import AWARD_KINDS, WINDOW_YEARS

SCREENING_LOCK = advisory_key("awards.screening")
BALLOT_CHOICES = ("yes", "no", "abstain")
OBJECTION_UPHELD = (
    "Không trình khen thưởng: ý kiến phản ánh trong thời gian công khai đã được xác minh là có "
    "cơ sở."
)
VOTE_FAILED = "Hội đồng Thi đua – Khen thưởng biểu quyết không đạt tỷ lệ phiếu đồng ý cần thiết."


@dataclass
class Runtime:
    """What the handlers need besides the unit of work: settings, the bus, the clock."""

    cfg: AwardsConfig
    bus: Bus
    clock: Clock
    pool: asyncpg.Pool | None = None
    """For reads that may run beside the request's transaction (annual screening's load)."""

    def today(self) -> date:
        return today(self.clock, self.cfg.timezone)


def _in_order(field: str, bad: order.OutOfOrder | None) -> None:
    """An act dated out of the procedure's order: 422 naming both dates; nothing is stored."""
    if bad is not None:
        raise Invalid.at(field, bad.detail, "out_of_order", dates=bad.dates())


def _act_date(rt: Runtime, field: str, act: str, given: date | None) -> date:
    """The date of an act: the one the caller gives (an act entered after the fact), else
    today in Vietnam; never in the future."""
    now = rt.today()
    on = given or now
    _in_order(field, order.not_in_future(act, on, now))
    return on


# ---- who may act ------------------------------------------------------------------------------


def _may_propose(who: Principal, unit_id: UUID) -> None:
    if not who.may_act_for_unit(str(unit_id)):
        raise forbidden("a unit officer nominates only for their own unit")


def is_secretary_of(who: Principal, council_id: UUID) -> bool:
    return who.has_role(Role.COUNCIL_SECRETARY) and who.sits_on_council(str(council_id))


def _admin_or_secretary(who: Principal, council_id: UUID) -> None:
    if not (who.has_role(Role.PROVINCE_ADMIN) or is_secretary_of(who, council_id)):
        raise forbidden("only the province's administrators or this council's secretary")


def _secretary(who: Principal, council_id: UUID) -> None:
    if not is_secretary_of(who, council_id):
        raise forbidden("only the secretary of this council")


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
    _may_propose(who, s.proposer_unit_id)
    con, now = uow.con, rt.today()
    bad: list[Violation] = []

    if s.nominee_kind not in AWARD_KINDS[s.award_code]:
        whom = "một cá nhân" if s.nominee_kind == "person" else "một tập thể"
        bad.append(
            Violation(
                "#/award_code",
                f"{s.award_code} is not awarded to a {s.nominee_kind} (không xét tặng {whom})",
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
        bad.append(Violation(where, f"the achievement year {year} is in the future", "future"))

    proposer = await store.unit(con, s.proposer_unit_id)
    if proposer is None:
        bad.append(Violation("#/proposer_unit_id", "no such unit", "unknown_unit"))

    nominee_unit: UUID | None = None
    if s.nominee_kind == "person":
        p = await store.person(con, s.nominee_id)
        if p is None:
            bad.append(Violation("#/nominee/id", "no such person", "unknown_nominee"))
        else:
            nominee_unit = p["unit_id"]
    else:
        u = await store.unit(con, s.nominee_id)
        if u is None:
            bad.append(Violation("#/nominee/id", "no such unit", "unknown_nominee"))
        else:
            nominee_unit = u["unit_id"]
    if (
        proposer is not None
        and nominee_unit is not None
        and not await store.unit_contains(con, s.proposer_unit_id, nominee_unit)
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
        c = await store.campaign(con, s.campaign_id)
        if c is None:
            bad.append(Violation("#/campaign_id", "no such campaign", "unknown_campaign"))
        elif year is not None:
            end = s.period[1] if s.period is not None else date(year, 12, 31)
            if str(regime_for(end)) != c["regime"]:
                regime_override = c["regime"]

    if s.occasion_id is not None and not await store.occasion_exists(con, s.occasion_id):
        bad.append(Violation("#/occasion_id", "no such occasion", "unknown_occasion"))

    if len(set(s.initiative_ids)) != len(s.initiative_ids):
        bad.append(Violation("#/initiative_ids", "an initiative is listed twice", "duplicate"))
    known = await store.initiatives(con, s.initiative_ids)
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

    existing = await store.nomination_exists(con, s.nominee_kind, s.nominee_id, s.award_code, year)
    if existing is not None:
        raise Conflict(
            f"{s.nominee_kind} {s.nominee_id} is already nominated for {s.award_code} {year}",
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
            f"{s.nominee_kind} {s.nominee_id} is already nominated for {s.award_code} {year}",
            code="duplicate_nomination",
        ) from None
    await store.add_documents(con, nomination_id, s.documents, who.sub)
    await store.add_initiatives(con, nomination_id, s.initiative_ids)
    await store.log(con, [nomination_id], who.sub, "submitted", "submitted")
    await rt.bus.publish(
        uow,
        a.NominationSubmitted(
            nomination_id=nomination_id,
            nominee=a.Nominee(kind=s.nominee_kind, id=s.nominee_id),
            award_code=s.award_code,
            year=year,
            period=a.DatePeriod(start=s.period[0], end=s.period[1]) if s.period else None,
            proposer_unit_id=s.proposer_unit_id,
            campaign_id=s.campaign_id,
            documents=[a.Document(type=t, ref=r) for t, r in s.documents],
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
        raise NotFound(f"no nomination {nomination_id}", code="not_found")
    _may_propose(who, n["proposer_unit_id"])
    if n["status"] not in ("submitted", "screened"):
        raise Conflict(
            f"the dossier can no longer change: the nomination is {n['status']}",
            code="wrong_status",
            nomination_status=n["status"],
        )
    await store.add_documents(uow.con, nomination_id, documents, who.sub)
    await store.set_status(
        uow.con, [nomination_id], "submitted", who.sub, "documents_added",
        f"{len(documents)} document(s)",
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
        raise NotFound(f"no nomination {nomination_id}", code="not_found")
    _may_propose(who, n["proposer_unit_id"])
    if n["status"] not in WITHDRAWABLE:
        raise Conflict(
            f"the nomination is {n['status']}: it can be withdrawn only before the council's vote",
            code="not_withdrawable",
            nomination_status=n["status"],
        )
    if n["status"] == "on_agenda":
        session = await _session(con, n["session_id"], lock="update")
        if session["status"] != "planned":
            raise Conflict(
                "the council's vote on it has opened: it can no longer be withdrawn",
                code="vote_opened",
                nomination_status=n["status"],
            )
        # the agenda item and its (still empty) ballot totals go together
        await con.execute(
            "DELETE FROM ballot_counts WHERE session_id = $1 AND nomination_id = $2",
            n["session_id"],
            nomination_id,
        )
        await con.execute(
            "DELETE FROM session_agenda WHERE session_id = $1 AND nomination_id = $2",
            n["session_id"],
            nomination_id,
        )
    await con.execute("DELETE FROM notice_items WHERE nomination_id = $1", nomination_id)
    await store.release_initiatives(con, [nomination_id])
    by_province = who.has_role(Role.PROVINCE_ADMIN)
    await store.set_status(
        con, [nomination_id], "withdrawn", who.sub, "withdrawn", reason,
        notice_id=None, session_id=None,
    )  # fmt: skip
    await rt.bus.publish(uow, events.withdrawn(nomination_id, now, reason, by_province))


# ---- screening --------------------------------------------------------------------------------

SCREENABLE = ("submitted", "screened")


def check_consideration_date(day: date, today: date, period_end: date, field: str) -> None:
    """A consideration date the caller gives: not in the future (nothing is known of it yet),
    and not before the achievement period ends (the achievement is not complete then)."""
    if day > today:
        raise Invalid.at(
            field,
            f"the consideration date {day} is in the future (ngày xét {day:%d/%m/%Y} chưa đến)",
            "future",
        )
    if day < period_end:
        raise Invalid.at(
            field,
            f"the consideration date {day} is before the achievement period ends on {period_end}"
            f" (ngày xét {day:%d/%m/%Y} trước khi kết thúc thời gian tính thành tích"
            f" {period_end:%d/%m/%Y})",
            "before_period_end",
        )


def _period_end(n: asyncpg.Record) -> date:
    return n["period_end"] or date(n["year"], 12, 31)


async def screen(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    *,
    nomination_ids: Sequence[UUID] | None = None,
    year: int | None = None,
    screened_on: date | None = None,
    considered_on: date | None = None,
) -> list[tuple[UUID, Any]]:
    """Screen nominations together: the given ones, or every nomination of `year` awaiting
    screening (or screened and not yet on notice). One batch: titles conferred in it count for
    the later ones, quotas are shared, and an initiative supports the first nomination that
    passes. Each is judged as of its consideration date (ngày xét): the date of the council
    session whose agenda holds it, else `considered_on`, else today. `screened_on`: the
    screening's own date when it is entered after the fact (the notice cannot start before it;
    it may fall before the achievement period ends, as a year-end review often does); by default
    the consideration date given, else today. Returns (nomination id, ScreeningResult) in
    submission order."""
    con, now = uow.con, rt.today()
    if considered_on is not None:  # not in the future, whatever is to be screened
        check_consideration_date(considered_on, now, date.min, "#/considered_on")
    on = _act_date(rt, "#/screened_on", "screening", screened_on or considered_on)
    await con.execute("SELECT pg_advisory_xact_lock($1)", SCREENING_LOCK)
    if nomination_ids is not None:
        rows = await store.nominations(con, nomination_ids, lock=True)
        found = {r["nomination_id"] for r in rows}
        missing = [
            Violation(f"#/nomination_ids/{i}", "no such nomination", "unknown")
            for i, n in enumerate(nomination_ids)
            if n not in found
        ]
        if missing:
            raise Invalid.many(missing, code=missing[0].code)
        wrong = [r for r in rows if r["status"] not in SCREENABLE]
        if wrong:
            raise Conflict(
                f"nomination {wrong[0]['nomination_id']} is {wrong[0]['status']}: only submitted "
                "or screened nominations not yet on notice are screened",
                code="wrong_status",
            )
    else:
        rows = await con.fetch(
            "SELECT * FROM nominations WHERE year = $1 AND status = ANY($2::text[])"
            " ORDER BY seq FOR UPDATE",
            year,
            list(SCREENABLE),
        )
    if not rows:
        return []
    if considered_on is not None:
        for r in rows:
            check_consideration_date(considered_on, now, _period_end(r), "#/considered_on")
    sessions = await store.session_dates(con, [r["session_id"] for r in rows if r["session_id"]])
    ids = [r["nomination_id"] for r in rows]
    documents = await store.documents_of(con, ids)
    claimed = await store.initiatives_of(con, ids)
    facts = await factstore.for_nominations(
        con,
        persons=[r["nominee_id"] for r in rows if r["nominee_kind"] == "person"],
        collectives=[r["nominee_id"] for r in rows if r["nominee_kind"] == "collective"],
        initiative_ids=[i for v in claimed.values() for i in v],
    )
    scores = await store.bloc_scores(
        con,
        [r["nominee_id"] for r in rows if r["nominee_kind"] == "collective"],
        sorted({r["year"] for r in rows}),
    )
    batch = [
        Nomination(
            id=str(r["nomination_id"]),
            kind=r["nominee_kind"],
            nominee_id=str(r["nominee_id"]),
            code=r["award_code"],
            year=r["year"],
            period=(r["period_start"], r["period_end"]) if r["period_start"] else None,
            considered_on=sessions.get(r["session_id"]) or considered_on or now,
            regime_override=r["regime_override"],
            documents=frozenset(t for t, _ in documents[r["nomination_id"]]),
            initiative_ids=tuple(str(i) for i in claimed[r["nomination_id"]]),
            score=scores.get((r["nominee_id"], r["year"])),
        )
        for r in rows
    ]
    results = screen_batch(batch, facts, rt.cfg.screening)

    batch_id = uuid4()
    await store.release_initiatives(con, ids)
    out = []
    for r, result in zip(rows, results, strict=True):
        nid = r["nomination_id"]
        screening_id = uuid4()
        await store.insert_screening(con, screening_id, nid, batch_id, on, who.sub, result)
        if result.verdict == "eligible":
            await store.take_initiatives(con, nid, claimed[nid])
        await store.set_status(
            con,
            [nid],
            "screened",
            who.sub,
            "screened",
            f"{result.verdict} (regime {result.regime})",
            verdict=result.verdict,
            regime=str(result.regime),
            screening_id=screening_id,
        )
        await rt.bus.publish(uow, events.screened(nid, result))
        out.append((nid, result))
    return out


# ---- public notice ----------------------------------------------------------------------------


async def post_notice(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    *,
    nomination_ids: Sequence[UUID],
    title: str,
    start_on: date | None = None,
) -> UUID:
    """Put eligible candidates on public notice for the configured number of working days. A
    notice that already ran in full may be recorded after the fact (a past year's procedure, as a
    decision may be signed in the past); one that would still be running cannot start in the
    past, which would shorten the public period."""
    con, now = uow.con, rt.today()
    start = start_on or now
    cfg = rt.cfg.screening
    if start < now <= notice_end_for(start, cfg):
        raise Invalid.at(
            "#/start_on", "a notice cannot start in the past while it would still run", "past"
        )
    rows = await store.nominations(con, nomination_ids, lock=True)
    by_id = {r["nomination_id"]: r for r in rows}
    screened = dict(
        await con.fetch(
            "SELECT nomination_id, screened_on FROM screenings"
            " WHERE screening_id = ANY($1::uuid[])",
            [r["screening_id"] for r in rows if r["screening_id"] is not None],
        )
    )
    bad = []
    for i, nid in enumerate(nomination_ids):
        r = by_id.get(nid)
        if r is None:
            bad.append(Violation(f"#/nomination_ids/{i}", "no such nomination", "unknown"))
        elif r["status"] != "screened" or r["verdict"] != "eligible":
            bad.append(
                Violation(
                    f"#/nomination_ids/{i}",
                    f"only nominations screened eligible go on notice (this one is "
                    f"{r['status']}{', ' + r['verdict'] if r['verdict'] else ''})",
                    "not_eligible",
                )
            )
        elif early := order.notice_after_screening(screened[nid], start):
            bad.append(Violation(f"#/nomination_ids/{i}", early.detail, "out_of_order"))
    if bad:
        raise Invalid.many(bad, code=bad[0].code)
    end = notice_end_for(start, cfg)
    notice_id = uuid4()
    await con.execute(
        "INSERT INTO notices (notice_id, title, start_on, end_on, working_days, posted_by)"
        " VALUES ($1, $2, $3, $4, $5, $6)",
        notice_id,
        title,
        start,
        end,
        cfg.notice_working_days,
        who.sub,
    )
    await con.execute(
        "INSERT INTO notice_items (notice_id, nomination_id) SELECT $1, unnest($2::uuid[])",
        notice_id,
        list(nomination_ids),
    )
    await store.set_status(
        con, list(nomination_ids), "on_notice", who.sub, "notice_posted",
        f"{start.isoformat()} – {end.isoformat()}", notice_id=notice_id,
    )  # fmt: skip
    return notice_id


async def record_objection(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    *,
    notice_id: UUID,
    nomination_id: UUID,
    content: str,
) -> UUID:
    """An objection (ý kiến phản ánh) received while the notice runs."""
    con, now = uow.con, rt.today()
    notice = await con.fetchrow("SELECT * FROM notices WHERE notice_id = $1", notice_id)
    if notice is None:
        raise NotFound(f"no notice {notice_id}", code="not_found")
    if not notice["start_on"] <= now <= notice["end_on"]:
        raise Conflict(
            f"objections are recorded while the notice runs ({notice['start_on']} to "
            f"{notice['end_on']}); today is {now}",
            code="notice_not_running",
        )
    on_notice = await con.fetchval(
        "SELECT EXISTS (SELECT 1 FROM notice_items WHERE notice_id = $1 AND nomination_id = $2)",
        notice_id,
        nomination_id,
    )
    if not on_notice:
        raise Invalid.at("#/nomination_id", "the nomination is not on this notice", "not_listed")
    objection_id = uuid4()
    await con.execute(
        "INSERT INTO objections (objection_id, notice_id, nomination_id, received_on, content,"
        " recorded_by) VALUES ($1, $2, $3, $4, $5, $6)",
        objection_id,
        notice_id,
        nomination_id,
        now,
        content,
        who.sub,
    )
    status = await con.fetchval(
        "SELECT status FROM nominations WHERE nomination_id = $1", nomination_id
    )
    await store.log(
        con, [nomination_id], who.sub, "objection_recorded", status, f"objection {objection_id}"
    )
    return objection_id


async def resolve_objection(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    *,
    objection_id: UUID,
    upheld: bool,
    resolution: str,
) -> None:
    """The board's finding on an objection. Upheld: the nomination is rejected without a vote
    (NominationRejected); dismissed: it may go before the council."""
    con, now = uow.con, rt.today()
    o = await con.fetchrow(
        "SELECT * FROM objections WHERE objection_id = $1 FOR UPDATE", objection_id
    )
    if o is None:
        raise NotFound(f"no objection {objection_id}", code="not_found")
    if o["status"] != "open":
        raise Conflict(f"the objection was already {o['status']}", code="already_resolved")
    outcome = "upheld" if upheld else "dismissed"
    await con.execute(
        "UPDATE objections SET status = $2, resolution = $3, resolved_by = $4, resolved_on = $5"
        " WHERE objection_id = $1",
        objection_id,
        outcome,
        resolution,
        who.sub,
        now,
    )
    nid = o["nomination_id"]
    n = await store.nomination(con, nid, lock=True)
    assert n is not None
    if upheld and n["status"] == "on_notice":
        await store.release_initiatives(con, [nid])
        await store.set_status(
            con, [nid], "rejected", who.sub, "objection_upheld", f"objection {objection_id}"
        )
        await rt.bus.publish(uow, events.rejected(nid, now, OBJECTION_UPHELD))
    else:
        await store.log(
            con, [nid], who.sub, f"objection_{outcome}", n["status"], f"objection {objection_id}"
        )


# ---- council ----------------------------------------------------------------------------------


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
    await uow.con.execute(
        "INSERT INTO councils (council_id, name, term_start, term_end, created_by)"
        " VALUES ($1, $2, $3, $4, $5)",
        council_id,
        name,
        term_start,
        term_end,
        who.sub,
    )
    await add_members(uow, who, council_id, members)
    return council_id


async def add_members(
    uow: UnitOfWork, who: Principal, council_id: UUID, members: Sequence[Member]
) -> list[UUID]:
    con = uow.con
    if not await con.fetchval("SELECT EXISTS (SELECT 1 FROM councils WHERE council_id = $1)",
                              council_id):  # fmt: skip
        raise NotFound(f"no council {council_id}", code="not_found")
    subjects = [m.subject for m in members]
    if len(set(subjects)) != len(subjects):
        raise Invalid.at("#/members", "a member is listed twice", "duplicate")
    taken = await con.fetch(
        "SELECT subject FROM council_members WHERE council_id = $1 AND subject = ANY($2)",
        council_id,
        subjects,
    )
    if taken:
        raise Conflict("already a member of this council", code="duplicate_member")
    ids = [uuid4() for _ in members]
    await con.execute(
        "INSERT INTO council_members (member_id, council_id, subject, full_name, title, role)"
        " SELECT m, $1, s, n, t, r"
        "   FROM unnest($2::uuid[], $3::text[], $4::text[], $5::text[], $6::text[])"
        "   AS x(m, s, n, t, r)",
        council_id,
        ids,
        subjects,
        [m.full_name for m in members],
        [m.title for m in members],
        [m.role for m in members],
    )
    return ids


async def _session(con: asyncpg.Connection, session_id: UUID, lock: str = "") -> Any:
    """`lock`: "update" (changes the session), "share" (a ballot: many at once, none while
    the vote is being closed)."""
    suffix = {"": "", "update": " FOR UPDATE", "share": " FOR SHARE"}[lock]
    s = await con.fetchrow(
        "SELECT * FROM council_sessions WHERE session_id = $1" + suffix, session_id
    )
    if s is None:
        raise NotFound(f"no session {session_id}", code="not_found")
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
    _admin_or_secretary(who, council_id)
    council = await uow.con.fetchrow("SELECT * FROM councils WHERE council_id = $1", council_id)
    if council is None:
        raise NotFound(f"no council {council_id}", code="not_found")
    if not council["term_start"] <= held_on <= council["term_end"]:
        raise Invalid.at("#/held_on", "the session falls outside the council's term", "term")
    if ends_on is not None and not held_on <= ends_on <= council["term_end"]:
        raise Invalid.at(
            "#/ends_on", "the session ends before it starts or after the council's term", "term"
        )
    session_id = uuid4()
    await uow.con.execute(
        "INSERT INTO council_sessions (session_id, council_id, title, held_on, ends_on, status,"
        " created_by) VALUES ($1, $2, $3, $4, $5, 'planned', $6)",
        session_id,
        council_id,
        title,
        held_on,
        ends_on,
        who.sub,
    )
    return session_id


async def add_to_agenda(
    uow: UnitOfWork, rt: Runtime, who: Principal, session_id: UUID, nomination_ids: Sequence[UUID]
) -> None:
    """Nominations whose public notice has ended, with no objection left open, go on a planned
    session's agenda, each with the threshold its award and regime call for."""
    con, now = uow.con, rt.today()
    s = await _session(con, session_id, lock="update")
    _admin_or_secretary(who, s["council_id"])
    if s["status"] != "planned":
        raise Conflict("the agenda is fixed once the vote opens", code="session_not_planned")
    rows = await store.nominations(con, nomination_ids, lock=True)
    by_id = {r["nomination_id"]: r for r in rows}
    ends = {
        r["nomination_id"]: r["end_on"]
        for r in await con.fetch(
            "SELECT i.nomination_id, n.end_on FROM notice_items i JOIN notices n USING"
            " (notice_id) WHERE i.nomination_id = ANY($1::uuid[])",
            list(nomination_ids),
        )
    }
    open_objections = {
        r[0]
        for r in await con.fetch(
            "SELECT DISTINCT nomination_id FROM objections"
            " WHERE nomination_id = ANY($1::uuid[]) AND status = 'open'",
            list(nomination_ids),
        )
    }
    bad = []
    for i, nid in enumerate(nomination_ids):
        r, where = by_id.get(nid), f"#/nomination_ids/{i}"
        if r is None:
            bad.append(Violation(where, "no such nomination", "unknown"))
        elif r["status"] != "on_notice":
            bad.append(Violation(where, f"the nomination is {r['status']}", "not_on_notice"))
        elif ends[nid] >= now:
            bad.append(
                Violation(where, f"its public notice runs until {ends[nid]}", "notice_running")
            )
        elif early := order.session_after_notice(ends[nid], s["held_on"]):
            bad.append(Violation(where, early.detail, "out_of_order"))
        elif nid in open_objections:
            bad.append(Violation(where, "an objection to it is still open", "open_objection"))
    if bad:
        raise Invalid.many(bad, code=bad[0].code)
    start = await con.fetchval(
        "SELECT coalesce(max(position), 0) FROM session_agenda WHERE session_id = $1", session_id
    )
    thresholds = [
        rt.cfg.council_threshold(by_id[n]["award_code"], by_id[n]["regime"]) for n in nomination_ids
    ]
    await con.execute(
        "INSERT INTO session_agenda (session_id, nomination_id, position, threshold)"
        " SELECT $1, n, p, t FROM unnest($2::uuid[], $3::int[], $4::float8[]) AS x(n, p, t)",
        session_id,
        list(nomination_ids),
        list(range(start + 1, start + 1 + len(nomination_ids))),
        thresholds,
    )
    await con.execute(
        "INSERT INTO ballot_counts (session_id, nomination_id) SELECT $1, unnest($2::uuid[])",
        session_id,
        list(nomination_ids),
    )
    await store.set_status(
        con, list(nomination_ids), "on_agenda", who.sub, "put_on_agenda",
        f"session {session_id}", session_id=session_id,
    )  # fmt: skip


async def open_vote(
    uow: UnitOfWork, rt: Runtime, who: Principal, session_id: UUID, opened_on: date | None = None
) -> int:
    """The secretary opens the vote, on a day of the session (`opened_on`, default today): the
    agenda is fixed, and so is the number of members the thresholds are counted on."""
    con = uow.con
    s = await _session(con, session_id, lock="update")
    _secretary(who, s["council_id"])
    if s["status"] != "planned":
        raise Conflict(f"the session is {s['status']}", code="session_not_planned")
    if opened_on is None and rt.today() < s["held_on"]:
        raise Conflict(f"the session is held on {s['held_on']}", code="too_early")
    on = _act_date(rt, "#/opened_on", "vote_opened", opened_on)
    _in_order("#/opened_on", order.within_session("vote_opened", on, s["held_on"], s["ends_on"]))
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
    s = await _session(con, session_id, lock="update")
    _secretary(who, s["council_id"])
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
    s = await _session(con, session_id, lock="share")
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
        _secretary(who, council_id)
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
    on = _act_date(rt, "#/cast_on", "ballot", cast_on)
    _in_order("#/cast_on", order.within_session("ballot", on, s["held_on"], s["ends_on"]))
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
    s = await _session(con, session_id, lock="update")
    _secretary(who, s["council_id"])
    if s["status"] != "voting":
        raise Conflict(f"the session is {s['status']}, not voting", code="vote_not_open")
    on = _act_date(rt, "#/closed_on", "vote_closed", closed_on)
    _in_order("#/closed_on", order.within_session("vote_closed", on, s["held_on"], s["ends_on"]))
    _in_order("#/closed_on", order.closed_after_opened(s["opened_on"] or on, on))
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
            await rt.bus.publish(uow, events.approved(nid, on, vote))
        else:
            await store.release_initiatives(con, [nid])
            await store.set_status(con, [nid], "rejected", who.sub, "vote_closed", detail)
            await rt.bus.publish(uow, events.rejected(nid, on, VOTE_FAILED, vote))
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
    if await con.fetchval("SELECT EXISTS (SELECT 1 FROM decisions WHERE number = $1)", number):
        raise Conflict(f"a decision numbered {number} exists", code="duplicate_number")
    approved, bad = await signing.approved(con, nomination_ids, signed_on, "decision")
    signer_unit = await store.unit(con, signer_unit_id) if signer_unit_id else None
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
    await con.execute(
        "INSERT INTO decisions (decision_id, number, signed_on, signer_name, signer_title,"
        " base_salary_vnd, total_vnd, issued_by, signer_authority, signer_unit_id)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
        decision_id,
        number,
        signed_on,
        signer_name,
        signer_title,
        base,
        sum(amount for _, _, amount in lines),
        who.sub,
        str(signer_authority),
        signer_unit_id,
    )
    await con.execute(
        "INSERT INTO decision_lines (decision_id, position, nomination_id, nominee_kind,"
        " nominee_id, award_code, multiplier, amount_vnd)"
        " SELECT $1, p, n, k, s, c, m, a FROM unnest($2::int[], $3::uuid[], $4::text[],"
        " $5::uuid[], $6::text[], $7::numeric[], $8::bigint[]) AS x(p, n, k, s, c, m, a)",
        decision_id,
        list(range(1, len(lines) + 1)),
        [r["nomination_id"] for r, _, _ in lines],
        [r["nominee_kind"] for r, _, _ in lines],
        [r["nominee_id"] for r, _, _ in lines],
        [r["award_code"] for r, _, _ in lines],
        [m for _, m, _ in lines],
        [amount for _, _, amount in lines],
    )
    await con.execute(
        "INSERT INTO award_history (award_id, subject_kind, subject_id, award_code, period_start,"
        " period_end, decided_on, decision_number, source, decision_id, nomination_id)"
        " SELECT gen_random_uuid(), k, s, c, ps, pe, $2, $3, 'decision', $1, n"
        "   FROM unnest($4::text[], $5::uuid[], $6::text[], $7::date[], $8::date[], $9::uuid[])"
        "   AS x(k, s, c, ps, pe, n)",
        decision_id,
        signed_on,
        number,
        [r["nominee_kind"] for r, _, _ in lines],
        [r["nominee_id"] for r, _, _ in lines],
        [r["award_code"] for r, _, _ in lines],
        [period_start_of(r) for r, _, _ in lines],
        [r["period_end"] or date(r["year"], 12, 31) for r, _, _ in lines],
        [r["nomination_id"] for r, _, _ in lines],
    )
    ids = [r["nomination_id"] for r, _, _ in lines]
    await store.finalise_initiatives(con, ids)
    await store.set_status(
        con, ids, "decided", who.sub, "decision_issued", f"decision {number}",
        decision_id=decision_id,
    )  # fmt: skip
    await rt.bus.publish(
        uow,
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


def period_start_of(n: asyncpg.Record) -> date:
    """The achievement period's start as the decision states it: the nomination's period, or
    the years the award counts (three for CSTĐ cấp tỉnh, two for a person's Bằng khen…)."""
    if n["period_start"] is not None:
        return n["period_start"]
    years = WINDOW_YEARS.get((n["nominee_kind"], n["award_code"]), 1)
    return date(n["year"] - years + 1, 1, 1)


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
    d = await con.fetchrow("SELECT * FROM decisions WHERE decision_id = $1 FOR UPDATE", decision_id)
    if d is None:
        raise NotFound(f"no decision {decision_id}", code="not_found")
    on = revoked_on or now
    if on > now:
        raise Invalid.at("#/revoked_on", "a revocation cannot be dated in the future", "future")
    if on < d["signed_on"]:
        raise Invalid.at("#/revoked_on", "the revocation predates the decision", "order")
    lines = await con.fetch(
        "SELECT * FROM decision_lines WHERE decision_id = $1 ORDER BY position", decision_id
    )
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
    await con.execute(
        "INSERT INTO revocations (revocation_id, decision_id, nomination_ids, revoked_on,"
        " revocation_number, reason, amount_to_recover_vnd, revoked_by)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
        revocation_id,
        decision_id,
        chosen,
        on,
        revocation_number,
        reason,
        amount,
        who.sub,
    )
    await con.execute(
        "UPDATE decision_lines SET revoked_on = $3, revocation_id = $4"
        " WHERE decision_id = $1 AND nomination_id = ANY($2::uuid[])",
        decision_id,
        chosen,
        on,
        revocation_id,
    )
    await con.execute(
        "UPDATE award_history SET revoked_on = $2 WHERE nomination_id = ANY($1::uuid[])",
        chosen,
        on,
    )
    await store.set_status(
        con, chosen, "revoked", who.sub, "revoked", f"revocation {revocation_id}"
    )
    await rt.bus.publish(
        uow,
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
