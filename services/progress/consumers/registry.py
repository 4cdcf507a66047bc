"""Batch handlers of the consumed topics: the registry's (the read model of units, people's units,
blocs and campaigns with their targets) and progress's own ratings, initiatives, standings with
the bloc head's entries, and named schemes (read back by a rebuild). Each takes one batch of one
topic in partition order and writes it with a few set-based statements; within a batch, later
events of an aggregate win (registry events carry the whole new state).

Every change that can move a bloc's ranking marks the bloc and year for recomputation
(`standings_dirty`); the standings worker does the recomputing once per interval, not once per
event.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any
from uuid import UUID

from schemas import progress as p
from schemas import registry as r
from schemas.envelope import Envelope
from servicekit.unit_of_work import UnitOfWork
from services.progress import events, reporting, store
from services.progress.domain import (
    Adjustment,
    Initiative,
    RatingEntry,
    Target,
    apply_rating,
    as_decimal,
    rebuild,
    revise_target,
)

BatchHandler = Callable[[UnitOfWork, list[Envelope]], Awaitable[None]]


# ---- registry.units.v1 -------------------------------------------------------------------------


def units_handler(bus: events.Bus) -> BatchHandler:
    async def on_units(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
        await apply_units(uow, envelopes)
        # reports accepted before a closure recorded later, dated after it, stand no more
        closures = [
            (e.unit_id, e.closed_on)
            for envelope in envelopes
            if isinstance(e := envelope.data, r.UnitClosed)
        ]
        await reporting.set_aside_after_closures(uow, bus, closures)

    return on_units


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
    await store.upsert_units(uow.con, list(versions.values()))
    await store.close_units(uow.con, closures)
    await store.merge_units(uow.con, merges)
    await store.record_closures(uow.con, successors)
    # names and codes order tied units: a renamed member's blocs rank again
    await store.mark_units_dirty_all_years(uow.con, versions)


# ---- registry.people.v1 ------------------------------------------------------------------------


async def on_people(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    latest: dict[UUID, tuple[UUID, UUID, date]] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, r.PersonRegistered | r.PersonChanged):
            before = latest.get(e.person_id)
            if before is None or before[2] <= e.valid_from:
                latest[e.person_id] = (e.person_id, e.unit_id, e.valid_from)
    await store.upsert_people(uow.con, list(latest.values()))


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
            await store.form_memberships(con, e.bloc_id, e.year, e.member_unit_ids, start)
        elif isinstance(e, r.BlocMembershipChanged):
            joined += [(e.bloc_id, e.year, u) for u in e.member_unit_ids]
            await store.change_memberships(
                con, e.bloc_id, e.year, e.added_unit_ids, e.removed_unit_ids, e.effective_on
            )
        elif isinstance(e, r.BlocHeadElected):
            heads[key] = (e.bloc_id, e.year, e.head_unit_id, e.deputy_unit_id)
            start = e.effective_on or date(e.year, 1, 1)
            terms.append((e.bloc_id, e.year, start, e.head_unit_id, e.deputy_unit_id))
    await store.upsert_blocs(con, list(formed.values()))
    await store.set_formed_at(con, formed_at)
    await store.replace_members(con, members)
    await store.add_members(con, joined)
    await store.set_heads(con, list(heads.values()))
    await store.record_heads(con, terms)
    await store.mark_blocs_dirty(con, [*members, *{(b, y) for b, y, _ in joined}])


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


def campaigns_handler(bus: events.Bus) -> BatchHandler:
    async def on_campaigns(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
        con = uow.con
        launched: dict[UUID, dict[str, Any]] = {}
        closed: list[tuple[UUID, date]] = []
        targets: dict[UUID, tuple[Target, str | None]] = {}

        def keep(t: Target, code: str | None) -> None:
            if t.id not in targets or targets[t.id][0].revision <= t.revision:
                targets[t.id] = (t, code)

        for envelope in envelopes:
            e = envelope.data
            if isinstance(e, r.CampaignLaunched):
                launched[e.campaign_id] = {
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
                    keep(_target(spec, e.campaign_id), spec.indicator_code)
            elif isinstance(e, r.CampaignClosed):
                closed.append((e.campaign_id, e.closed_on))
            elif isinstance(e, r.TargetAssigned | r.TargetRevised):
                keep(_target(e, e.campaign_id), e.indicator_code)
        await store.upsert_campaigns(con, list(launched.values()))
        before = await store.lock_targets(con, targets)
        written = await store.upsert_targets(con, list(targets.values()))
        dirty: set[tuple[UUID, int]] = set()
        new = [t for t, previous in written if previous is None]
        # On a rebuild, reports may have been read before their target: replay them now. The
        # achievement stays the one the log records (see reporting.ingest).
        # (save_states keeps the current and first reports only, never an achievement)
        stored = await store.histories(con, [t.id for t in new]) if new else {}
        await store.save_states(con, [rebuild(t, stored[t.id]) for t in new if t.id in stored])
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
        await store.save_achievements(con, achieved)
        for a in achieved:
            event, eid = events.target_achieved(a)
            await bus.publish(uow, event, event_id=eid)
        await store.close_campaigns(con, closed)
        await store.mark_units_dirty(con, dirty)

    return on_campaigns


# ---- registry.occasions.v1 --------------------------------------------------------------------


async def on_occasions(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    latest = {e.occasion_id: e for env in envelopes if isinstance(e := env.data, r.OccasionDefined)}
    await store.upsert_occasions(uow.con, list(latest.values()))


# ---- progress's own topics, read back --------------------------------------------------------


async def on_standings(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """BlocLeaderDetermined is recorded as the log says (a rebuild may have determined the leader
    itself before reading it: the log wins), BlocLeaderReopened removes it again (the latest of
    the two in the partition stands). Rankings are recomputed, not read back.

    The bloc head's entries are applied as the log has them, whether or not the year's leader
    is recorded (the entries came first): a scheme or a vote record replaces an older one only
    (so the live service reading back its own changes nothing), an adjustment is added once by
    its id. Blocs whose inputs changed are marked for recomputation."""
    con = uow.con
    leaders = {}
    reopened = []
    schemes: dict[tuple[UUID, int], tuple] = {}
    adjustments = []
    votes: dict[tuple[UUID, int], p.BlocVotesRecorded] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, p.BlocLeaderDetermined):
            # a later determination of the year follows a reopening: it replaces the first
            leaders[(e.bloc_id, e.year)] = (
                e.bloc_id, e.year, e.leader_unit_id, as_decimal(e.score), e.by_vote
            )  # fmt: skip
        elif isinstance(e, p.BlocLeaderReopened):
            leaders.pop((e.bloc_id, e.year), None)
            reopened.append((e.bloc_id, e.year, e.reopened_at, e.previous_leader_unit_id, e.reason))
        elif isinstance(e, p.BlocSchemeSet):
            schemes[(e.bloc_id, e.year)] = (
                e.bloc_id, e.year, events.scheme_of(e.scheme), e.set_at
            )  # fmt: skip
        elif isinstance(e, p.BlocScoreAdjusted):
            adjustment = Adjustment(e.unit_id, e.kind, as_decimal(e.points), e.reason)
            adjustments.append((e.adjustment_id, e.bloc_id, e.year, adjustment, e.entered_at))
        elif isinstance(e, p.BlocVotesRecorded):
            votes[(e.bloc_id, e.year)] = e  # within a partition, the later record
    await store.reopen_leaders(con, reopened)  # before the determinations that followed them
    await store.save_leaders(con, list(leaders.values()), overwrite=True)
    dirty = await store.set_bloc_schemes(con, list(schemes.values()))
    dirty += await store.add_adjustments(con, adjustments)
    for (bloc_id, year), e in votes.items():
        counts = {v.unit_id: v.votes for v in e.votes}
        if await store.replace_votes(con, bloc_id, year, counts, e.recorded_at):
            dirty.append((bloc_id, year))
    await store.mark_blocs_dirty(con, dirty)


# ---- progress.schemes.v1 -----------------------------------------------------------------------


async def on_schemes(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """Named scoring schemes; the blocs referring to a changed one rank again."""
    latest = {
        e.scheme_ref: (events.scheme_of(e.scheme), e.defined_at)
        for envelope in envelopes
        if isinstance(e := envelope.data, p.ScoringSchemeDefined)
    }
    changed = await store.set_named_schemes(uow.con, list(latest.values()))
    if changed:
        await store.mark_blocs_dirty(uow.con, await store.blocs_with_scheme_ref(uow.con, changed))


async def on_ratings(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """PerformanceRated carries the entry's id as its event id and its entry time as its time."""
    entries = [
        RatingEntry(
            id=envelope.id,
            subject_kind=e.subject_kind,
            subject_id=e.subject_id,
            year=e.year,
            rating=e.rating,
            unit_id=e.unit_id,
            entered_at=envelope.time,
            ldtt_not_conferred=e.ldtt_not_conferred,
        )
        for envelope in envelopes
        if isinstance(e := envelope.data, p.PerformanceRated)
    ]
    await apply_ratings(uow, entries)


