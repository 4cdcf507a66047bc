"""Request and answer bodies of the progress API (OpenAPI documented).

Inputs refuse unknown fields. What a field's value *means* (a number for `value`, a rating from
the vocabulary, a date not in the future…) is the domain's check, so its answer names the field
and the rule the same way for one report, a batch item or a bus event. Measured values and scores
go out as JSON numbers."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field

from servicekit.text import In
from services.progress import store
from services.progress.domain import Achievement, Completion, Report, Target, TargetState
from services.progress.domain.aggregate import reported_on_time
from services.progress.domain.dashboard import Totals, UnitRow
from services.progress.domain.reports import MAX_EVIDENCE, MAX_EVIDENCE_REF, MAX_NOTE
from services.progress.store.dashboards import Dedicated, Rollup

Number = Annotated[float, Field(allow_inf_nan=False, strict=True)]


class Out(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)


# ---- reports ---------------------------------------------------------------------------------


class ReportIn(In):
    target_id: UUID
    value: Annotated[Any, Field(json_schema_extra={"type": "number"})]
    """The value reached as of `as_of`, in the target's unit of measure (a JSON number)."""
    as_of: date
    """The day the value describes: within the campaign, not in the future (Vietnam's date)."""
    # The domain checks these (`domain.reports`, the same for a batch item or an event); the
    # schema states its limits so that the document and the server agree.
    note: str | None = Field(None, json_schema_extra={"maxLength": MAX_NOTE})
    evidence: list[str] = Field(
        default_factory=list,
        json_schema_extra={
            "maxItems": MAX_EVIDENCE,
            "uniqueItems": True,
            "items": {"type": "string", "maxLength": MAX_EVIDENCE_REF, "pattern": r"\S"},
        },
    )
    """References of the supporting documents as people write them ("Tờ trình số
    15/TTr-SKHCN"), document ids or URLs; not blank, no control character."""
    supersedes: UUID | None = None
    """The report this one corrects (the latest of its chain)."""
    submitted_on: date | None = None
    """A past record entered after the fact: the day it was originally submitted (not in the
    future, not before `as_of`); timeliness reads it against the deadline. Province
    administrators and integration clients only; by default the day of arrival."""
    occasion_id: UUID | None = None
    """The occasion the achievement is dedicated to (lập thành tích chào mừng), one of those its
    campaign is dedicated to (GET /occasions; the campaign's `occasion_ids`)."""


class BatchIn(In):
    reports: list[Any] = Field(min_length=1)
    """Report objects as for POST /reports; each is checked on its own."""


class CompletionOut(Out):
    capped: float
    """Counted towards scores: at most 1."""
    uncapped: float


class AchievementOut(Out):
    report_id: UUID
    achieved_on: date
    deadline: date
    early_by_days: int
    finished_early: bool
    completion: float


class ProgressOut(Out):
    current_report_id: UUID | None
    current_value: float | None
    current_as_of: date | None
    completion: CompletionOut | None
    """Of the current value; none before any report."""
    met_now: bool
    achieved: AchievementOut | None
    reported_on_time: bool | None
    """Whether the first report was submitted by the deadline (a past record's `submitted_on`,
    else its day of arrival); none while not reported."""


class ReportOut(Out):
    report_id: UUID
    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    value: float
    as_of: date
    reported_at: datetime
    note: str | None
    evidence: list[str]
    supersedes: UUID | None
    submitted_on: date
    """The day it counts as submitted: the one given for a past record, else the day of
    arrival."""
    occasion_id: UUID | None = None
    """The occasion it is dedicated to, if it names one."""


class ReportAccepted(Out):
    report: ReportOut
    progress: ProgressOut
    achieved_now: bool
    """True when this report achieved the target (TargetAchieved was published)."""
    retracted_now: bool = False
    """True when this correction took the target's achievement back
    (TargetAchievementRetracted was published)."""


class ItemResult(Out):
    index: int
    status: Literal["accepted", "rejected"]
    report: ReportOut | None = None
    achieved_now: bool = False
    errors: list[dict[str, Any]] | None = None
    """For a rejected item: each field at fault (JSON pointer into the batch) and why."""


