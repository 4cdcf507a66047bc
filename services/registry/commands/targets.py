"""Assigning, revising and deleting a campaign's targets."""

from __future__ import annotations

from dataclasses import replace
from typing import Unpack
from uuid import UUID

from servicekit.errors import Conflict, NotFound
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.campaigns import load_campaign
from services.registry.domain import campaigns as c


async def assign_targets(
    uow: UnitOfWork, campaign_id: UUID, targets: list[c.Target]
) -> list[c.Target]:
    x = await load_campaign(uow, campaign_id, lock=True)
    participants, _ = await store.campaigns.participants(uow.con, x)
    existing = await store.targets.targets_of(uow.con, campaign_id)
    ends = await store.units.unit_ends(uow.con, (t.unit_id for t in targets))
    out = []
    for t in targets:
        t = c.assign(x, replace(t, campaign_id=campaign_id), set(participants), existing, ends)
        existing.append(t)
        out.append(t)
    await store.targets.save_targets(uow.con, out, record_revision=x.state == "launched")
    if x.state == "launched":
        await uow.publish_all(events.target_assigned(t) for t in out)
    return out


async def revise_target(
    uow: UnitOfWork, target_id: UUID, reason: str | None, **changes: Unpack[c.TargetTerms]
) -> tuple[c.Target, bool]:
    t = await store.targets.get_target(uow.con, target_id)
    if t is None:
        raise NotFound(Msg("no target {target_id}", target_id=target_id))
    x = await load_campaign(uow, t.campaign_id, lock=True)
    t = await store.targets.get_target(uow.con, target_id, lock=True)
    assert t is not None
    participants, _ = await store.campaigns.participants(uow.con, x)
    existing = await store.targets.targets_of(uow.con, x.campaign_id, t.unit_id)
    ends = await store.units.unit_ends(uow.con, [t.unit_id])
    new = c.revise(x, t, set(participants), existing, reason=reason, ends=ends, **changes)
    if new is None:
        return t, False
    await store.targets.save_targets(uow.con, [new], record_revision=x.state == "launched")
    if x.state == "launched":
        await uow.publish(events.target_revised(new))
    return new, True


async def delete_target(uow: UnitOfWork, target_id: UUID) -> None:
    t = await store.targets.get_target(uow.con, target_id)
    if t is None:
        raise NotFound(Msg("no target {target_id}", target_id=target_id))
    x = await load_campaign(uow, t.campaign_id, lock=True)
    if x.state != "draft":
        raise Conflict(
            Msg(
                "campaign {code} is {state}: a published target is revised, not deleted",
                code=x.code,
                state=x.state,
            ),
            code="not_draft",
        )
    await store.targets.delete_target(uow.con, target_id)