async def apply_ratings(uow: UnitOfWork, entries: list[RatingEntry]) -> list[RatingEntry]:
    """Store the entries and update the ratings in force (`apply_rating`); returns the entries
    that changed a subject's rating for the year."""
    current = await store.current_ratings_for(uow.con, sorted({e.key for e in entries}, key=str))
    changed: dict[tuple, RatingEntry] = {}
    moved = []
    for entry in entries:
        step = apply_rating(current.get(entry.key), entry)
        current[entry.key] = step.current
        if step.current is entry:
            changed[entry.key] = entry
        if step.changed:
            moved.append(entry)
    await store.save_ratings(uow.con, entries, list(changed.values()))
    return moved


async def on_initiatives(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    items = [
        Initiative(
            id=e.initiative_id,
            title=e.title,
            level=e.level,
            recognised_on=e.recognised_on,
            author_ids=tuple(e.author_ids),
            unit_id=e.unit_id,
            kind=e.kind,
            scope=e.scope,
        )
        for envelope in envelopes
        if isinstance(e := envelope.data, p.InitiativeRecognized)
    ]
    await store.save_initiatives(uow.con, items)


def handlers(bus: events.Bus) -> dict[str, BatchHandler]:
    """Catalog topic → batch handler."""
    return {
        "registry.units.v1": units_handler(bus),
        "registry.people.v1": on_people,
        "registry.blocs.v1": on_blocs,
        "registry.campaigns.v1": campaigns_handler(bus),
        "registry.occasions.v1": on_occasions,
        "progress.reports.v1": reporting.ingest,
        "progress.standings.v1": on_standings,
        "progress.schemes.v1": on_schemes,
        "progress.ratings.v1": on_ratings,
        "progress.initiatives.v1": on_initiatives,
    }