class BatchOut(Out):
    accepted: int
    rejected: int
    results: list[ItemResult]


class TargetOut(Out):
    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    name: str
    metric: str
    unit_of_measure: str
    target_value: float
    direction: str
    weight: float
    deadline: date
    revision: int


class HistoryItem(ReportOut):
    current: bool
    superseded_by: UUID | None


class SetAsideItem(ReportOut):
    reason: str
    """unit_closed: dated on or after the unit's closure, recorded after it was accepted."""
    detail: str
    """Why, in Vietnamese (the closure's day, how the unit ended, its successors)."""


class HistoryOut(Out):
    target: TargetOut
    progress: ProgressOut
    reports: list[HistoryItem]
    """Every report that stands, superseded ones included, in arrival order."""
    set_aside: list[SetAsideItem] = []
    """Reports that no longer stand, in arrival order: accepted before the registry recorded
    the unit's closure they fall after (`refused_reports`); they count for nothing."""


# ---- views -----------------------------------------------------------------------------------


class TargetProgress(Out):
    target: TargetOut
    progress: ProgressOut


class UnitRef(Out):
    """A unit as people know it: its id, code and name (the registry's, as in the standings)."""

    unit_id: UUID
    code: str
    name: str
    """Empty when the registry's unit is not known here yet."""


class UnitFigures(Out):
    unit_id: UUID
    code: str
    name: str
    completion: CompletionOut | None
    """Weighted over the unit's targets; an unreported target counts as 0."""
    targets: int
    met_now: int
    achieved: int
    achieved_early: int
    finished_early: bool
    """Every target achieved before its deadline (về đích sớm)."""


class CampaignProgress(UnitFigures):
    campaign_id: UUID
    campaign_state: str
    items: list[TargetProgress]


class UnitCompletionOut(Out):
    unit_id: UUID
    campaigns: list[CampaignProgress]


class OverdueOut(Out):
    target_id: UUID
    unit_id: UUID
    unit_code: str
    unit_name: str
    name: str
    """The target's."""
    deadline: date
    days_overdue: int


class TotalsOut(Out):
    targets: int
    met_now: int
    achieved: int
    achieved_early: int
    completion: CompletionOut | None
    """Weighted over all the targets counted; an unreported target counts as 0."""


class ChildCampaignOut(Out):
    """A unit's own movement answering the campaign (directly or through another)."""

    campaign_id: UUID
    code: str
    title: str
    campaign_state: str
    parent_campaign_id: UUID
    launched_by: UnitRef | None
    """The unit that launched it; none for a campaign read before the unit was recorded."""
    summary: TotalsOut


class RollupOut(Out):
    own: TotalsOut
    """The campaign's own targets (the `units` above)."""
    total: TotalsOut
    """What `includes` says: the campaign's own targets (unless an occasion it is not dedicated
    to is asked for) and every target of the movements in `children`."""
    includes: str


def rollup_out(up: Rollup) -> RollupOut:
    own = "the campaign's own targets and " if up.own_counted else ""
    return RollupOut(
        own=totals_out(up.own),
        total=totals_out(up.total),
        includes=own + "those of every unit's own movement in `children` (answering it directly"
        " or through another), each target counted once",
    )


class DedicatedUnitOut(UnitRef):
    reports: int
    """Its reports naming the occasion (corrected ones left out)."""
    achieved: int
    """Its targets achieved by a report naming the occasion."""


class DedicatedOut(Out):
    """The achievements dedicated to the occasion asked for, in the campaigns `totals` counts."""

    occasion_id: UUID
    reports: int
    achieved: int
    units: list[DedicatedUnitOut]
    """The units with a report naming it, by id."""


class DashboardOut(Out):
    campaign_id: UUID
    campaign_state: str
    today: date
    units: list[UnitFigures]
    early_finishers: list[UnitRef]
    overdue: list[OverdueOut]
    """Targets past their deadline without any report, most overdue first."""
    children: list[ChildCampaignOut] = []
    """Units' own movements answering this campaign (phong trào hưởng ứng), by code. A unit
    officer sees those their own unit launched."""
    totals: RollupOut | None = None
    """Figures over the campaign's own targets and its children's; none for a unit officer,
    who sees their own unit's figures only."""
    dedicated: DedicatedOut | None = None
    """With `occasion_id`: the reports naming it and the targets they achieved, per unit."""


