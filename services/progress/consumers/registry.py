"""The registry's topics: the read model of units, people's units, blocs (members, heads) and
campaigns with their targets and occasions. Within a batch, later events of an aggregate win
(registry events carry the whole new state). Every change that can move a bloc's ranking marks
the bloc and year for recomputing (`standings_dirty`), done once per interval by the standings
worker."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any
from uuid import UUID

from schemas import registry as r
from schemas.envelope import Envelope
from servicekit.unit_of_work import UnitOfWork
from services.progress import commands, events, store
from services.progress.domain import Target, as_decimal, rebuild, revise_target

# ---- registry.units.v1 -------------------------------------------------------------------------


async def on_units(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    await apply_units(uow, envelopes)
    # reports accepted before a closure recorded later, dated after it, stand no more
    closures = [
        (e.unit_id, e.closed_on)
        for envelope in envelopes
        if isinstance(e := envelope.data, r.UnitClosed)
    ]
    await commands.closures.set_aside_after_closures(uow, closures)


async def apply_units(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    versions: dict[UUID, dict[str, Any]] = {}
    closures: list[tuple[UUID, date]] = []
    successors: list[tuple[UUID, str | None, list[UUID]]] = []
    merges: list[tuple[UUID, UUID]] = []
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, r.UnitRegistered | r.UnitChanged):
            versions[e.unit_id] = e.model_dump(
                include={
                    "unit_id",
                    "code",
                    "name",
                    "kind",
                    "level",
                    "parent_id",
                    "valid_from",
                    "valid_to",
                }
            )
        elif isinstance(e, r.UnitClosed):
            closures.append((e.unit_id, e.closed_on))
            successors.append((e.unit_id, e.closure_kind, list(e.successor_unit_ids)))
        elif isinstance(e, r.UnitMerged):
            merges.extend((m, e.unit_id) for m in e.merged_unit_ids)
    await store.units.upsert_units(uow.con, list(versions.values()))
    await store.units.close_units(uow.con, closures)
    await store.units.merge_units(uow.con, merges)
    await store.units.record_closures(uow.con, successors)
    # names and codes order tied units: a renamed member's blocs rank again
    await store.standings.mark_units_dirty_all_years(uow.con, versions)


# ---- registry.people.v1 ------------------------------------------------------------------------


async def on_people(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    latest: dict[UUID, tuple[UUID, UUID, date]] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, r.PersonRegistered | r.PersonChanged):
            before = latest.get(e.person_id)
            if before is None or before[2] <= e.valid_from:
                latest[e.person_id] = (e.person_id, e.unit_id, e.valid_from)
    await store.units.upsert_people(uow.con, list(latest.values()))


# ---- registry.blocs.v1 -------------------------------------------------------------------------


async def on_blocs(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """Blocs, their members and heads. `bloc_members` lists every unit that was a member during
    the year (BlocFormed sets it, joining adds to it); the dated memberships and head terms
    (`bloc_memberships`, `bloc_heads`) follow the events in order."""
    con = uow.con
    formed: dict[tuple[UUID, int], dict[str, Any]] = {}
    members: dict[tuple[UUID, int], list[UUID]] = {}
    joined: list[tuple[UUID, int, UUID]] = []
    heads: dict[tuple[UUID, int], tuple[UUID, int, UUID, UUID | None]] = {}
    terms: list[tuple[UUID, int, date, UUID, UUID | None]] = []
    formed_at: list[tuple[UUID, int, datetime]] = []
    for envelope in envelopes:
        e = envelope.data
        if not isinstance(e, r.BlocFormed | r.BlocMembershipChanged | r.BlocHeadElected):
            continue
        key = (e.bloc_id, e.year)
        if isinstance(e, r.BlocFormed):
            formed[key] = {
                "bloc_id": e.bloc_id,
                "year": e.year,
                "code": e.code,
                "name": e.name,
                "kind": e.kind,
                "scheme_ref": e.scoring_scheme_ref,
            }
            members[key] = list(e.member_unit_ids)
            joined = [j for j in joined if (j[0], j[1]) != key]
            formed_at.append((e.bloc_id, e.year, envelope.time))
            start = e.formed_on or date(e.year, 1, 1)
            await store.blocs.form_memberships(con, e.bloc_id, e.year, e.member_unit_ids, start)
        elif isinstance(e, r.BlocMembershipChanged):
            joined += [(e.bloc_id, e.year, u) for u in e.member_unit_ids]
            await store.blocs.change_memberships(
                con, e.bloc_id, e.year, e.added_unit_ids, e.removed_unit_ids, e.effective_on
            )
        elif isinstance(e, r.BlocHeadElected):
            heads[key] = (e.bloc_id, e.year, e.head_unit_id, e.deputy_unit_id)
            start = e.effective_on or date(e.year, 1, 1)
            terms.append((e.bloc_id, e.year, start, e.head_unit_id, e.deputy_unit_id))
    await store.blocs.upsert_blocs(con, list(formed.values()))
    await store.blocs.set_formed_at(con, formed_at)
    await store.blocs.replace_members(con, members)
    await store.blocs.add_members(con, joined)
    await store.blocs.set_heads(con, list(heads.values()))
    await store.blocs.record_heads(con, terms)
    await store.standings.mark_blocs_dirty(con, [*members, *{(b, y) for b, y, _ in joined}])


# ---- registry.campaigns.v1 ---------------------------------------------------------------------


def _target(e: r.TargetSpec | r.TargetAssigned | r.TargetRevised, campaign_id: UUID) -> Target:
    return Target(
        id=e.target_id,
        campaign_id=campaign_id,
        unit_id=e.unit_id,
        name=e.name,
        metric=e.metric,
        unit_of_measure=e.unit_of_measure,
        target_value=as_decimal(e.target_value),
        direction=e.direction,
        weight=as_decimal(e.weight),
        deadline=e.deadline,
        revision=getattr(e, "revision", 1),
        allow_negative=e.allow_negative,
    )


@dataclass
class CampaignChanges:
    """A batch of registry.campaigns.v1, later events of a campaign or target winning."""

    launched: dict[UUID, dict[str, Any]] = field(default_factory=dict)
    closed: list[tuple[UUID, date]] = field(default_factory=list)
    targets: dict[UUID, tuple[Target, str | None]] = field(default_factory=dict)
    """Target → (its latest revision, its indicator code)."""

    def keep(self, t: Target, code: str | None) -> None:
        if t.id not in self.targets or self.targets[t.id][0].revision <= t.revision:
            self.targets[t.id] = (t, code)


def campaign_changes(envelopes: list[Envelope]) -> CampaignChanges:
    changes = CampaignChanges()
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, r.CampaignLaunched):
            changes.launched[e.campaign_id] = {
                "campaign_id": e.campaign_id,
                "code": e.code,
                "title": e.title,
                "kind": e.kind,
                "regime": e.regime,
                "start_date": e.start,
                "end_date": e.end,
                "units": e.participating_unit_ids,
                "blocs": e.bloc_ids,
                "parent_campaign_id": e.parent_campaign_id,
                "launched_by": e.launched_by,
                "occasion_ids": e.occasion_ids,
            }
            for spec in e.targets:
                changes.keep(_target(spec, e.campaign_id), spec.indicator_code)
        elif isinstance(e, r.CampaignClosed):
            changes.closed.append((e.campaign_id, e.closed_on))
        elif isinstance(e, r.TargetAssigned | r.TargetRevised):
            changes.keep(_target(e, e.campaign_id), e.indicator_code)
    return changes


async def on_campaigns(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """Campaigns and their targets. A revised target is judged again (`revise_target`): a
    revision may achieve it (TargetAchieved is published then)."""
    con = uow.con
    changes = campaign_changes(envelopes)
    await store.campaigns.upsert_campaigns(con, list(changes.launched.values()))
    before = await store.targets.lock_targets(con, changes.targets)
    written = await store.targets.upsert_targets(con, list(changes.targets.values()))
    dirty: set[tuple[UUID, int]] = set()
    new = [t for t, previous in written if previous is None]
    # On a rebuild, reports may have been read before their target: replay them now. The
    # achievement stays the one the log records (see consumers.reports.ingest).
    # (save_states keeps the current and first reports only, never an achievement)
    stored = await store.reports.histories(con, [t.id for t in new]) if new else {}
    await store.targets.save_states(con, [rebuild(t, stored[t.id]) for t in new if t.id in stored])
    achieved = []
    for target, previous in written:
        dirty.add((target.unit_id, target.deadline.year))
        old = before.get(target.id)
        if previous is None or old is None:
            continue
        dirty.add((old.target.unit_id, old.target.deadline.year))
        step = revise_target(old.state, target)
        if step.achieved:
            achieved.append(step.achieved)
    await store.achievements.save_achievements(con, achieved)
    for a in achieved:
        event, eid = events.target_achieved(a)
        await uow.publish(event, event_id=eid)
    await store.campaigns.close_campaigns(con, changes.closed)
    await store.standings.mark_units_dirty(con, dirty)


# ---- registry.occasions.v1 --------------------------------------------------------------------


async def on_occasions(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    latest = {e.occasion_id: e for env in envelopes if isinstance(e := env.data, r.OccasionDefined)}
    await store.occasions.upsert_occasions(uow.con, list(latest.values()))
