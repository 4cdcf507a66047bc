"""Importing targets: each row assigned as the API assigns one (the same rules)."""

from __future__ import annotations

from typing import Any
from uuid import UUID, uuid4

from servicekit.errors import DomainError
from servicekit.imports import (
    Report,
    RowError,
    may_write,
)
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.imports.rows import domain_errors
from services.registry.config import RegistryConfig
from services.registry.domain import campaigns as c


async def import_rows(
    uow: UnitOfWork,
    config: RegistryConfig,
    rows: list[tuple[int, Any]],
    report: Report,
    write: bool,
    mode: str,
) -> None:
    # no tree lock: campaign rows are locked first, as the launch does (one lock order)
    tree = await store.units.load_tree(uow.con)
    ends = await store.units.unit_ends(uow.con, tree.closures)
    campaigns: dict[str, tuple[c.Campaign, set[UUID], list[c.Target]] | None] = {}
    new: dict[UUID, list[c.Target]] = {}
    for n, r in rows:
        if r.campaign_code not in campaigns:
            cid = await store.campaigns.campaign_id_by_code(uow.con, r.campaign_code)
            x = await store.campaigns.get_campaign(uow.con, cid, lock=True) if cid else None
            if x is None:
                campaigns[r.campaign_code] = None
            else:
                named, _ = await store.campaigns.participants(uow.con, x)
                campaigns[r.campaign_code] = (
                    x,
                    set(named),
                    await store.targets.targets_of(uow.con, x.campaign_id),
                )
        entry = campaigns[r.campaign_code]
        if entry is None:
            report.errors.append(RowError(n, "campaign_code", "no campaign has this code"))
            continue
        x, participants, existing = entry
        unit_id = tree.by_code(r.unit_code)
        if unit_id is None:
            report.errors.append(RowError(n, "unit_code", "no unit has this code"))
            continue
        t = c.Target(
            uuid4(),
            x.campaign_id,
            unit_id,
            r.name,
            r.metric,
            r.unit_of_measure,
            r.target_value,
            r.direction,
            r.deadline,
            r.weight,
            r.indicator_code,
            allow_negative=r.allow_negative,
        )
        same = next((e for e in existing if e.unit_id == unit_id and e.name == r.name), None)
        if same is not None and same.target_id not in {
            y.target_id for y in new.get(x.campaign_id, [])
        }:
            if same.terms == t.terms:
                report.unchanged += 1
            else:
                report.errors.append(
                    RowError(
                        n,
                        "name",
                        "the unit already has a target of this "
                        "name with other terms; revise it through the "
                        "API",
                    )
                )
            continue
        try:
            t = c.assign(x, t, participants, existing, ends)
        except DomainError as e:
            if e.code == "duplicate":
                report.errors.append(RowError(n, "name", "the same target is on another row"))
            else:
                report.errors.extend(domain_errors("targets", n, e))
            continue
        existing.append(t)
        new.setdefault(x.campaign_id, []).append(t)
        report.imported += 1
    if may_write(report, write, mode):
        for cid, targets in new.items():
            x = next(e[0] for e in campaigns.values() if e and e[0].campaign_id == cid)
            await store.targets.save_targets(
                uow.con, targets, record_revision=x.state == "launched"
            )
            if x.state == "launched":
                await uow.publish_all(events.target_assigned(t) for t in targets)
