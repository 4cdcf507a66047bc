"""Request and answer bodies of the registry's HTTP API (OpenAPI documented).

Inputs refuse unknown fields and wrong JSON types (a number is not accepted as a string and a
string is not accepted as a number); texts are NFC and trimmed (schemas.types)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from schemas.types import (
    BlocKind,
    CampaignKind,
    Code,
    Direction,
    DisciplineLevel,
    Gender,
    LongText,
    Regime,
    StatusKind,
    Text,
    UnitKind,
    UnitLevel,
)
from servicekit.text import In

StrictYear = Annotated[int, Field(ge=1945, le=2100, strict=True)]
BirthYear = Annotated[int, Field(ge=1900, le=2100, strict=True)]
Number = Annotated[float, Field(allow_inf_nan=False, strict=True)]
Weight = Annotated[float, Field(ge=0, allow_inf_nan=False, strict=True)]
CitizenId = Annotated[str, StringConstraints(pattern=r"^\d{9}(\d{3})?$")]
Ids = Annotated[list[UUID], Field(max_length=5000)]


class Out(BaseModel):
    model_config = ConfigDict(use_attribute_docstrings=True)


# ---- units -----------------------------------------------------------------------------------


class NewUnit(In):
    code: Code
    """Electronic code (mã định danh điện tử); unique, never reused."""
    name: Text
    kind: UnitKind
    level: UnitLevel
    parent_id: UUID | None = None
    """The parent over the unit's first version; none at the top of the tree."""


class UnitIn(NewUnit):
    valid_from: date
    valid_to: date | None = None
    """Exclusive end, when already known."""

    @model_validator(mode="after")
    def _range(self) -> UnitIn:
        if self.valid_to is not None and self.valid_to <= self.valid_from:
            raise ValueError("valid_to must be after valid_from")
        return self


class UnitChangeIn(In):
    effective_from: date
    """The new version applies from this day to the end of the version in force that day."""
    name: Text | None = None
    kind: UnitKind | None = None
    level: UnitLevel | None = None
    parent_id: UUID | None = None
    """A new parent (moving the unit); `null` explicitly makes it a root."""


class UnitCloseIn(In):
    closed_on: date
    """The first day the unit no longer exists."""
    reason: Text | None = None
    move_children_to: UUID | None = None
    """Where the units under it go from `closed_on` (e.g. communes to the province when the
    districts were abolished)."""


class MergeIn(In):
    merged_unit_ids: Annotated[list[UUID], Field(min_length=1, max_length=100)]
    effective_on: date
    successor_id: UUID | None = None
    """An existing unit that absorbs the others…"""
    successor: NewUnit | None = None
    """…or a new unit registered from `effective_on`."""
    reason: Text | None = None

    @model_validator(mode="after")
    def _one_successor(self) -> MergeIn:
        if (self.successor_id is None) == (self.successor is None):
            raise ValueError("give exactly one of successor_id and successor")
        return self


class SplitIn(In):
    effective_on: date
    successors: Annotated[list[NewUnit], Field(min_length=1, max_length=50)]
    children: dict[UUID, Code] = Field(default_factory=dict)
    """For each unit under the split unit: the code of the successor it moves to."""
    reason: Text | None = None


class UnitOut(Out):
    unit_id: UUID
    code: str
    name: str
    kind: str
    level: str
    parent_id: UUID | None
    valid_from: date
    valid_to: date | None


class ClosureOut(Out):
    closed_on: date
    kind: str
    """closed, merged or split."""
    reason: str | None
    successor_ids: list[UUID]


class UnitDetail(UnitOut):
    history: list[UnitOut]
    """Every version, oldest first."""
    closure: ClosureOut | None
    predecessor_ids: list[UUID]
    """Units merged or split into this one."""


class TreeNode(Out):
    unit_id: UUID
    code: str
    name: str
    kind: str
    level: str
    children: list[TreeNode] = []


class UnitOperationOut(Out):
    """What a close, merge or split did."""

    registered: list[UnitOut] = []
    changed: list[UnitOut] = []
    closed: list[UUID] = []


