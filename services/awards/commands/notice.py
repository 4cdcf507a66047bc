"""Public notice (công khai) of the screened nominations for the configured working days, the
objections raised during it and their resolution."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID, uuid4

from servicekit.auth import Principal
from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards import events
from services.awards.domain import (
    notice_end_for,
    order,
)
from services.awards.runtime import Runtime
from services.awards.store import nominations as store
from services.awards.store import notices
from services.awards.store import screenings as screenings_db

OBJECTION_UPHELD = (
    "Không trình khen thưởng: ý kiến phản ánh trong thời gian công khai đã được xác minh là có "
    "cơ sở."
)


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
    screened = await screenings_db.screened_on(
        con, [r["screening_id"] for r in rows if r["screening_id"] is not None]
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
                    Msg(
                        "only nominations screened eligible go on notice (this one "
                        "is {status}{value})",
                        status=r["status"],
                        value=", " + r["verdict"] if r["verdict"] else "",
                    ),
                    "not_eligible",
                )
            )
        elif early := order.notice_after_screening(screened[nid], start):
            bad.append(Violation(f"#/nomination_ids/{i}", early.detail, "out_of_order"))
    if bad:
        raise Invalid.many(bad, code=bad[0].code)
    end = notice_end_for(start, cfg)
    notice_id = uuid4()
    await notices.insert_notice(
        con, notice_id, title, (start, end), cfg.notice_working_days, nomination_ids, who.sub
    )
    await store.set_status(
        con, list(nomination_ids), "on_notice", who.sub, "notice_posted",
        Msg("{start} – {end}", start=start, end=end), notice_id=notice_id,
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
    notice = await notices.notice(con, notice_id)
    if notice is None:
        raise NotFound(Msg("no notice {notice_id}", notice_id=notice_id), code="not_found")
    if not notice["start_on"] <= now <= notice["end_on"]:
        raise Conflict(
            Msg(
                "objections are recorded while the notice runs ({start_on} "
                "to {end_on}); today is {now}",
                start_on=notice["start_on"],
                end_on=notice["end_on"],
                now=now,
            ),
            code="notice_not_running",
        )
    if not await notices.lists(con, notice_id, nomination_id):
        raise Invalid.at("#/nomination_id", "the nomination is not on this notice", "not_listed")
    objection_id = uuid4()
    await notices.insert_objection(
        con, objection_id, notice_id, nomination_id, now, content, who.sub
    )
    status = await store.status_of(con, nomination_id)
    if status is None:  # listed on the notice, so it exists: never reached
        raise NotFound(
            Msg("no nomination {nomination_id}", nomination_id=nomination_id), code="not_found"
        )
    await store.log(
        con,
        [nomination_id],
        who.sub,
        "objection_recorded",
        status,
        Msg("objection {objection_id}", objection_id=objection_id),
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
    o = await notices.objection_for_update(con, objection_id)
    if o is None:
        raise NotFound(
            Msg("no objection {objection_id}", objection_id=objection_id), code="not_found"
        )
    if o["status"] != "open":
        raise Conflict(
            Msg("the objection was already {status}", status=o["status"]), code="already_resolved"
        )
    outcome = "upheld" if upheld else "dismissed"
    await notices.resolve_objection(con, objection_id, outcome, resolution, who.sub, now)
    nid = o["nomination_id"]
    n = await store.nomination(con, nid, lock=True)
    assert n is not None
    if upheld and n["status"] == "on_notice":
        await store.release_initiatives(con, [nid])
        await store.set_status(
            con,
            [nid],
            "rejected",
            who.sub,
            "objection_upheld",
            Msg("objection {objection_id}", objection_id=objection_id),
        )
        await uow.publish(events.rejected(nid, now, OBJECTION_UPHELD))
    else:
        await store.log(
            con,
            [nid],
            who.sub,
            f"objection_{outcome}",
            n["status"],
            Msg("objection {objection_id}", objection_id=objection_id),
        )
