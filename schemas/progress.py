"""Events published by progress: reports against targets, standings, ratings and initiatives."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import AwareDatetime, Field, model_validator

from schemas.base import Event
from schemas.types import (
    DocumentRef,
    InitiativeLevel,
    LongText,
    Measure,
    NonNegativeMeasure,
    Part,
    Rating,
    SubjectKind,
    Text,
    Year,
)

# Reports (progress.reports.v1, key target_id)


class TargetReported(Event, owner="progress", key="target_id"):
    """A unit reported the value of a target as of a day."""

    report_id: UUID
    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    value: Measure
    as_of: date
    """The day the value describes."""
    reported_at: AwareDatetime
    note: LongText | None = None
    evidence: list[DocumentRef] = Field(default_factory=list)
    """References to the supporting documents."""
    supersedes: UUID | None = None
    """The report this one corrects."""


class TargetAchieved(Event, owner="progress", key="target_id"):
    """A unit reached a target. Finishing before the deadline is the point of a "về đích sớm"
    campaign: `early_by_days` counts the days to spare."""

    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    report_id: UUID
    """The report that showed the target reached."""
    achieved_on: date
    deadline: date
    early_by_days: int = Field(ge=0)
    finished_early: bool
    completion: NonNegativeMeasure
    """Reported value relative to the target (1.0 = exactly reached; for lower-is-better targets,
    target / value)."""

    @model_validator(mode="after")
    def _check(self) -> TargetAchieved:
        if self.early_by_days != max(0, (self.deadline - self.achieved_on).days):
            raise ValueError("early_by_days does not match achieved_on and deadline")
        if self.finished_early != (self.early_by_days > 0):
            raise ValueError("finished_early must be true exactly when early_by_days > 0")
        return self


class ReportDueSoon(Event, owner="progress", key="target_id"):
    """A report on a target is due within a few days and has not been made."""

    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    deadline: date
    period: Text
    """The reporting period, e.g. "2020-Q3" or "06/2020"."""
    days_left: int = Field(ge=0)


class ReportOverdue(Event, owner="progress", key="target_id"):
    """A report on a target passed its deadline without being made."""

    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    deadline: date
    period: Text
    days_overdue: int = Field(ge=1)


# Standings (progress.standings.v1, key bloc_id)


class Standing(Part):
    unit_id: UUID
    rank: int = Field(ge=1)
    """1 is first; equal scores share a rank."""
    score: Measure


class StandingsChanged(Event, owner="progress", key="bloc_id"):
    """A bloc's ranking changed. Carries the whole ranking, best first."""

    bloc_id: UUID
    year: Year
    campaign_id: UUID | None = None
    """Set when the ranking is of one campaign rather than the bloc's year."""
    ranking: list[Standing]

    @model_validator(mode="after")
    def _check(self) -> StandingsChanged:
        ids = [s.unit_id for s in self.ranking]
        if len(set(ids)) != len(ids):
            raise ValueError("a unit appears twice in the ranking")
        if [s.rank for s in self.ranking] != sorted(s.rank for s in self.ranking):
            raise ValueError("the ranking is not ordered by rank")
        return self


class BlocLeaderDetermined(Event, owner="progress", key="bloc_id"):
    """A bloc's leading unit for the year was determined by scoring and the members' vote (suy
    tôn); it may be proposed for the provincial emulation flag (CO_TINH)."""

    bloc_id: UUID
    year: Year
    leader_unit_id: UUID
    score: Measure
    by_vote: bool
    """True when the members' vote decided it (suy tôn), false when the score alone did."""


# Ratings (progress.ratings.v1, key subject_id)


class PerformanceRated(Event, owner="progress", key="subject_id"):
    """A person's or a collective's performance for a year was rated (xếp loại). A later rating of
    the same subject and year replaces it."""

    subject_id: UUID
    """The person id or the unit id, per subject_kind."""
    subject_kind: SubjectKind
    year: Year
    rating: Rating
    unit_id: UUID
    """The unit that rated: the person's unit, or the collective itself."""


# Initiatives (progress.initiatives.v1, key initiative_id)


class InitiativeRecognized(Event, owner="progress", key="initiative_id"):
    """An initiative (sáng kiến) or science work was recognised at a level."""

    initiative_id: UUID
    title: Text
    level: InitiativeLevel
    recognised_on: date
    author_ids: list[UUID] = Field(min_length=1)
    """The authors' person ids."""
    unit_id: UUID

    @model_validator(mode="after")
    def _check(self) -> InitiativeRecognized:
        if len(set(self.author_ids)) != len(self.author_ids):
            raise ValueError("an author is listed twice")
        return self


EVENTS: tuple[type[Event], ...] = (
    TargetReported,
    TargetAchieved,
    ReportDueSoon,
    ReportOverdue,
    StandingsChanged,
    BlocLeaderDetermined,
    PerformanceRated,
    InitiativeRecognized,
)
