"""Events published by progress: reports against targets, standings and the bloc head's scoring
entries, named scoring schemes, ratings and initiatives."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import AfterValidator, AwareDatetime, Field, StringConstraints, model_validator

from schemas.base import Event
from schemas.types import (
    CitedRef,
    Code,
    DocumentRef,
    InitiativeKind,
    InitiativeLevel,
    InitiativeScope,
    LdttWithheld,
    LongText,
    Measure,
    NonNegativeMeasure,
    Part,
    Rating,
    SubjectKind,
    Text,
    Year,
    check_cited,
    nfc,
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
    """References to the supporting documents (a reference written with spaces has them as %20:
    `evidence_as_written` holds it as written)."""
    evidence_as_written: list[CitedRef] | None = None
    """The references as the person wrote them ("Tờ trình số 15/TTr-SKHCN"), in `evidence`'s
    order, when one of them holds a space; what a reader shows. Missing: as in `evidence`."""
    supersedes: UUID | None = None
    """The report this one corrects."""
    submitted_on: date | None = None
    """The day the unit submitted the report (Vietnam's date), given when it was entered later
    than that: a past record entered after the fact by the province or an import. Timeliness is
    judged on it. Missing: the day of `reported_at`."""

    occasion_id: UUID | None = None
    """The occasion the achievement is dedicated to (lập thành tích chào mừng: a congress, an
    anniversary; registry.occasions.v1), one the campaign is dedicated to."""

    @model_validator(mode="after")
    def _cited(self) -> TargetReported:
        check_cited(self.evidence, self.evidence_as_written)
        return self


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
    # At most one achievement of a target holds: a later TargetAchieved for the same target (a
    # correction of the achieving report moved it to another report) replaces the earlier one,
    # and TargetAchievementRetracted takes it back.

    @model_validator(mode="after")
    def _check(self) -> TargetAchieved:
        if self.early_by_days != max(0, (self.deadline - self.achieved_on).days):
            raise ValueError("early_by_days does not match achieved_on and deadline")
        if self.finished_early != (self.early_by_days > 0):
            raise ValueError("finished_early must be true exactly when early_by_days > 0")
        return self


class TargetAchievementRetracted(Event, owner="progress", key="target_id"):
    """A correction took back a target's achievement: the report that achieved it was superseded
    (or, `unit_closed_on`, dated after its unit's closure) and no report that stands meets the
    target any more. The TargetAchieved naming `report_id` no longer holds (nor its early
    finish); a later TargetAchieved for the target, if any, holds instead. (When another
    standing report still meets the target, a new TargetAchieved naming that report is
    published instead of this event: it replaces the earlier one.)"""

    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    report_id: UUID
    """The report of the achievement retracted (now superseded, or set aside)."""
    corrected_by: UUID
    """The correction whose arrival retracted it; for a retraction by the unit's closure
    (`unit_closed_on` set), the achieving report itself, set aside."""
    achieved_on: date
    """As the retracted achievement stated it."""
    deadline: date
    finished_early: bool
    """Whether the retracted achievement was an early finish (về đích sớm)."""
    unit_closed_on: date | None = None
    """Set when the registry recorded the unit's closure (from this day, dissolved, merged or
    split) after the achieving report, dated on or after it, was accepted: a report of a day
    the unit no longer existed does not stand. Absent for a correction's retraction."""


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


class BlocLeaderReopened(Event, owner="progress", key="bloc_id"):
    """The province reopened a bloc's determined leader for the year (a mistake found, late
    results): the determination no longer stands, the bloc's scoring for the year is open again,
    and a new BlocLeaderDetermined follows when the leader is determined anew."""

    bloc_id: UUID
    year: Year
    previous_leader_unit_id: UUID
    reason: Text
    reopened_at: AwareDatetime


# The bloc head's entries (progress.standings.v1, key bloc_id): the inputs of a bloc's ranking,
# in the same partition as the rankings and the leader they lead to.

SchemeRef = Annotated[
    str, StringConstraints(min_length=1, max_length=64, pattern=r"\S"), AfterValidator(nfc)
]
PositiveMeasure = Annotated[float, Field(gt=0, allow_inf_nan=False)]


class ScoringCriterion(Part):
    name: Literal["completion", "early_finish", "timeliness"]
    """completion: weighted capped completion of the unit's targets; early_finish: share of its
    targets achieved before their deadline; timeliness: share of its reports made on time."""
    weight: NonNegativeMeasure
    max_points: PositiveMeasure
    """Points for a criterion = value (a share in [0, 1]) × max_points × weight."""


class ScoringSchemeSpec(Part):
    """A scoring scheme (thang điểm) as data: there is no national formula."""

    ref: SchemeRef
    criteria: list[ScoringCriterion] = Field(min_length=1)
    max_bonus: NonNegativeMeasure | None = None
    """Most bonus points one unit may get; none for no limit."""
    max_penalty: NonNegativeMeasure | None = None
    score_places: int = Field(default=2, ge=0, le=4)
    """Decimal places scores are rounded to; rounded scores decide ties."""

    @model_validator(mode="after")
    def _check(self) -> ScoringSchemeSpec:
        names = [c.name for c in self.criteria]
        if len(set(names)) != len(names):
            raise ValueError("a criterion is listed twice")
        return self


class BlocSchemeSet(Event, owner="progress", key="bloc_id"):
    """The bloc head set the bloc's own scoring scheme for a year (it replaces the named scheme
    the bloc refers to). A later setting for the same bloc and year replaces it."""

    bloc_id: UUID
    year: Year
    scheme: ScoringSchemeSpec
    set_at: AwareDatetime


class BlocScoreAdjusted(Event, owner="progress", key="bloc_id"):
    """The bloc head gave a member bonus (điểm thưởng) or penalty (điểm trừ) points."""

    adjustment_id: UUID
    bloc_id: UUID
    year: Year
    unit_id: UUID
    kind: Literal["bonus", "penalty"]
    points: PositiveMeasure
    reason: LongText
    entered_at: AwareDatetime


class UnitVotes(Part):
    unit_id: UUID
    votes: int = Field(ge=0)


class BlocVotesRecorded(Event, owner="progress", key="bloc_id"):
    """The members' vote (suy tôn) at the year-end review as the bloc head recorded it. Carries
    the whole count; a later record for the same bloc and year replaces it."""

    bloc_id: UUID
    year: Year
    votes: list[UnitVotes]
    recorded_at: AwareDatetime

    @model_validator(mode="after")
    def _check(self) -> BlocVotesRecorded:
        ids = [v.unit_id for v in self.votes]
        if len(set(ids)) != len(ids):
            raise ValueError("a unit is listed twice")
        return self


# Named scoring schemes (progress.schemes.v1, key scheme_ref)


class ScoringSchemeDefined(Event, owner="progress", key="scheme_ref"):
    """A province administrator defined (or redefined) a named scoring scheme that blocs refer to
    (BlocFormed.scoring_scheme_ref). A later definition of the same ref replaces it."""

    scheme_ref: Code
    scheme: ScoringSchemeSpec
    defined_at: AwareDatetime

    @model_validator(mode="after")
    def _check(self) -> ScoringSchemeDefined:
        if self.scheme.ref != self.scheme_ref:
            raise ValueError("scheme.ref must be scheme_ref")
        return self


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
    ldtt_not_conferred: LdttWithheld | None = None
    """A person rated HTTNV or better whom the unit did not confer Lao động tiên tiến, and why (a
    rating is not the title). None: not stated (as in events from before this field)."""


# Initiatives (progress.initiatives.v1, key initiative_id)


class InitiativeRecognized(Event, owner="progress", key="initiative_id"):
    """An initiative (sáng kiến) or science work (đề tài khoa học) was recognised at a level."""

    initiative_id: UUID
    title: Text
    level: InitiativeLevel
    """The level that recognised it (cơ sở, tỉnh, toàn quốc)."""
    recognised_on: date
    author_ids: list[UUID] = Field(min_length=1)
    """The authors' person ids."""
    unit_id: UUID
    kind: InitiativeKind = "initiative"
    """An initiative (sáng kiến) or an accepted science work (đề tài khoa học)."""
    scope: InitiativeScope | None = None
    """How far its effect reaches (phạm vi ảnh hưởng): the unit, the province, the whole country.
    None when not stated (events before this field): read it as the level's reach (grassroots →
    unit, provincial → province, national → national)."""

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
    BlocLeaderReopened,
    PerformanceRated,
    InitiativeRecognized,
    BlocSchemeSet,
    BlocScoreAdjusted,
    BlocVotesRecorded,
    ScoringSchemeDefined,
    TargetAchievementRetracted,
)
