"""progress.reports.v1 read back (a rebuild on an empty database, or the ingest benchmark): reports
inserted by id (`ON CONFLICT DO NOTHING`, so only new ones move a state), the states of targets
without a correction in the batch advanced in one set-based statement
(`store.reports.insert_and_advance`), the others through the domain one report at a time. The
log's achievements and retractions are recorded as they are; nothing is published. See the
service README, "HTTP path vs. bus path" and "Throughput".
"""

from __future__ import annotations

from uuid import UUID

import asyncpg

from schemas import progress as p
from schemas.envelope import Envelope
from schemas.types import refs_as_written
from servicekit.unit_of_work import UnitOfWork
from services.progress import store
from services.progress.domain import (
    Achievement,
    Report,
    apply_report,
    as_decimal,
    check_unit_open,
    needs_history,
)


def report_from_event(e: p.TargetReported) -> Report:
    return Report(
        id=e.report_id,
        target_id=e.target_id,
        unit_id=e.unit_id,
        value=as_decimal(e.value),
        as_of=e.as_of,
        reported_at=e.reported_at,
        note=e.note,
        evidence=tuple(refs_as_written(e.evidence, e.evidence_as_written)),
        supersedes=e.supersedes,
        submitted_on=e.submitted_on,
        occasion_id=e.occasion_id,
    )


def achievement_from_event(e: p.TargetAchieved | p.TargetAchievementRetracted) -> Achievement:
    """The achievement an event states, or the one a retraction names (a retraction carries no
    completion: deleting the achievement needs its target and report only)."""
    done = e.completion if isinstance(e, p.TargetAchieved) else 0
    return Achievement(
        target_id=e.target_id,
        campaign_id=e.campaign_id,
        unit_id=e.unit_id,
        report_id=e.report_id,
        achieved_on=e.achieved_on,
        deadline=e.deadline,
        completion=as_decimal(done),
    )


def keyed_by_report_id(envelope: Envelope) -> bool:
    """A TargetReported needs no inbox row: `ingest` applies a report once by its id (a copy
    delivered again, or twice in a batch, inserts nothing and moves no state), and its log's
    order per target is its order in the partition (the key), as with the inbox."""
    return isinstance(envelope.data, p.TargetReported)


async def ingest(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """Batch handler of progress.reports.v1 (see the module's docstring)."""
    con = uow.con
    reports: list[tuple[Report, UUID]] = []
    seen: set[UUID] = set()  # a report's first copy in the batch: later ones are duplicates
    # per target, the log's last word: an achievement (stands) or a retraction (deleted)
    last_word: dict[UUID, tuple[bool, Achievement]] = {}
    notices: list[tuple[UUID, str, str]] = []
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, p.TargetReported):
            if e.report_id not in seen:
                seen.add(e.report_id)
                reports.append((report_from_event(e), e.campaign_id))
        elif isinstance(e, p.TargetAchieved):
            last_word[e.target_id] = (True, achievement_from_event(e))
        elif isinstance(e, p.TargetAchievementRetracted):
            last_word[e.target_id] = (False, achievement_from_event(e))
        elif isinstance(e, p.ReportDueSoon):
            notices.append((e.target_id, "due_soon", e.period))
        elif isinstance(e, p.ReportOverdue):
            notices.append((e.target_id, "overdue", e.period))
    if reports:
        reports, refused = await _set_aside_closed(con, reports)
        # an achievement by a report set aside never stands (its retraction changes nothing)
        last_word = {
            t: (stands, a)
            for t, (stands, a) in last_word.items()
            if not (stands and a.report_id in refused)
        }
    await store.targets.lock_for_update(con, (r.target_id for r, _ in reports))  # in id order
    corrected = {r.target_id for r, _ in reports if r.supersedes is not None}
    done = await store.reports.insert_and_advance(con, reports, held_back=corrected)
    await store.occasions.save_report_occasions(con, [r for r, _ in reports if r.id in done.new])
    dirty = done.dirty
    if corrected:
        fresh = [r for r, _ in reports if r.id in done.new and r.target_id in corrected]
        dirty |= await _apply_one_by_one(con, fresh)
    if last_word:
        words = last_word.values()
        await store.achievements.save_achievements(
            con, [a for stands, a in words if stands], overwrite=True
        )
        await store.achievements.delete_achievements(con, [a for stands, a in words if not stands])
        dirty |= {(a.unit_id, a.deadline.year) for _, a in words}
    await store.standings.mark_units_dirty(con, dirty)
    await store.notices.record_notices(con, notices)


async def _set_aside_closed(
    con: asyncpg.Connection, reports: list[tuple[Report, UUID]]
) -> tuple[list[tuple[Report, UUID]], set[UUID]]:
    """Reports of the log dated on or after their unit's closure are stored as refused
    (`refused_reports`, with the reason) and applied to nothing: no completion, no early finish.
    The HTTP path refuses them outright; the log holds one only when the registry recorded the
    closure after the report was accepted (closures are often recorded after the fact). Not
    dead-lettered: the event is valid and the log's own, and a rebuild keeps it the same way.
    Returns the others and the ids set aside."""
    ends = await store.units.unit_ends(con, {r.unit_id for r, _ in reports})
    if not ends:
        return reports, set()
    kept, refused = [], []
    for report, campaign_id in reports:
        problems = check_unit_open(report.as_of, ends.get(report.unit_id))
        if problems:
            refused.append((report, campaign_id, problems[0].code, problems[0].message))
        else:
            kept.append((report, campaign_id))
    await store.reports.save_refused_reports(con, refused)
    return kept, {r.id for r, *_ in refused}


async def _apply_one_by_one(con: asyncpg.Connection, fresh: list[Report]) -> set[tuple[UUID, int]]:
    """The domain's step per report, for targets whose batch holds a correction (which may need
    the target's history). Reports of targets not known yet wait for their target (see
    consumers.registry.on_campaigns: its arrival rebuilds the state from the stored reports)."""
    loaded = await store.targets.lock_targets(con, (r.target_id for r in fresh))
    states = {tid: x.state for tid, x in loaded.items()}
    pending = {r.id for r in fresh}
    for report in fresh:
        pending.discard(report.id)
        state = states.get(report.target_id)
        if state is None:
            continue
        history = None
        if needs_history(state, report):
            history = [h for h in await store.reports.history(con, report.target_id)
                       if h.id not in pending and h.id != report.id]  # fmt: skip
        # the achievement it may derive is never stored: the log's TargetAchieved is
        states[report.target_id] = apply_report(state, report, history).state
    await store.targets.save_states(con, (states[t] for t in sorted(states)))
    return {(s.target.unit_id, s.target.deadline.year) for s in states.values()}
