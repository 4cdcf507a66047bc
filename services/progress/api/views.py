"""Completion: a unit's, and a campaign's dashboard."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from servicekit.errors import Invalid, NotFound
from servicekit.messages import Msg
from services.progress import store
from services.progress.api.common import (
    PROBLEMS,
    ReadCon,
    Reader,
    Today,
    is_officer_only,
    officer_unit,
    own_unit_only,
)
from services.progress.api.models import (
    CampaignProgress,
    ChildCampaignOut,
    DashboardOut,
    OverdueOut,
    UnitCompletionOut,
    UnitFigures,
    dedicated_out,
    figures,
    rollup_out,
    target_progress,
    totals_out,
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
    rows = await store.dashboards.unit_progress(con, unit_id, campaign_id)
    names = await store.units.unit_names(con, [unit_id])
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
    description="Every unit listed comes with its code and name. `children` are the units' own "
    "movements answering the campaign, each with its launching unit and figures; `totals` adds "
    "their targets to the campaign's own. A unit officer sees their own unit's row, overdue "
    "targets and movements only.",
)
async def dashboard(
    campaign_id: UUID,
    con: ReadCon,
    p: Reader,
    today: Today,
    occasion_id: Annotated[
        UUID | None,
        Query(
            description="Only the movements dedicated to this occasion count in `children` and"
            " `totals` (the campaign's own targets only if it is dedicated to it too);"
            " `dedicated` counts, per unit, the reports naming it and the targets they achieved"
        ),
    ] = None,
) -> DashboardOut:
    found = await store.dashboards.campaign_dashboard(con, campaign_id, today)
    if found is None:
        raise NotFound(Msg("no campaign {campaign_id}", campaign_id=campaign_id))
    if occasion_id is not None and not await store.occasions.occasion_exists(con, occasion_id):
        raise Invalid.param(
            "occasion_id",
            Msg("no occasion {occasion_id}", occasion_id=occasion_id),
            "unknown_occasion",
        )
    row, d = found
    mine = officer_unit(p) if is_officer_only(p) else None

    def shown(unit_id: UUID) -> bool:
        return mine is None or unit_id == mine

    up = await store.dashboards.rollup(con, row, d, occasion_id)
    children = [(c, t) for c, t in up.children if shown(c["launched_by"])]
    listed = {r.unit_id for r in d.units} | {o.target.unit_id for o in d.overdue}
    listed |= {c["launched_by"] for c, _ in children if c["launched_by"] is not None}
    by_unit = []
    if occasion_id is not None:
        counted = [c["campaign_id"] for c, _ in up.children]
        counted += [campaign_id] if up.own_counted else []
        found_by_unit = await store.dashboards.dedicated_by_unit(con, counted, occasion_id)
        by_unit = [x for x in found_by_unit if shown(x.unit_id)]
        listed |= {x.unit_id for x in by_unit}
    names = await store.units.unit_names(con, [u for u in listed if shown(u)])
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
        children=[
            ChildCampaignOut(
                campaign_id=c["campaign_id"],
                code=c["code"],
                title=c["title"],
                campaign_state=c["state"],
                parent_campaign_id=c["parent_campaign_id"],
                launched_by=unit_ref(c["launched_by"], names) if c["launched_by"] else None,
                summary=totals_out(t),
            )
            for c, t in children
        ],
        totals=None if mine else rollup_out(up),
        dedicated=None if occasion_id is None else dedicated_out(occasion_id, by_unit, names),
    )
