"""Annual bulk screening: every person's and collective's eligibility for the yearly titles and
forms of a year, for a unit (and those below it) or the whole province; the proposed candidates
with their reasons."""

from __future__ import annotations

import json
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Request

from schemas.types import AwardCode
from servicekit.audit import audit_object
from servicekit.auth import forbidden
from servicekit.errors import NotFound
from servicekit.messages import Msg
from services.awards.api.common import (
    PROBLEMS,
    NominationReader,
    Proposer,
    ReadCon,
    Rt,
    Uow,
    is_officer_only,
    own_unit_only,
)
from services.awards.api.models import AnnualIn, AnnualRunOut, CandidateOut, CandidatePage
from services.awards.commands import annual
from services.awards.domain.annual import COLLECTIVE_CASCADE, PERSON_CASCADE
from services.awards.store import annual as runs
from services.awards.store import readmodel as lookup

router = APIRouter(tags=["annual screening"], responses=PROBLEMS)


@router.post(
    "/annual-screenings",
    status_code=201,
    response_model=AnnualRunOut,
    summary="Screen a year for a unit or the whole province and propose candidates",
    description="For each yearly title and form (LĐTT, CSTĐCS, CSTĐ cấp tỉnh, CSTĐ toàn quốc, "
    "Bằng khen tỉnh, Bằng khen Thủ tướng; TTLĐTT, TTLĐXS, Cờ thi đua tỉnh, Cờ thi đua Chính "
    "phủ), who may be proposed, in cascade order (a title proposed earlier in the run counts for "
    "the later ones), with quotas settled and each initiative used once. The candidates and "
    "their reasons are stored with the run. A unit officer screens their own unit.",
)
async def run_annual(
    body: AnnualIn, uow: Uow, rt: Rt, who: Proposer, request: Request
) -> AnnualRunOut:
    if is_officer_only(who):
        if body.scope_unit_id is None:
            raise forbidden("a unit officer screens their own unit, not the whole province")
        own_unit_only(who, body.scope_unit_id, "another unit")
    summary = await annual.run(
        uow,
        rt,
        who,
        year=body.year,
        scope_unit_id=body.scope_unit_id,
        as_of=body.as_of,
        campaign_id=body.campaign_id,
    )
    audit_object(request, f"annual-run:{summary.run_id}")
    return AnnualRunOut(**summary.__dict__)


async def _run(con, run_id: UUID, who) -> dict:
    r = await runs.run(con, run_id)
    if r is None:
        raise NotFound(Msg("no annual screening {run_id}", run_id=run_id), code="not_found")
    if is_officer_only(who):
        if r["scope_unit_id"] is None:
            raise forbidden("a unit officer reads their own unit's screenings")
        own_unit_only(who, r["scope_unit_id"], "another unit's screening")
    return dict(r)


@router.get(
    "/annual-screenings/{run_id}", response_model=AnnualRunOut, summary="An annual screening run"
)
async def get_run(run_id: UUID, con: ReadCon, who: NominationReader) -> AnnualRunOut:
    r = await _run(con, run_id, who)
    counts = await runs.candidate_counts(con, run_id)
    return AnnualRunOut(
        run_id=r["run_id"],
        year=r["year"],
        scope_unit_id=r["scope_unit_id"],
        regime=r["regime"],
        as_of=r["as_of"],
        people=r["people"],
        collectives=r["collectives"],
        screened=r["screened"],
        candidates={
            **dict.fromkeys(PERSON_CASCADE + COLLECTIVE_CASCADE, 0),
            **{c["award_code"]: c["n"] for c in counts if not c["over_quota"]},
        },
        over_quota={c["award_code"]: c["n"] for c in counts if c["over_quota"]},
        timings=json.loads(r["timings"]),
    )


@router.get(
    "/annual-screenings/{run_id}/candidates",
    response_model=CandidatePage,
    summary="The candidates of a run, with every rule's result",
)
async def candidates(
    run_id: UUID,
    con: ReadCon,
    who: NominationReader,
    award_code: AwardCode | None = None,
    unit_id: UUID | None = None,
    over_quota: bool | None = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    cursor: Annotated[str | None, Query(pattern=r"^[A-Z_]{2,16}:\d{1,9}$")] = None,
) -> CandidatePage:
    await _run(con, run_id, who)
    after = None
    if cursor:
        code, position = cursor.split(":")
        after = (code, int(position))
    rows = await runs.candidates(
        con,
        run_id,
        award_code=award_code,
        unit_id=unit_id,
        over_quota=over_quota,
        after=after,
        limit=limit + 1,
    )
    more = len(rows) > limit
    rows = rows[:limit]
    names = await lookup.names(con, [(r["subject_kind"], r["subject_id"]) for r in rows])
    results = await annual.rule_results(con, run_id, [r["reasons"] for r in rows])
    items = [
        CandidateOut(
            award_code=r["award_code"],
            position=r["position"],
            subject_kind=r["subject_kind"],
            subject_id=r["subject_id"],
            name=names.get(r["subject_id"], {}).get("name"),
            unit_id=r["unit_id"],
            over_quota=r["over_quota"],
            quota_rank=r["quota_rank"],
            verdict=r["verdict"],
            initiative_ids=list(r["initiative_ids"]),
            rule_results=explained,
        )
        for r, explained in zip(rows, results, strict=True)
    ]
    last = rows[-1] if rows else None
    return CandidatePage(
        items=items,
        next_cursor=f"{last['award_code']}:{last['position']}" if more and last else None,
    )
