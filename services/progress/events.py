"""From domain records to the published event payloads (schemas/progress.py), and publishing them
through the unit of work's outbox.

Event ids of derived facts are deterministic (uuid5 of what the fact is about): TargetAchieved is
one per target, a reminder one per (target, kind, period), a leader one per bloc and year, a
standings change one per (bloc, year, version). So when the same fact is derived twice — by the
HTTP path and by a consumer, or again by a rebuild replaying the topics into an empty database —
both copies carry the same ce_id and every consumer's inbox (ours included) applies it once.
"""

from __future__ import annotations

import dataclasses
from datetime import datetime
from uuid import UUID, uuid5

from schemas import progress as p
from schemas.base import Event
from schemas.catalog import topic_for
from schemas.envelope import Message, source_for, to_message
from servicekit.unit_of_work import UnitOfWork
from services.progress.domain import Achievement, DueNotice, Initiative, Report, Standing
from services.progress.domain.ratings import RatingEntry

SOURCE = source_for("progress")
NS = UUID("8a4f3f59-2a8e-4f43-9d7c-6b1d0e5f7a21")


def event_id(*parts: object) -> UUID:
    return uuid5(NS, "\x1f".join(str(x) for x in parts))


class Bus:
    """Publishes events into a unit of work's outbox, on the catalog's topic or the one
    `topic_map` puts in its place."""

    def __init__(self, topic_map: dict[str, str] | None = None) -> None:
        self.topic_map = dict(topic_map or {})

    def topic(self, name: str) -> str:
        return self.topic_map.get(name, name)

    async def publish(
        self,
        uow: UnitOfWork,
        event: Event,
        *,
        event_id: UUID | None = None,
        time: datetime | None = None,
    ) -> Message:
        message = to_message(event, source=uow.source or SOURCE, event_id=event_id, time=time)
        topic = self.topic(topic_for(event).name)
        if topic != message.topic:
            message = dataclasses.replace(message, topic=topic)
        return await uow.publish(message)  # adds the current trace context


def target_reported(report: Report, campaign_id: UUID) -> tuple[p.TargetReported, UUID]:
    event = p.TargetReported(
        report_id=report.id,
        target_id=report.target_id,
        campaign_id=campaign_id,
        unit_id=report.unit_id,
        value=float(report.value),
        as_of=report.as_of,
        reported_at=report.reported_at,
        note=report.note,
        evidence=list(report.evidence),
        supersedes=report.supersedes,
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
    return event, event_id("TargetAchieved", a.target_id)


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
    bloc_id: UUID, year: int, leader: UUID, score: float, by_vote: bool
) -> tuple[p.BlocLeaderDetermined, UUID]:
    event = p.BlocLeaderDetermined(
        bloc_id=bloc_id, year=year, leader_unit_id=leader, score=score, by_vote=by_vote
    )
    return event, event_id("BlocLeaderDetermined", bloc_id, year)


def performance_rated(e: RatingEntry) -> tuple[p.PerformanceRated, UUID]:
    """The entry's id is the event's id, and its entered_at the event's time: a rebuild reads
    them back to order entries as the domain does (`apply_rating`)."""
    event = p.PerformanceRated(
        subject_id=e.subject_id,
        subject_kind=e.subject_kind,
        year=e.year,
        rating=e.rating,
        unit_id=e.unit_id,
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
    )
    return event, event_id("InitiativeRecognized", i.id)
