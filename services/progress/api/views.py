"""Completion: a unit's, and a campaign's dashboard."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.progress import store, views
from services.progress.api.common import (
    PROBLEMS,
    ReadCon,
    Reader,
    Today,
    is_officer_only,
    not_found,
    officer_unit,
    own_unit_only,
)
from services.progress.api.models import (
    CampaignProgress,
    DashboardOut,
    OverdueOut,
    UnitCompletionOut,
    UnitFigures,
    figures,
    target_progress,
    unit_ref,
)

router = APIRouter(tags=["completion"], responses=PROBLEMS)


@router.get(
    "/units/{unit_id}/completion",
    response_model=UnitCompletionOut,
    summary="A unit's completion per campaign: weighted over its targets, and each target's",
)
async def unit_completion(
    unit_id: UUID,
    con: ReadCon,
    p: Reader,
    campaign_id: Annotated[UUID | None, Query(description="Only this campaign")] = None,
) -> UnitCompletionOut:
    own_unit_only(p, unit_id, "completion")
    rows = await views.unit_progress(con, unit_id, campaign_id)
    names = await store.unit_names(con, [unit_id])
    return UnitCompletionOut(
        unit_id=unit_id,
        campaigns=[
            CampaignProgress(
                **figures(row, names),
                campaign_id=c["campaign_id"],
                campaign_state=c["state"],
                items=[target_progress(x) for x in items],
            )
            for c, row, items in rows
        ],
    )


@router.get(
    "/campaigns/{campaign_id}/dashboard",
    response_model=DashboardOut,
    summary="A campaign's dashboard: completion by unit, early finishers, overdue targets",
    description="Every unit listed comes with its code and name. A unit officer sees their own "
    "unit's row and overdue targets only.",
)
async def dashboard(campaign_id: UUID, con: ReadCon, p: Reader, today: Today) -> DashboardOut:
    found = await views.campaign_dashboard(con, campaign_id, today)
    if found is None:
        raise not_found(f"no campaign {campaign_id}")
    row, d = found
    mine = officer_unit(p) if is_officer_only(p) else None

    def shown(unit_id: UUID) -> bool:
        return mine is None or unit_id == mine

    listed = {r.unit_id for r in d.units} | {o.target.unit_id for o in d.overdue}
    names = await store.unit_names(con, [u for u in listed if shown(u)])
    return DashboardOut(
        campaign_id=campaign_id,
        campaign_state=row["state"],
        today=today,
        units=[UnitFigures(**figures(r, names)) for r in d.units if shown(r.unit_id)],
        early_finishers=[unit_ref(u, names) for u in d.early_finishers if shown(u)],
        overdue=[
            OverdueOut(
                target_id=o.target.id,
                unit_id=o.target.unit_id,
                unit_code=unit_ref(o.target.unit_id, names).code,
                unit_name=unit_ref(o.target.unit_id, names).name,
                name=o.target.name,
                deadline=o.target.deadline,
                days_overdue=o.days_overdue,
            )
            for o in d.overdue
            if shown(o.target.unit_id)
        ],
    )