# ---- blocs -----------------------------------------------------------------------------------


class CriterionOut(Out):
    name: str
    value: float
    weight: float
    max_points: float
    points: float


class MergedUnitOut(Out):
    """A unit merged during the year whose targets and points its successor's row counts."""

    unit_id: UUID
    name: str
    code: str
    member_from: date
    member_until: date | None
    """Exclusive: the first day it was no longer a member."""
    completion: float | None = None
    early_finish: float | None = None
    timeliness: float | None = None
    """Its own results over its membership (shares in [0, 1]), counted in the successor's row."""


class StandingOut(Out):
    rank: int
    unit_id: UUID
    name: str
    code: str
    score: float
    bonus: float
    penalty: float
    criteria: list[CriterionOut]
    member_from: date | None = None
    """The period the unit was a member of the bloc that year (its targets due in it count)."""
    member_until: date | None = None
    """Exclusive; none while still a member."""
    merged_from: list[MergedUnitOut] = []
    """Units merged into this one during the year, carried over (`merged_results`)."""


class AdjustmentIn(In):
    unit_id: UUID
    kind: str
    """bonus (điểm thưởng) or penalty (điểm trừ)."""
    points: Number
    reason: str = Field(max_length=4000)


class AdjustmentOut(Out):
    adjustment_id: UUID
    unit_id: UUID
    kind: str
    points: float
    reason: str
    entered_at: datetime


class VoteIn(In):
    unit_id: UUID
    votes: int = Field(ge=0, strict=True)


class VotesIn(In):
    votes: list[VoteIn] = Field(max_length=200)
    """Votes (suy tôn) per member unit, as counted at the year-end review."""


class ReopenIn(In):
    reason: str = Field(min_length=1, max_length=1000)
    """Why the province reopens the determined leader (a mistake found, results added late)."""


class ReopenOut(Out):
    bloc_id: UUID
    year: int
    previous_leader_unit_id: UUID
    reason: str
    reopened_at: datetime


class LeaderOut(Out):
    leader_unit_id: UUID | None
    score: float | None
    by_vote: bool
    reason: str


class StandingsOut(Out):
    bloc_id: UUID
    year: int
    code: str
    name: str
    version: int
    """Grows with each published ranking change."""
    computed_on: date | None
    scheme: dict[str, Any]
    ranking: list[StandingOut]
    merged_results: Literal["carry_over", "separate"]
    """The province's choice for units merged during the year (THIDUA_PROGRESS_MERGED_RESULTS):
    carried over to their successor's row, or ranked separately until the year's end."""
    adjustments: list[AdjustmentOut]
    votes: dict[str, int]
    leader: LeaderOut | None


# ---- ratings and initiatives -----------------------------------------------------------------


class RatingIn(In):
    subject_kind: str
    """person, or collective (the unit itself)."""
    subject_id: UUID
    year: int = Field(strict=True)
    rating: str
    """HTXSNV, HTTNV, HTNV or KHTNV."""
    unit_id: UUID | None = None
    """The rating unit; only a province administrator names it (an officer rates for theirs)."""
    ldtt_not_conferred: str | None = None
    """For a person rated HTXSNV or HTTNV whom the unit did not confer Lao động tiên tiến (a
    rating is not the title), why: discipline (kỷ luật trong năm), months_worked (not long enough
    in service in the year: recruited less than 10 months before under Nghị định 91/2017 Điều
    10, less than 6 months under Thông tư 01/2024/TT-BNV; maternity leave counts as worked),
    conduct, or other."""


class RatingsIn(In):
    ratings: list[RatingIn] = Field(min_length=1, max_length=2000)


class RatingOut(Out):
    subject_kind: str
    subject_id: UUID
    year: int
    rating: str
    unit_id: UUID
    entered_at: datetime
    ldtt_not_conferred: str | None = None


class RatingsOut(Out):
    ratings: list[RatingOut]