# ---- people ----------------------------------------------------------------------------------


class PersonIn(In):
    full_name: Text
    gender: Gender
    birth_year: BirthYear
    unit_id: UUID
    position: Text
    """Chức vụ, e.g. "Phó Giám đốc"."""
    valid_from: date
    """Since when the person holds this position in this unit."""
    code: Code | None = None
    """Personnel code, optional: lets a later import recognise the person."""
    citizen_id: CitizenId | None = None
    """Optional; only its keyed hash is kept, and it is never returned or published."""


class PersonChangeIn(In):
    effective_from: date
    full_name: Text | None = None
    unit_id: UUID | None = None
    position: Text | None = None
    gender: Gender | None = None
    """A correction, not versioned."""
    birth_year: BirthYear | None = None
    """A correction, not versioned."""


class PersonVersionOut(Out):
    full_name: str
    unit_id: UUID
    position: str
    valid_from: date
    valid_to: date | None


class PersonOut(Out):
    person_id: UUID
    full_name: str
    gender: str
    birth_year: int
    unit_id: UUID
    position: str
    valid_from: date
    valid_to: date | None
    blocked: bool
    """A discipline, investigation, inspection or complaint applies on the day asked about."""


class StatusIn(In):
    kind: StatusKind
    discipline_level: DisciplineLevel | None = None
    """Only for a discipline; a unit's is a reprimand or a warning."""
    start: date
    end: date | None = None
    """Exclusive: the first day it no longer applies; none while pending or in force."""


class StatusEndIn(In):
    end: date


class StatusOut(Out):
    status_id: UUID
    person_id: UUID
    kind: str
    discipline_level: str | None
    start: date
    end: date | None


class UnitStatusOut(Out):
    status_id: UUID
    unit_id: UUID
    kind: str
    discipline_level: str | None
    start: date
    end: date | None


class PersonDetail(PersonOut):
    code: str | None
    history: list[PersonVersionOut]
    statuses: list[StatusOut]


# ---- blocs -----------------------------------------------------------------------------------


class BlocYearIn(In):
    year: StrictYear
    member_unit_ids: Annotated[list[UUID], Field(min_length=1, max_length=500)]
    formed_on: date | None = None
    """Default: 1 January of the year."""
    scoring_scheme_ref: Code | None = None
    head_unit_id: UUID | None = None
    deputy_unit_id: UUID | None = None


class BlocIn(BlocYearIn):
    code: Code
    name: Text
    kind: BlocKind


class MembershipChangeIn(In):
    add_unit_ids: Annotated[list[UUID], Field(max_length=500)] = []
    remove_unit_ids: Annotated[list[UUID], Field(max_length=500)] = []
    effective_on: date


class HeadIn(In):
    head_unit_id: UUID
    deputy_unit_id: UUID | None = None
    effective_on: date | None = None
    """The first day of the new head's term (a head elected mid-year: the previous one stays
    head before it); both units are members that day. Default: the bloc's formation for a first
    head, else from the current members."""


class MembershipOut(Out):
    unit_id: UUID
    joined_on: date
    left_on: date | None


class BlocOut(Out):
    bloc_id: UUID
    code: str
    name: str
    kind: str
    year: int
    formed_on: date
    head_unit_id: UUID | None
    deputy_unit_id: UUID | None
    scoring_scheme_ref: str | None
    member_unit_ids: list[UUID]
    """Current members (who have not left)."""


class BlocDetail(BlocOut):
    memberships: list[MembershipOut]
    years: list[int]
    """Every year the bloc was formed."""


# ---- campaigns and targets -------------------------------------------------------------------


