"""Nominations: submission with the dossier, reading them with their screening and history,
completing a dossier; screening batches."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, Request, Response

from schemas.types import AwardCode, Verdict
from servicekit.audit import audit_object
from servicekit.errors import Invalid, NotFound
from servicekit.messages import SOURCE, Msg, language_of, translate
from servicekit.problems import Problem
from services.awards.api.common import (
    PROBLEMS,
    Admin,
    NominationReader,
    Proposer,
    ReadCon,
    Rt,
    Uow,
    is_officer_only,
    own_unit_only,
)
from services.awards.api.models import (
    DocumentIn,
    DocumentsIn,
    LogEntryOut,
    NominationDetail,
    NominationIn,
    NominationOut,
    NominationPage,
    NomineeOut,
    PeriodIn,
    ScreenedOut,
    ScreeningBatchOut,
    ScreeningIn,
    ScreeningOut,
    WithdrawalIn,
)
from services.awards.commands import nominations, screening
from services.awards.store import nominations as store
from services.awards.store import readmodel as lookup
from services.awards.store import screenings as screenings_db

router = APIRouter(tags=["nominations"], responses=PROBLEMS)


def nomination_out(r: asyncpg.Record, names: dict[UUID, dict[str, Any]]) -> NominationOut:
    info = names.get(r["nominee_id"], {})
    return NominationOut(
        nomination_id=r["nomination_id"],
        nominee=NomineeOut(
            kind=r["nominee_kind"],
            id=r["nominee_id"],
            name=info.get("name"),
            unit_id=info.get("unit_id"),
            unit_name=info.get("unit_name"),
        ),
        award_code=r["award_code"],
        year=r["year"],
        period=PeriodIn(start=r["period_start"], end=r["period_end"])
        if r["period_start"]
        else None,
        proposer_unit_id=r["proposer_unit_id"],
        campaign_id=r["campaign_id"],
        status=r["status"],
        verdict=r["verdict"],
        regime=r["regime"],
        regime_override=r["regime_override"],
        notice_id=r["notice_id"],
        session_id=r["session_id"],
        decision_id=r["decision_id"],
        proposal_id=r["proposal_id"],
        submitted_on=r["submitted_on"],
        occasion_id=r["occasion_id"],
    )


async def nomination_detail(
    con: asyncpg.Connection, nomination_id: UUID, lang: str = SOURCE
) -> NominationDetail:
    """`lang`: the history's lines the service wrote are answered in it."""
    r = await store.nomination(con, nomination_id)
    if r is None:
        raise NotFound(
            Msg("no nomination {nomination_id}", nomination_id=nomination_id), code="not_found"
        )
    names = await lookup.names(con, [(r["nominee_kind"], r["nominee_id"])])
    docs = (await store.documents_of(con, [nomination_id]))[nomination_id]
    inits = (await store.initiatives_of(con, [nomination_id]))[nomination_id]
    latest = (
        await screenings_db.screening(con, r["screening_id"])
        if r["screening_id"] is not None
        else None
    )
    history = await store.history_of(con, nomination_id)
    return NominationDetail(
        **nomination_out(r, names).model_dump(),
        documents=[DocumentIn(type=t, ref=ref) for t, ref in docs],
        initiative_ids=inits,
        screening=ScreeningOut(**latest) if latest else None,
        history=[LogEntryOut(**{**h, "detail": _said(h["detail"], lang)}) for h in history],
    )


def _said(detail: str | None, lang: str) -> str | None:
    """A history line the service wrote (a `Msg`) in `lang`; a person's own text as written."""
    return translate(detail, lang) if isinstance(detail, Msg) else detail


@router.post(
    "/nominations",
    status_code=201,
    response_model=NominationDetail,
    summary="Submit a nomination with its dossier (NominationSubmitted)",
)
async def submit(
    body: NominationIn, uow: Uow, rt: Rt, who: Proposer, request: Request, response: Response
) -> NominationDetail:
    nomination_id = await nominations.submit(
        uow,
        rt,
        who,
        nominations.Submission(
            nominee_kind=body.nominee.kind,
            nominee_id=body.nominee.id,
            award_code=body.award_code,
            proposer_unit_id=body.proposer_unit_id,
            year=body.year,
            period=(body.period.start, body.period.end) if body.period else None,
            campaign_id=body.campaign_id,
            documents=[(d.type, d.ref) for d in body.documents],
            initiative_ids=body.initiative_ids,
            occasion_id=body.occasion_id,
        ),
    )
    audit_object(request, f"nomination:{nomination_id}")
    response.headers["Location"] = f"/nominations/{nomination_id}"
    return await nomination_detail(uow.con, nomination_id, language_of(request))


