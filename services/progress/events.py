"""From domain records to the published event payloads (schemas/progress.py) and their ids; the
commands publish them with `uow.publish(event, event_id=...)`.

Event ids of derived facts are deterministic (uuid5 of what the fact is about): TargetAchieved is
one per (target, achieving report) — a correction may move or retract a target's achievement, so
a target can be achieved again by another report —, its retraction one per (target, report), a
reminder one per (target, kind, period), a leader one per bloc and year, a
standings change one per (bloc, year, version). So when the same fact is derived twice — by the
HTTP path and by a consumer, or again by a rebuild replaying the topics into an empty database —
both copies carry the same ce_id and every consumer's inbox (ours included) applies it once.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID, uuid5

from schemas import progress as p
from schemas.envelope import source_for
from schemas.types import cited_refs
from services.progress.domain import (
    Achievement,
    Adjustment,
    DueNotice,
    Initiative,
    Report,
    ScoringScheme,
    Standing,
)
from services.progress.domain.ratings import RatingEntry

SOURCE = source_for("progress")
NS = UUID("8a4f3f59-2a8e-4f43-9d7c-6b1d0e5f7a21")


def event_id(*parts: object) -> UUID:
    return uuid5(NS, "\x1f".join(str(x) for x in parts))


def target_reported(report: Report, campaign_id: UUID) -> tuple[p.TargetReported, UUID]:
    evidence, as_written = cited_refs(list(report.evidence))
    event = p.TargetReported(
        report_id=report.id,
        target_id=report.target_id,
        campaign_id=campaign_id,
        unit_id=report.unit_id,
        value=float(report.value),
        as_of=report.as_of,
        reported_at=report.reported_at,
        note=report.note,
        evidence=evidence,
        evidence_as_written=as_written,
        supersedes=report.supersedes,
        submitted_on=report.submitted_on,
        occasion_id=report.occasion_id,
    )
    return event, event_id("TargetReported", report.id)


def target_achieved(a: Achievement) -> tuple[p.TargetAchieved, UUID]:
    event = p.TargetAchieved(
        target_id=a.target_id,
        campaign_id=a.campaign_id,
        unit_id=a.unit_id,
        report_id=a.report_id,
        achieved_on=a.achieved_on,
        deadline=a.deadline,
        early_by_days=a.early_by_days,
        finished_early=a.finished_early,
        completion=float(a.completion),
    )
    return event, event_id("TargetAchieved", a.target_id, a.report_id)


def achievement_retracted(
    a: Achievement, corrected_by: UUID, unit_closed_on: date | None = None
) -> tuple[p.TargetAchievementRetracted, UUID]:
    """`unit_closed_on`: the unit's closure retracted it (`corrected_by` is then the achieving
    report, set aside)."""
    event = p.TargetAchievementRetracted(
        target_id=a.target_id,
        campaign_id=a.campaign_id,
        unit_id=a.unit_id,
        report_id=a.report_id,
        corrected_by=corrected_by,
        achieved_on=a.achieved_on,
        deadline=a.deadline,
        finished_early=a.finished_early,
        unit_closed_on=unit_closed_on,
    )
    return event, event_id("TargetAchievementRetracted", a.target_id, a.report_id)


def notice(n: DueNotice) -> tuple[p.ReportDueSoon | p.ReportOverdue, UUID]:
    t = n.target
    common = {
        "target_id": t.id,
        "campaign_id": t.campaign_id,
        "unit_id": t.unit_id,
        "deadline": t.deadline,
        "period": n.period,
    }
    if n.kind == "due_soon":
        event: p.ReportDueSoon | p.ReportOverdue = p.ReportDueSoon(**common, days_left=n.days)
    else:
        event = p.ReportOverdue(**common, days_overdue=n.days)
    return event, event_id(n.kind, t.id, n.period)


def standings_changed(
    bloc_id: UUID, year: int, version: int, ranking: list[Standing]
) -> tuple[p.StandingsChanged, UUID]:
    event = p.StandingsChanged(
        bloc_id=bloc_id,
        year=year,
        ranking=[p.Standing(unit_id=s.unit_id, rank=s.rank, score=float(s.score)) for s in ranking],
    )
    return event, event_id("StandingsChanged", bloc_id, year, version)


def leader_determined(
    bloc_id: UUID, year: int, leader: UUID, score: float, by_vote: bool, round: int = 0
) -> tuple[p.BlocLeaderDetermined, UUID]:
    """`round`: how many times the year's leader was reopened before; a determination after a
    reopening is another event (the first keeps the id it always had)."""
    event = p.BlocLeaderDetermined(
        bloc_id=bloc_id, year=year, leader_unit_id=leader, score=score, by_vote=by_vote
    )
    parts = (bloc_id, year, round) if round else (bloc_id, year)
    return event, event_id("BlocLeaderDetermined", *parts)


def leader_reopened(
    bloc_id: UUID, year: int, previous: UUID, reason: str, at: datetime, round: int
) -> tuple[p.BlocLeaderReopened, UUID]:
    """`round`: this reopening's number for the bloc and year (1, 2, …)."""
    event = p.BlocLeaderReopened(
        bloc_id=bloc_id,
        year=year,
        previous_leader_unit_id=previous,
        reason=reason,
        reopened_at=at,
    )
    return event, event_id("BlocLeaderReopened", bloc_id, year, round)