class CampaignIn(In):
    code: Code
    title: Text
    theme: LongText
    """Chủ đề."""
    goals: Annotated[list[LongText], Field(max_length=100)] = []
    kind: CampaignKind
    start: date
    end: date
    launched_by: UUID
    """The launching unit (e.g. the provincial People's Committee)."""
    regime: Regime | None = None
    """Override of the regime derived from the dates (achievements to 2023: "2013", from 2024:
    "2022")."""
    participating_unit_ids: Ids = []
    bloc_ids: Annotated[list[UUID], Field(max_length=500)] = []
    parent_campaign_id: UUID | None = None
    """The launched campaign this one answers: a unit's own movement (phong trào hưởng ứng). Its
    period lies within the parent's, its launching unit takes part in the parent, its units are
    the launching unit and units under it."""
    sub_themes: Annotated[list[LongText], Field(max_length=100)] = []
    """Chuyên đề thi đua."""
    occasion_ids: Annotated[list[UUID], Field(max_length=50)] = []
    """The occasions (GET /occasions) its achievements are dedicated to."""

    @model_validator(mode="after")
    def _range(self) -> CampaignIn:
        if self.end < self.start:
            raise ValueError("the campaign ends before it starts")
        return self


class CampaignPatch(In):
    """Changes of a draft; `"regime": null` goes back to the derived regime."""

    code: Code | None = None
    title: Text | None = None
    theme: LongText | None = None
    goals: Annotated[list[LongText], Field(max_length=100)] | None = None
    kind: CampaignKind | None = None
    start: date | None = None
    end: date | None = None
    launched_by: UUID | None = None
    regime: Regime | None = None
    participating_unit_ids: Ids | None = None
    bloc_ids: Annotated[list[UUID], Field(max_length=500)] | None = None
    sub_themes: Annotated[list[LongText], Field(max_length=100)] | None = None
    occasion_ids: Annotated[list[UUID], Field(max_length=50)] | None = None


class CampaignCloseIn(In):
    closed_on: date
    summary: LongText | None = None


class CampaignSummary(Out):
    campaign_id: UUID
    code: str
    title: str
    kind: str
    start: date
    end: date
    regime: str
    state: str
    launched_by: UUID


class CampaignOut(CampaignSummary):
    theme: str
    goals: list[str]
    regime_overridden: bool
    participating_unit_ids: list[UUID]
    bloc_ids: list[UUID]
    launched_on: date | None
    closed_on: date | None
    summary: str | None
    parent_campaign_id: UUID | None = None
    sub_themes: list[str] = []
    occasion_ids: list[UUID] = []


class OccasionIn(In):
    code: Code
    name: Text
    """E.g. "Đại hội Thi đua yêu nước tỉnh Cà Mau lần thứ VI"."""
    starts_on: date
    ends_on: date | None = None
    """The last day of a congress spanning days; none for a single day."""


class OccasionOut(Out):
    occasion_id: UUID
    code: str
    name: str
    starts_on: date
    ends_on: date | None


class ProblemItem(Out):
    pointer: str
    detail: str
    type: str


class ReadinessOut(Out):
    complete: bool
    problems: list[ProblemItem]
    participant_unit_ids: list[UUID]


class TargetIn(In):
    unit_id: UUID
    name: Text
    metric: Text
    unit_of_measure: Text
    target_value: Number
    direction: Direction
    weight: Weight = 1.0
    deadline: date
    indicator_code: Code | None = None
    allow_negative: bool = Field(default=False, strict=True)
    """Whether reported values may be below zero (a growth rate can fall); counts, amounts and
    shares cannot. A negative target value needs it."""


class TargetRevisionIn(In):
    reason: Text | None = None
    """Required once the campaign is launched."""
    name: Text | None = None
    metric: Text | None = None
    unit_of_measure: Text | None = None
    target_value: Number | None = None
    direction: Direction | None = None
    weight: Weight | None = None
    deadline: date | None = None
    indicator_code: Code | None = None
    allow_negative: bool | None = Field(default=None, strict=True)


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
    indicator_code: str | None
    revision: int
    allow_negative: bool


class TargetRevisionOut(Out):
    revision: int
    name: str
    metric: str
    unit_of_measure: str
    target_value: float
    direction: str
    weight: float
    deadline: date
    indicator_code: str | None
    reason: str | None
    allow_negative: bool


class TargetDetail(TargetOut):
    revisions: list[TargetRevisionOut]
    """Published revisions, oldest first (none while the campaign is a draft)."""
