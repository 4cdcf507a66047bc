"""Drafting, editing, launching and closing campaigns (and units' own movements)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Unpack
from uuid import UUID

from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.units import known_unit, tree_for_reading
from services.registry.config import RegistryConfig
from services.registry.domain import campaigns as c
from services.registry.domain import occasions as o


async def _check_refs(uow: UnitOfWork, x: c.Campaign) -> None:
    tree = await tree_for_reading(uow)
    known_unit(tree, x.launched_by, "#/launched_by")
    for i, u in enumerate(x.participating_unit_ids):
        known_unit(tree, u, f"#/participating_unit_ids/{i}")
        if not tree.overlaps(u, x.start, _day_after(x.end)):
            raise Invalid.at(
                f"#/participating_unit_ids/{i}",
                Msg("unit {value} does not exist during the campaign", value=tree.code(u)),
                "not_valid",
            )
    for i, bl in enumerate(x.bloc_ids):
        if await store.blocs.get_bloc(uow.con, bl) is None:
            raise Invalid.at(f"#/bloc_ids/{i}", Msg("no bloc {bl}", bl=bl), "unknown_bloc")
    o.check_dedications(
        x.occasion_ids, await store.occasions.known_occasions(uow.con, x.occasion_ids)
    )


async def _child_problems(
    uow: UnitOfWork, x: c.Campaign
) -> tuple[list[Violation], list[Violation]]:
    """For a unit's own movement: what keeps it from answering its parent (domain.campaigns)."""
    if x.parent_campaign_id is None:
        return [], []
    parent = await store.campaigns.get_campaign(uow.con, x.parent_campaign_id)
    if parent is None:
        raise Invalid.at(
            "#/parent_campaign_id",
            Msg("no campaign {parent_campaign_id}", parent_campaign_id=x.parent_campaign_id),
            "unknown_campaign",
        )
    tree = await tree_for_reading(uow)
    parent_participants, _ = await store.campaigns.participants(uow.con, parent)
    return c.child_problems(
        x,
        parent,
        parent_participants=set(parent_participants),
        ancestors={u: tree.ancestors(u, x.start) for u in x.participating_unit_ids},
    )


async def _check_parent(uow: UnitOfWork, x: c.Campaign) -> None:
    conflicts, invalid = await _child_problems(uow, x)
    c.raise_child_problems(conflicts, invalid)


def _day_after(d: date) -> date:
    return d + timedelta(days=1)


async def create_campaign(uow: UnitOfWork, x: c.Campaign) -> c.Campaign:
    if await store.campaigns.campaign_id_by_code(uow.con, x.code) is not None:
        raise Conflict(
            Msg("the campaign code {code} is already used", code=x.code), code="duplicate_code"
        )
    await _check_refs(uow, x)
    await _check_parent(uow, x)
    await store.campaigns.save_campaign(uow.con, x)
    return x


async def load_campaign(uow: UnitOfWork, campaign_id: UUID, *, lock: bool = False) -> c.Campaign:
    x = await store.campaigns.get_campaign(uow.con, campaign_id, lock=lock)
    if x is None:
        raise NotFound(Msg("no campaign {campaign_id}", campaign_id=campaign_id))
    return x


async def edit_campaign(
    uow: UnitOfWork,
    config: RegistryConfig,
    campaign_id: UUID,
    **changes: Unpack[c.CampaignChanges],
) -> c.Campaign:
    x = await load_campaign(uow, campaign_id, lock=True)
    new = c.edit(x, config.regime_2022_from, **changes)
    if new.code != x.code and await store.campaigns.campaign_code_taken(
        uow.con, new.code, campaign_id
    ):
        raise Conflict(
            Msg("the campaign code {code} is already used", code=new.code), code="duplicate_code"
        )
    await _check_refs(uow, new)
    await _check_parent(uow, new)
    await store.campaigns.save_campaign(uow.con, new)
    return new


async def readiness(uow: UnitOfWork, x: c.Campaign) -> tuple[list[Violation], dict[UUID, str]]:
    """What keeps a campaign from launching, and its participants."""
    tree = await tree_for_reading(uow)
    participants, missing = await store.campaigns.participants(uow.con, x)
    targets = await store.targets.targets_of(uow.con, x.campaign_id)
    problems = c.completeness(
        x,
        participants=participants,
        targets=targets,
        unit_overlaps=lambda u, s, e: tree.overlaps(u, s, _day_after(e)),
        unit_exists_on=tree.valid_on,
        blocs_missing=missing,
    )
    # the parent may have closed, or the tree changed, since the draft was written
    conflicts, invalid = await _child_problems(uow, x)
    problems += conflicts + invalid
    for t in targets:
        if t.unit_id not in participants:
            problems.append(
                Violation(
                    "#/targets",
                    Msg(
                        "target {name!r} belongs to unit {value}, which no longer takes part",
                        name=t.name,
                        value=tree.code(t.unit_id),
                    ),
                    "not_participant",
                )
            )
    ends = await store.units.unit_ends(uow.con, (t.unit_id for t in targets))
    for t in (t for t in targets if t.unit_id in ends):
        try:
            c.check_unit_open(t, *ends[t.unit_id])
        except Conflict as e:
            problems.append(Violation("#/targets", e.detail, e.code))
    return problems, participants


async def launch_campaign(uow: UnitOfWork, campaign_id: UUID, today: date) -> c.Campaign:
    x = await load_campaign(uow, campaign_id, lock=True)
    if x.state != "draft":
        raise Conflict(
            Msg("campaign {code} is already {state}", code=x.code, state=x.state), code="not_draft"
        )
    problems, participants = await readiness(uow, x)
    x = c.launch(x, problems, today)
    targets = await store.targets.targets_of(uow.con, campaign_id)
    await store.campaigns.save_campaign(uow.con, x)
    await store.targets.save_targets(uow.con, targets, record_revision=True)
    await uow.publish(events.campaign_launched(x, list(participants), targets))
    return x


async def close_campaign(
    uow: UnitOfWork, campaign_id: UUID, closed_on: date, summary: str | None
) -> c.Campaign:
    x = c.close(await load_campaign(uow, campaign_id, lock=True), closed_on, summary)
    await store.campaigns.save_campaign(uow.con, x)
    await uow.publish(events.campaign_closed(x))
    return x