def performance_rated(e: RatingEntry) -> tuple[p.PerformanceRated, UUID]:
    """The entry's id is the event's id, and its entered_at the event's time: a rebuild reads
    them back to order entries as the domain does (`apply_rating`)."""
    event = p.PerformanceRated(
        subject_id=e.subject_id,
        subject_kind=e.subject_kind,
        year=e.year,
        rating=e.rating,
        unit_id=e.unit_id,
        ldtt_not_conferred=e.ldtt_not_conferred,
    )
    return event, e.id


def initiative_recognized(i: Initiative) -> tuple[p.InitiativeRecognized, UUID]:
    event = p.InitiativeRecognized(
        initiative_id=i.id,
        title=i.title,
        level=i.level,
        recognised_on=i.recognised_on,
        author_ids=list(i.author_ids),
        unit_id=i.unit_id,
        kind=i.kind,
        scope=i.scope,
    )
    return event, event_id("InitiativeRecognized", i.id)


# The bloc head's entries and named schemes: on the bus so a rebuild restores them
# (consumers.readback).


def scheme_spec(scheme: ScoringScheme) -> p.ScoringSchemeSpec:
    return p.ScoringSchemeSpec.model_validate(scheme.model_dump(mode="json"))


def scheme_of(spec: p.ScoringSchemeSpec) -> ScoringScheme:
    """Back to the domain's Decimals through each float's shortest repr (`as_decimal`)."""
    return ScoringScheme.model_validate_json(spec.model_dump_json())


def as_on_the_bus(scheme: ScoringScheme) -> ScoringScheme:
    """The scheme as a consumer of its event reads it back (70.0 and 70 become one Decimal): what
    the HTTP path stores, so a rebuild computes the very same standings."""
    return scheme_of(scheme_spec(scheme))


def bloc_scheme_set(
    bloc_id: UUID, year: int, scheme: ScoringScheme, at: datetime
) -> tuple[p.BlocSchemeSet, UUID]:
    event = p.BlocSchemeSet(bloc_id=bloc_id, year=year, scheme=scheme_spec(scheme), set_at=at)
    return event, event_id("BlocSchemeSet", bloc_id, year, at.isoformat())


def score_adjusted(
    adjustment_id: UUID, bloc_id: UUID, year: int, a: Adjustment, at: datetime
) -> tuple[p.BlocScoreAdjusted, UUID]:
    event = p.BlocScoreAdjusted(
        adjustment_id=adjustment_id,
        bloc_id=bloc_id,
        year=year,
        unit_id=a.unit_id,
        kind=a.kind,
        points=float(a.points),
        reason=a.reason,
        entered_at=at,
    )
    return event, event_id("BlocScoreAdjusted", adjustment_id)


def votes_recorded(
    bloc_id: UUID, year: int, counts: dict[UUID, int], at: datetime
) -> tuple[p.BlocVotesRecorded, UUID]:
    event = p.BlocVotesRecorded(
        bloc_id=bloc_id,
        year=year,
        votes=[p.UnitVotes(unit_id=u, votes=v) for u, v in counts.items()],
        recorded_at=at,
    )
    return event, event_id("BlocVotesRecorded", bloc_id, year, at.isoformat())


def scheme_defined(scheme: ScoringScheme, at: datetime) -> tuple[p.ScoringSchemeDefined, UUID]:
    event = p.ScoringSchemeDefined(scheme_ref=scheme.ref, scheme=scheme_spec(scheme), defined_at=at)
    return event, event_id("ScoringSchemeDefined", scheme.ref, at.isoformat())
