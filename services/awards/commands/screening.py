"""The board screens a batch of nominations (or a year's) against the rules, on the consideration
date; the batch settles quotas, titles conferred together and single-use initiatives."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from servicekit.auth import Principal
from servicekit.db import advisory_key
from servicekit.errors import Conflict, Invalid, Violation
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards import events
from services.awards.commands.common import (
    act_date,
)
from services.awards.domain import (
    Nomination,
    screen_batch,
)
from services.awards.runtime import Runtime
from services.awards.store import facts as factstore
from services.awards.store import nominations as store
from services.awards.store import readmodel as lookup
from services.awards.store import screenings as screenings_db

SCREENING_LOCK = advisory_key("awards.screening")


# ---- screening --------------------------------------------------------------------------------

SCREENABLE = ("submitted", "screened")


def check_consideration_date(day: date, today: date, period_end: date, field: str) -> None:
    """A consideration date the caller gives: not in the future (nothing is known of it yet),
    and not before the achievement period ends (the achievement is not complete then)."""
    if day > today:
        raise Invalid.at(
            field,
            Msg(
                "the consideration date {day} is in the future (ngày xét {day:%d/%m/%Y} chưa đến)",
                day=day,
            ),
            "future",
        )
    if day < period_end:
        raise Invalid.at(
            field,
            Msg(
                "the consideration date {day} is before the achievement "
                "period ends on {period_end} (ngày xét {day:%d/%m/%Y} trước "
                "khi kết thúc thời gian tính thành tích "
                "{period_end:%d/%m/%Y})",
                day=day,
                period_end=period_end,
            ),
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
    on = act_date(rt, "#/screened_on", "screening", screened_on or considered_on)
    await screenings_db.lock_screening(con, SCREENING_LOCK)
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
                Msg(
                    "nomination {nomination_id} is {status}: only submitted or "
                    "screened nominations not yet on notice are screened",
                    nomination_id=wrong[0]["nomination_id"],
                    status=wrong[0]["status"],
                ),
                code="wrong_status",
            )
    elif year is None:  # neither nominations nor a year: nothing to screen
        rows = []
    else:
        rows = await store.of_year_for_update(con, year, SCREENABLE)
    if not rows:
        return []
    if considered_on is not None:
        for r in rows:
            check_consideration_date(considered_on, now, _period_end(r), "#/considered_on")
    sessions = await screenings_db.session_dates(
        con, [r["session_id"] for r in rows if r["session_id"]]
    )
    ids = [r["nomination_id"] for r in rows]
    documents = await store.documents_of(con, ids)
    claimed = await store.initiatives_of(con, ids)
    facts = await factstore.for_nominations(
        con,
        persons=[r["nominee_id"] for r in rows if r["nominee_kind"] == "person"],
        collectives=[r["nominee_id"] for r in rows if r["nominee_kind"] == "collective"],
        initiative_ids=[i for v in claimed.values() for i in v],
    )
    scores = await lookup.bloc_scores(
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
        await screenings_db.insert_screening(con, screening_id, nid, batch_id, on, who.sub, result)
        if result.verdict == "eligible":
            await store.take_initiatives(con, nid, claimed[nid])
        await store.set_status(
            con,
            [nid],
            "screened",
            who.sub,
            "screened",
            screened_note(result.verdict, str(result.regime)),
            verdict=result.verdict,
            regime=str(result.regime),
            screening_id=screening_id,
        )
        await uow.publish(events.screened(nid, result))
        out.append((nid, result))
    return out


def screened_note(verdict: str, regime: str) -> Msg:
    """A screening's line in the nomination's history: its verdict under the regime it applied
    (one template per verdict, so each reads whole in the catalogue)."""
    if verdict == "eligible":
        return Msg("eligible (regime {regime})", regime=regime)
    if verdict == "ineligible":
        return Msg("ineligible (regime {regime})", regime=regime)
    if verdict == "incomplete":
        return Msg("incomplete (regime {regime})", regime=regime)
    return Msg("blocked (regime {regime})", regime=regime)
