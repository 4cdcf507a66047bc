"""Campaigns (đợt, phong trào thi đua), their targets (chỉ tiêu) and target revisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request, Response

from servicekit.audit import audit_object
from servicekit.auth import forbidden
from servicekit.errors import Invalid, NotFound
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import commands, store
from services.registry.api.common import (
    PROBLEMS,
    CampaignWriter,
    Config,
    Cursor,
    Limit,
    Page,
    ReadCon,
    Reader,
    Today,
    Uow,
    is_officer_only,
    own_unit_only,
)
from services.registry.api.models import (
    CampaignCloseIn,
    CampaignIn,
    CampaignOut,
    CampaignPatch,
    CampaignSummary,
    ProblemItem,
    ReadinessOut,
    TargetDetail,
    TargetIn,
    TargetOut,
    TargetRevisionIn,
    TargetRevisionOut,
)
from services.registry.domain import campaigns as c

router = APIRouter(tags=["campaigns"], responses=PROBLEMS)


def campaign_out(x: c.Campaign) -> CampaignOut:
    return CampaignOut(
        campaign_id=x.campaign_id,
        code=x.code,
        title=x.title,
        kind=x.kind,
        start=x.start,
        end=x.end,
        regime=x.regime,
        state=x.state,
        launched_by=x.launched_by,
        theme=x.theme,
        goals=list(x.goals),
        regime_overridden=x.regime_overridden,
        participating_unit_ids=list(x.participating_unit_ids),
        bloc_ids=list(x.bloc_ids),
        launched_on=x.launched_on,
        closed_on=x.closed_on,
        summary=x.summary,
        parent_campaign_id=x.parent_campaign_id,
        sub_themes=list(x.sub_themes),
        occasion_ids=list(x.occasion_ids),
    )


def target_out(t: c.Target) -> TargetOut:
    return TargetOut(
        target_id=t.target_id,
        campaign_id=t.campaign_id,
        unit_id=t.unit_id,
        name=t.name,
        metric=t.metric,
        unit_of_measure=t.unit_of_measure,
        target_value=t.target_value,
        direction=t.direction,
        weight=t.weight,
        deadline=t.deadline,
        indicator_code=t.indicator_code,
        revision=t.revision,
        allow_negative=t.allow_negative,
    )


async def _visible_campaign(con, p, campaign_id: UUID) -> c.Campaign:
    x = await store.campaigns.get_campaign(con, campaign_id)
    if x is None:
        raise NotFound(Msg("no campaign {campaign_id}", campaign_id=campaign_id))
    if is_officer_only(p):
        participants, _ = await store.campaigns.participants(con, x)
        if UUID(p.unit_id) not in participants:
            raise forbidden("a unit officer reads only campaigns their unit takes part in")
    return x


def may_write(p, x: c.Campaign) -> None:
    """A unit officer writes only their own unit's movement: a campaign answering a parent,
    launched by their unit; the province's roles write any."""
    if is_officer_only(p) and (x.parent_campaign_id is None or str(x.launched_by) != p.unit_id):
        raise forbidden(
            "a unit officer drafts and launches only their own unit's movements (a campaign"
            " with parent_campaign_id, launched_by their unit)",
            required_roles=["province_admin"],  # for anything else
        )


async def _writable_campaign(uow, p, campaign_id: UUID) -> c.Campaign:
    x = await commands.campaigns.load_campaign(uow, campaign_id)
    may_write(p, x)
    return x


async def _target_writable(uow, p, target_id: UUID) -> None:
    if is_officer_only(p):
        t = await store.targets.get_target(uow.con, target_id)
        if t is None:
            raise NotFound(Msg("no target {target_id}", target_id=target_id))
        await _writable_campaign(uow, p, t.campaign_id)


@router.post("/campaigns", status_code=201, response_model=CampaignOut, summary="Draft a campaign")
async def create_campaign(
    body: CampaignIn, uow: Uow, cfg: Config, p: CampaignWriter, request: Request, response: Response
) -> CampaignOut:
    x = c.create(
        uuid4(),
        code=body.code,
        title=body.title,
        theme=body.theme,
        kind=body.kind,
        start=body.start,
        end=body.end,
        launched_by=body.launched_by,
        goals=body.goals,
        participating_unit_ids=body.participating_unit_ids,
        bloc_ids=body.bloc_ids,
        regime=body.regime,
        regime_2022_from=cfg.regime_2022_from,
        parent_campaign_id=body.parent_campaign_id,
        sub_themes=body.sub_themes,
        occasion_ids=body.occasion_ids,
    )
    may_write(p, x)
    x = await commands.campaigns.create_campaign(uow, x)
    audit_object(request, f"campaign:{x.campaign_id}")
    response.headers["Location"] = f"/campaigns/{x.campaign_id}"
    return campaign_out(x)