@router.get("/nominations", response_model=NominationPage, summary="Nominations, filtered")
async def list_nominations(
    con: ReadCon,
    who: NominationReader,
    year: Annotated[int | None, Query(ge=1945, le=2100)] = None,
    status: Annotated[
        str | None,
        Query(
            pattern="^(submitted|screened|on_notice|on_agenda|approved|rejected|decided|revoked)$"
        ),
    ] = None,
    award_code: AwardCode | None = None,
    verdict: Verdict | None = None,
    proposer_unit_id: UUID | None = None,
    campaign_id: UUID | None = None,
    occasion_id: Annotated[
        UUID | None, Query(description="Dedicated to this occasion (lập thành tích chào mừng)")
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^\d{1,18}$")] = None,
) -> NominationPage:
    if is_officer_only(who):
        proposer_unit_id = proposer_unit_id or UUID(who.unit_id)
        own_unit_only(who, proposer_unit_id, "another unit's nominations")
    if occasion_id is not None and not await lookup.occasion_exists(con, occasion_id):
        raise Invalid.param("occasion_id", "no such occasion", "unknown_occasion")
    rows = await store.list_nominations(
        con,
        year=year,
        status=status,
        award_code=award_code,
        proposer_unit_id=proposer_unit_id,
        campaign_id=campaign_id,
        verdict=verdict,
        occasion_id=occasion_id,
        limit=limit + 1,
        after_seq=int(cursor) if cursor else None,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    names = await lookup.names(con, [(r["nominee_kind"], r["nominee_id"]) for r in rows])
    return NominationPage(
        items=[nomination_out(r, names) for r in rows],
        next_cursor=str(rows[-1]["seq"]) if more else None,
    )


@router.get(
    "/nominations/{nomination_id}",
    response_model=NominationDetail,
    summary="A nomination: dossier, latest screening with every rule, history",
)
async def get_nomination(
    nomination_id: UUID, con: ReadCon, who: NominationReader, request: Request
) -> NominationDetail:
    detail = await nomination_detail(con, nomination_id, language_of(request))
    own_unit_only(who, detail.proposer_unit_id, "another unit's nomination")
    return detail


@router.get(
    "/nominations/{nomination_id}/screenings",
    response_model=list[ScreeningOut],
    summary="Every screening of a nomination, latest last",
)
async def screenings_of(
    nomination_id: UUID, con: ReadCon, who: NominationReader
) -> list[ScreeningOut]:
    r = await store.nomination(con, nomination_id)
    if r is None:
        raise NotFound(
            Msg("no nomination {nomination_id}", nomination_id=nomination_id), code="not_found"
        )
    own_unit_only(who, r["proposer_unit_id"], "another unit's nomination")
    ids = await screenings_db.ids_of(con, nomination_id)
    found = [await screenings_db.screening(con, x) for x in ids]
    return [ScreeningOut(**s) for s in found if s is not None]  # screenings are never deleted


@router.post(
    "/nominations/{nomination_id}/documents",
    response_model=NominationDetail,
    summary="Complete the dossier before the notice (screen it again afterwards)",
)
async def add_documents(
    nomination_id: UUID, body: DocumentsIn, uow: Uow, rt: Rt, who: Proposer, request: Request
) -> NominationDetail:
    await nominations.add_documents(
        uow, rt, who, nomination_id, [(d.type, d.ref) for d in body.documents]
    )
    return await nomination_detail(uow.con, nomination_id, language_of(request))


@router.post(
    "/nominations/{nomination_id}/withdrawal",
    response_model=NominationDetail,
    summary="Withdraw a nomination before the council's vote (NominationWithdrawn)",
    description="By the proposing unit's officer or a province administrator. The nomination "
    "leaves the public notice and the session's agenda, and the initiatives it claimed are free "
    "for another nomination. 409 once the council's vote on it has opened or it was decided.",
)
async def withdraw(
    nomination_id: UUID, body: WithdrawalIn, uow: Uow, rt: Rt, who: Proposer, request: Request
) -> NominationDetail:
    await nominations.withdraw(uow, rt, who, nomination_id, body.reason)
    audit_object(request, f"nomination:{nomination_id}")
    return await nomination_detail(uow.con, nomination_id, language_of(request))


@router.post(
    "/screenings",
    response_model=ScreeningBatchOut,
    summary="Screen nominations together (NominationScreened for each)",
    description="Every applicable rule is evaluated and listed with pass/fail, facts, citation "
    "and reason; the verdict is eligible, ineligible, incomplete or blocked. Nominations screened "
    "together share their quotas, and an initiative supports the first nomination (in submission "
    "order) that passes. The regime follows the achievement period unless the nomination's "
    "campaign overrides it. Every rule reads statuses, titles and periods as of the "
    "consideration date: the council session's date for a nomination on its agenda, else "
    "`considered_on`, else today; titles (LĐTT, CSTĐCS) screened eligible in the batch count "
    "for the collectives and quotas screened with them.",
)
async def screen(body: ScreeningIn, uow: Uow, rt: Rt, who: Admin) -> ScreeningBatchOut:
    results = await screening.screen(
        uow,
        rt,
        who,
        nomination_ids=body.nomination_ids,
        year=body.year,
        screened_on=body.screened_on,
        considered_on=body.considered_on,
    )
    if body.nomination_ids is None and not results:
        raise Problem(
            409,
            "Conflict",
            Msg("no nomination of {year} awaits screening", year=body.year),
            type="conflict-nothing-to-screen",
        )
    verdicts: dict[str, int] = {}
    out = []
    for nid, result in results:
        verdicts[result.verdict] = verdicts.get(result.verdict, 0) + 1
        out.append(
            ScreenedOut(
                nomination_id=nid,
                verdict=result.verdict,
                regime=str(result.regime),
                considered_on=result.considered_on,
                failing=list(result.failing),
                rule_results=[
                    {
                        "rule_id": r.rule_id,
                        "passed": r.passed,
                        "citation": r.citation,
                        "facts": r.facts,
                        "reason": r.reason,
                        "effect": r.effect,
                    }
                    for r in result.results
                ],
            )
        )
    return ScreeningBatchOut(screened=len(out), verdicts=verdicts, results=out)