class InitiativeIn(In):
    title: str
    level: str
    """grassroots (cơ sở), provincial or national."""
    recognised_on: date
    author_ids: list[UUID] = Field(max_length=100)
    unit_id: UUID | None = None
    """The initiative's unit; an officer's own by default."""
    kind: str = "initiative"
    """initiative (sáng kiến) or science_work (đề tài khoa học)."""
    scope: str | None = None
    """How far its effect reaches: unit, province or national; by default the level's reach."""


class InitiativeOut(Out):
    initiative_id: UUID
    title: str
    level: str
    recognised_on: date
    author_ids: list[UUID]
    unit_id: UUID
    kind: str
    scope: str | None
    """None on records from before the scope was stated."""


# ---- conversions -----------------------------------------------------------------------------


def _f(x: Decimal | None) -> float | None:
    return None if x is None else float(x)


def completion_out(c: Completion | None) -> CompletionOut | None:
    return None if c is None else CompletionOut(capped=float(c.capped), uncapped=float(c.uncapped))


def achievement_out(a: Achievement | None) -> AchievementOut | None:
    if a is None:
        return None
    return AchievementOut(
        report_id=a.report_id,
        achieved_on=a.achieved_on,
        deadline=a.deadline,
        early_by_days=a.early_by_days,
        finished_early=a.finished_early,
        completion=float(a.completion),
    )


def progress_out(s: TargetState) -> ProgressOut:
    c = s.current
    return ProgressOut(
        current_report_id=c.id if c else None,
        current_value=_f(c.value) if c else None,
        current_as_of=c.as_of if c else None,
        completion=completion_out(s.completion),
        met_now=s.met_now,
        achieved=achievement_out(s.achievement),
        reported_on_time=reported_on_time(s),
    )


def report_out(r: Report, campaign_id: UUID) -> ReportOut:
    return ReportOut(
        report_id=r.id,
        target_id=r.target_id,
        campaign_id=campaign_id,
        unit_id=r.unit_id,
        value=float(r.value),
        as_of=r.as_of,
        reported_at=r.reported_at,
        note=r.note,
        evidence=list(r.evidence),
        supersedes=r.supersedes,
        submitted_on=r.submitted_day,
        occasion_id=r.occasion_id,
    )


def target_out(t: Target) -> TargetOut:
    return TargetOut(
        target_id=t.id,
        campaign_id=t.campaign_id,
        unit_id=t.unit_id,
        name=t.name,
        metric=t.metric,
        unit_of_measure=t.unit_of_measure,
        target_value=float(t.target_value),
        direction=t.direction,
        weight=float(t.weight),
        deadline=t.deadline,
        revision=t.revision,
    )


Names = dict[UUID, tuple[str, str]]
"""Unit id → (name, code), as `store.units.unit_names` reads them."""


def unit_ref(unit_id: UUID, names: Names) -> UnitRef:
    name, code = names.get(unit_id, ("", ""))
    return UnitRef(unit_id=unit_id, code=code, name=name)


def dedicated_out(occasion_id: UUID, rows: list[Dedicated], names: Names) -> DedicatedOut:
    units = [
        DedicatedUnitOut(**unit_ref(x.unit_id, names).model_dump(), reports=x.reports,
                         achieved=x.achieved)
        for x in rows
    ]  # fmt: skip
    reports, achieved = sum(x.reports for x in rows), sum(x.achieved for x in rows)
    return DedicatedOut(occasion_id=occasion_id, reports=reports, achieved=achieved, units=units)


def _counts(x: UnitRow | Totals) -> dict[str, Any]:
    return {
        "completion": completion_out(x.completion),
        "targets": x.targets,
        "met_now": x.met_now,
        "achieved": x.achieved,
        "achieved_early": x.achieved_early,
    }


def figures(row: UnitRow, names: Names) -> dict[str, Any]:
    return {
        **unit_ref(row.unit_id, names).model_dump(),
        **_counts(row),
        "finished_early": row.finished_early,
    }


def totals_out(t: Totals) -> TotalsOut:
    return TotalsOut(**_counts(t))


def target_progress(x: store.targets.Loaded) -> TargetProgress:
    return TargetProgress(target=target_out(x.target), progress=progress_out(x.state))