@router.get("/campaigns", response_model=Page[CampaignSummary], summary="Campaigns")
async def list_campaigns(
    con: ReadCon,
    p: Reader,
    state: Annotated[str | None, Query(pattern="^(draft|launched|closed)$")] = None,
    kind: Annotated[str | None, Query(pattern="^(regular|special|thematic)$")] = None,
    year: Annotated[int | None, Query(ge=1945, le=2100, description="Running in this year")] = None,
    as_of: Annotated[date | None, Query(description="Running on this day")] = None,
    unit_id: Annotated[UUID | None, Query(description="In which this unit takes part")] = None,
    bloc_id: UUID | None = None,
    q: Annotated[str | None, Query(max_length=200)] = None,
    sort: Annotated[str, Query(pattern=r"^-?(title|code|start)$")] = "-start",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[CampaignSummary]:
    if is_officer_only(p):
        unit_id = unit_id or UUID(p.unit_id)
        own_unit_only(p, unit_id, "another unit's campaigns")
    result = await store.campaigns.list_campaigns(
        con,
        state=state,
        kind=kind,
        year=year,
        as_of=as_of,
        unit_id=unit_id,
        bloc_id=bloc_id,
        search=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
    )
    items = [
        CampaignSummary(
            campaign_id=r["campaign_id"],
            code=r["code"],
            title=r["title"],
            kind=r["kind"],
            start=r["start_date"],
            end=r["end_date"],
            regime=r["regime"],
            state=r["state"],
            launched_by=r["launched_by"],
        )
        for r in result.items
    ]
    return Page[CampaignSummary](items=items, next_cursor=result.next_cursor)


@router.get("/campaigns/{campaign_id}", response_model=CampaignOut)
async def get_campaign(campaign_id: UUID, con: ReadCon, p: Reader) -> CampaignOut:
    return campaign_out(await _visible_campaign(con, p, campaign_id))


@router.patch("/campaigns/{campaign_id}", response_model=CampaignOut, summary="Edit a draft")
async def edit_campaign(
    campaign_id: UUID, body: CampaignPatch, uow: Uow, cfg: Config, p: CampaignWriter
) -> CampaignOut:
    changes = {k: getattr(body, k) for k in body.model_fields_set}
    for name in (
        "code",
        "title",
        "theme",
        "kind",
        "start",
        "end",
        "launched_by",
        "goals",
        "participating_unit_ids",
        "bloc_ids",
        "sub_themes",
        "occasion_ids",
    ):
        if name in changes and changes[name] is None:
            raise Invalid.at(f"#/{name}", "cannot be null", "missing")
    await _writable_campaign(uow, p, campaign_id)
    x = await commands.campaigns.edit_campaign(uow, cfg, campaign_id, **changes)
    may_write(p, x)  # still theirs after the change (rolled back otherwise)
    return campaign_out(x)


@router.get(
    "/campaigns/{campaign_id}/readiness",
    response_model=ReadinessOut,
    summary="What keeps a draft from launching",
)
async def readiness(campaign_id: UUID, con: ReadCon, p: CampaignWriter) -> ReadinessOut:
    # a transaction: the shared tree lock readiness takes is transaction-scoped
    async with UnitOfWork(connection=con) as uow:
        x = await _writable_campaign(uow, p, campaign_id)
        problems, participants = await commands.campaigns.readiness(uow, x)
    return ReadinessOut(
        complete=not problems,
        problems=[ProblemItem(pointer=v.field, detail=v.detail, type=v.code) for v in problems],
        participant_unit_ids=list(participants),
    )


@router.post(
    "/campaigns/{campaign_id}/launch",
    response_model=CampaignOut,
    summary="Launch a complete draft: publishes the campaign with its targets",
)
async def launch(campaign_id: UUID, uow: Uow, p: CampaignWriter, today: Today) -> CampaignOut:
    await _writable_campaign(uow, p, campaign_id)
    return campaign_out(await commands.campaigns.launch_campaign(uow, campaign_id, today))


@router.post("/campaigns/{campaign_id}/close", response_model=CampaignOut)
async def close(
    campaign_id: UUID, body: CampaignCloseIn, uow: Uow, p: CampaignWriter
) -> CampaignOut:
    await _writable_campaign(uow, p, campaign_id)
    return campaign_out(
        await commands.campaigns.close_campaign(uow, campaign_id, body.closed_on, body.summary)
    )


@router.post(
    "/campaigns/{campaign_id}/targets",
    status_code=201,
    response_model=TargetOut,
    summary="Assign a target to a participating unit",
)
async def assign_target(
    campaign_id: UUID,
    body: TargetIn,
    uow: Uow,
    p: CampaignWriter,
    request: Request,
    response: Response,
) -> TargetOut:
    await _writable_campaign(uow, p, campaign_id)
    t = c.Target(
        uuid4(),
        campaign_id,
        body.unit_id,
        body.name,
        body.metric,
        body.unit_of_measure,
        body.target_value,
        body.direction,
        body.deadline,
        body.weight,
        body.indicator_code,
        allow_negative=body.allow_negative,
    )
    [t] = await commands.targets.assign_targets(uow, campaign_id, [t])
    audit_object(request, f"target:{t.target_id}")
    response.headers["Location"] = f"/targets/{t.target_id}"
    return target_out(t)


@router.get(
    "/campaigns/{campaign_id}/targets",
    response_model=list[TargetOut],
    summary="A campaign's targets (a unit officer: their unit's)",
)
async def campaign_targets(
    campaign_id: UUID, con: ReadCon, p: Reader, unit_id: UUID | None = None
) -> list[TargetOut]:
    await _visible_campaign(con, p, campaign_id)
    if is_officer_only(p):
        unit_id = unit_id or UUID(p.unit_id)
        own_unit_only(p, unit_id, "another unit's targets")
    return [target_out(t) for t in await store.targets.targets_of(con, campaign_id, unit_id)]


@router.get(
    "/units/{unit_id}/targets",
    response_model=list[TargetOut],
    tags=["units"],
    summary="A unit's targets in every campaign",
)
async def unit_targets(
    unit_id: UUID, con: ReadCon, p: Reader, campaign_id: UUID | None = None
) -> list[TargetOut]:
    own_unit_only(p, unit_id, "another unit's targets")
    if not await store.units.unit_exists(con, unit_id):
        raise NotFound(Msg("no unit {unit_id}", unit_id=unit_id))
    return [target_out(t) for t in await store.targets.targets_of(con, campaign_id, unit_id)]


@router.get(
    "/targets/{target_id}",
    response_model=TargetDetail,
    summary="A target and its published revisions",
)
async def get_target(target_id: UUID, con: ReadCon, p: Reader) -> TargetDetail:
    t = await store.targets.get_target(con, target_id)
    if t is None:
        raise NotFound(Msg("no target {target_id}", target_id=target_id))
    own_unit_only(p, t.unit_id, "another unit's targets")
    revisions = await store.targets.target_revisions(con, target_id)
    return TargetDetail(
        **target_out(t).model_dump(),
        revisions=[
            TargetRevisionOut(**{k: r[k] for k in TargetRevisionOut.model_fields})
            for r in revisions
        ],
    )


@router.post(
    "/targets/{target_id}/revisions",
    response_model=TargetOut,
    summary="Revise a target (a new revision once the campaign is launched)",
)
async def revise_target(
    target_id: UUID, body: TargetRevisionIn, uow: Uow, p: CampaignWriter
) -> TargetOut:
    await _target_writable(uow, p, target_id)
    changes = body.model_dump(exclude={"reason"}, exclude_none=True)
    t, _changed = await commands.targets.revise_target(uow, target_id, body.reason, **changes)
    return target_out(t)


@router.delete("/targets/{target_id}", status_code=204, summary="Delete a draft's target")
async def delete_target(target_id: UUID, uow: Uow, p: CampaignWriter) -> Response:
    await _target_writable(uow, p, target_id)
    await commands.targets.delete_target(uow, target_id)
    return Response(status_code=204)
