"""Events published by the registry: units, people, blocs, campaigns and their targets.

Changed-events carry the whole new state of the aggregate, not a diff: a consumer that missed
nothing and one that replays from offset zero build the same read model with a plain upsert.
"""

from __future__ import annotations

from datetime import date
from uuid import UUID

from pydantic import Field, model_validator

from schemas.base import Event
from schemas.types import (
    BlocKind,
    CampaignKind,
    ClosureKind,
    Code,
    CollectiveDisciplineLevel,
    Direction,
    DisciplineLevel,
    Gender,
    LongText,
    Measure,
    NonNegativeMeasure,
    Part,
    Regime,
    StatusKind,
    Text,
    UnitKind,
    UnitLevel,
    Year,
)


def _ordered(start: date, end: date | None, what: str) -> None:
    if end is not None and end < start:
        raise ValueError(f"{what} ends before it starts")


def _unique(ids: list[UUID], what: str) -> None:
    if len(set(ids)) != len(ids):
        raise ValueError(f"{what} lists an id twice")


def _status_consistent(kind: str, level: str | None, start: date, end: date | None) -> None:
    _ordered(start, end, "the status")
    if (kind == "discipline") != (level is not None):
        raise ValueError("discipline_level is required for a discipline, and only for one")


# Units (registry.units.v1, key unit_id)


class UnitRegistered(Event, owner="registry", key="unit_id"):
    """A unit (agency, organisation, enterprise, locality) entered the registry."""

    unit_id: UUID
    code: Code
    name: Text
    kind: UnitKind
    parent_id: UUID | None = None
    """The parent unit over [valid_from, valid_to); none for the top of the tree."""
    level: UnitLevel
    valid_from: date
    valid_to: date | None = None
    """Exclusive end; none while the unit exists."""

    @model_validator(mode="after")
    def _check(self) -> UnitRegistered:
        _ordered(self.valid_from, self.valid_to, "the validity")
        return self


class UnitChanged(Event, owner="registry", key="unit_id"):
    """A new version of a unit (name, kind, parent or level), in force from `valid_from`."""

    unit_id: UUID
    code: Code
    name: Text
    kind: UnitKind
    parent_id: UUID | None = None
    level: UnitLevel
    valid_from: date
    valid_to: date | None = None

    @model_validator(mode="after")
    def _check(self) -> UnitChanged:
        _ordered(self.valid_from, self.valid_to, "the validity")
        return self


class UnitMerged(Event, owner="registry", key="unit_id"):
    """Units were merged into a successor. Keyed by the successor, whose registration precedes
    this event in its partition; the merged units no longer exist from `effective_on`."""

    unit_id: UUID
    """The successor."""
    merged_unit_ids: list[UUID] = Field(min_length=1)
    effective_on: date

    @model_validator(mode="after")
    def _check(self) -> UnitMerged:
        _unique(self.merged_unit_ids, "merged_unit_ids")
        if self.unit_id in self.merged_unit_ids:
            raise ValueError("a unit cannot be merged into itself")
        return self


class UnitClosed(Event, owner="registry", key="unit_id"):
    """A unit ceased to exist (dissolved, or abolished like the districts in 2025)."""

    unit_id: UUID
    closed_on: date
    """The first day the unit no longer exists (the end of its validity, exclusive)."""
    reason: Text | None = None
    closure_kind: ClosureKind | None = None
    """closed (dissolved or abolished), merged or split; absent in events published before it
    was carried."""
    successor_unit_ids: list[UUID] = Field(default_factory=list)
    """The unit(s) that took over: the merge's successor, or the split's successors."""

    @model_validator(mode="after")
    def _check(self) -> UnitClosed:
        _unique(self.successor_unit_ids, "successor_unit_ids")
        if self.unit_id in self.successor_unit_ids:
            raise ValueError("a unit cannot succeed itself")
        return self


class UnitStatusChanged(Event, owner="registry", key="unit_id"):
    """A discipline, investigation, inspection or complaint concerning a unit (a collective)
    started, changed or ended. A pending one blocks the collective's nominations (Nghị định
    98/2023 Điều 4), as PersonStatusChanged does a person's."""

    unit_id: UUID
    status_id: UUID
    """Identifies this status among the unit's statuses, so a later event can end it."""
    kind: StatusKind
    discipline_level: CollectiveDisciplineLevel | None = None
    """Only for kind "discipline"."""
    start: date
    end: date | None = None
    """Exclusive; none while pending or in force."""

    @model_validator(mode="after")
    def _check(self) -> UnitStatusChanged:
        _status_consistent(self.kind, self.discipline_level, self.start, self.end)
        return self


# People (registry.people.v1, key person_id). Minimal personal data: no citizen id, no address,
# no ethnicity; gender and birth year only because award rules need them.


class PersonRegistered(Event, owner="registry", key="person_id"):
    """A person working in a unit entered the registry."""

    person_id: UUID
    full_name: Text
    gender: Gender
    birth_year: int = Field(ge=1900, le=2100)
    unit_id: UUID
    position: Text
    """Chức vụ, e.g. "Phó Giám đốc"."""
    valid_from: date


class PersonChanged(Event, owner="registry", key="person_id"):
    """A new version of a person's record (name, unit or position), in force from `valid_from`."""

    person_id: UUID
    full_name: Text
    gender: Gender
    birth_year: int = Field(ge=1900, le=2100)
    unit_id: UUID
    position: Text
    valid_from: date


class PersonStatusChanged(Event, owner="registry", key="person_id"):
    """A discipline, investigation, inspection or complaint concerning a person started, changed or
    ended. A pending one blocks nominations (Nghị định 98/2023 Điều 4)."""

    person_id: UUID
    status_id: UUID
    """Identifies this status among the person's statuses, so a later event can end it."""
    kind: StatusKind
    discipline_level: DisciplineLevel | None = None
    """Only for kind "discipline"."""
    start: date
    end: date | None = None
    """Exclusive: the first day it no longer applies; none while pending or in force."""

    @model_validator(mode="after")
    def _check(self) -> PersonStatusChanged:
        _status_consistent(self.kind, self.discipline_level, self.start, self.end)
        return self


# Blocs and clusters (registry.blocs.v1, key bloc_id). Membership is per year.


class BlocFormed(Event, owner="registry", key="bloc_id"):
    """A bloc (khối) or cluster (cụm thi đua) was formed for a year with its members."""

    bloc_id: UUID
    year: Year
    code: Code
    name: Text
    kind: BlocKind
    member_unit_ids: list[UUID] = Field(min_length=1)
    scoring_scheme_ref: Code | None = None
    """The scoring scheme (thang điểm) the bloc adopted; its content is data kept by progress."""
    formed_on: date | None = None
    """The day the members' membership starts (within `year`); absent in events published
    before it was carried: 1 January."""

    @model_validator(mode="after")
    def _check(self) -> BlocFormed:
        _unique(self.member_unit_ids, "member_unit_ids")
        if self.formed_on is not None and self.formed_on.year != self.year:
            raise ValueError("formed_on lies outside the bloc's year")
        return self


class BlocMembershipChanged(Event, owner="registry", key="bloc_id"):
    """Units joined or left a bloc during a year. `member_unit_ids` is the membership after."""

    bloc_id: UUID
    year: Year
    member_unit_ids: list[UUID] = Field(min_length=1)
    added_unit_ids: list[UUID] = Field(default_factory=list)
    removed_unit_ids: list[UUID] = Field(default_factory=list)
    effective_on: date

    @model_validator(mode="after")
    def _check(self) -> BlocMembershipChanged:
        _unique(self.member_unit_ids, "member_unit_ids")
        if set(self.removed_unit_ids) & set(self.member_unit_ids):
            raise ValueError("a removed unit is still listed as a member")
        if not set(self.added_unit_ids) <= set(self.member_unit_ids):
            raise ValueError("an added unit is missing from member_unit_ids")
        return self


class BlocHeadElected(Event, owner="registry", key="bloc_id"):
    """Members elected the bloc's head (khối trưởng) and deputy (khối phó) for a year."""

    bloc_id: UUID
    year: Year
    head_unit_id: UUID
    deputy_unit_id: UUID | None = None
    effective_on: date | None = None
    """The first day of this head's term within `year`; the previous head's term ends the day
    before. Absent in events published before it was carried: the whole year."""

    @model_validator(mode="after")
    def _check(self) -> BlocHeadElected:
        if self.head_unit_id == self.deputy_unit_id:
            raise ValueError("the head cannot also be the deputy")
        if self.effective_on is not None and self.effective_on.year != self.year:
            raise ValueError("effective_on lies outside the bloc's year")
        return self


# Campaigns and targets (registry.campaigns.v1, key campaign_id: targets belong to the campaign).


class TargetSpec(Part):
    """A target (chỉ tiêu) assigned to a unit within a campaign."""

    target_id: UUID
    unit_id: UUID
    name: Text
    metric: Text
    """What is measured, e.g. "Tổng thu ngân sách nhà nước"."""
    unit_of_measure: Text
    """E.g. "tỷ đồng", "%", "km"."""
    target_value: Measure
    direction: Direction
    weight: NonNegativeMeasure = 1.0
    """Weight of the target in the unit's score."""
    deadline: date
    indicator_code: Code | None = None
    """The indicator in the province's socio-economic plan, when there is one."""
    allow_negative: bool = False
    """Whether reported values may be below zero (a growth rate can fall); counts, amounts and
    shares cannot."""


class CampaignLaunched(Event, owner="registry", key="campaign_id"):
    """An emulation campaign (phong trào / đợt thi đua) was launched. `targets` are the ones set at
    launch; later ones come as TargetAssigned."""

    campaign_id: UUID
    code: Code
    title: Text
    theme: LongText
    """Chủ đề."""
    goals: list[LongText] = Field(default_factory=list)
    kind: CampaignKind
    start: date
    end: date
    launched_by: UUID
    """The unit that launched it (e.g. the provincial People's Committee)."""
    regime: Regime
    """The legal regime its achievements are judged under."""
    participating_unit_ids: list[UUID] = Field(default_factory=list)
    bloc_ids: list[UUID] = Field(default_factory=list)
    targets: list[TargetSpec] = Field(default_factory=list)
    parent_campaign_id: UUID | None = None
    """The campaign this one answers: a unit's own movement (phong trào hưởng ứng) launched by
    `launched_by` for itself and the units under it. Absent for the province's own campaigns."""
    sub_themes: list[LongText] = Field(default_factory=list)
    """Chuyên đề thi đua."""
    occasion_ids: list[UUID] = Field(default_factory=list)
    """The occasions (OccasionDefined) its achievements are dedicated to (lập thành tích chào
    mừng)."""

    @model_validator(mode="after")
    def _check(self) -> CampaignLaunched:
        _ordered(self.start, self.end, "the campaign")
        _unique(self.participating_unit_ids, "participating_unit_ids")
        _unique(self.bloc_ids, "bloc_ids")
        _unique([t.target_id for t in self.targets], "targets")
        _unique(self.occasion_ids, "occasion_ids")
        return self


class OccasionDefined(Event, owner="registry", key="occasion_id"):
    """An occasion the province dedicates achievements to (lập thành tích chào mừng): a congress
    (Đại hội Đảng các cấp, Đại hội Thi đua yêu nước), an anniversary. Defined again when it
    changes; the latest stands."""

    occasion_id: UUID
    code: Code
    name: Text
    starts_on: date
    ends_on: date | None = None
    """The last day of a congress spanning days; none for a single day."""

    @model_validator(mode="after")
    def _check(self) -> OccasionDefined:
        _ordered(self.starts_on, self.ends_on, "the occasion")
        return self


class CampaignClosed(Event, owner="registry", key="campaign_id"):
    """A campaign ended; no more reports are taken against its targets."""

    campaign_id: UUID
    closed_on: date
    summary: LongText | None = None


class TargetAssigned(Event, owner="registry", key="campaign_id"):
    """A target was assigned to a unit after the campaign's launch."""

    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    name: Text
    metric: Text
    unit_of_measure: Text
    target_value: Measure
    direction: Direction
    weight: NonNegativeMeasure = 1.0
    deadline: date
    indicator_code: Code | None = None
    revision: int = Field(default=1, ge=1)
    allow_negative: bool = False
    """Whether reported values may be below zero (a growth rate can fall)."""


class TargetRevised(Event, owner="registry", key="campaign_id"):
    """A target's terms changed. Carries the whole target as revised; `revision` grows by one."""

    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    name: Text
    metric: Text
    unit_of_measure: Text
    target_value: Measure
    direction: Direction
    weight: NonNegativeMeasure = 1.0
    deadline: date
    indicator_code: Code | None = None
    revision: int = Field(ge=2)
    reason: Text | None = None
    allow_negative: bool = False
    """Whether reported values may be below zero (a growth rate can fall)."""


EVENTS: tuple[type[Event], ...] = (
    UnitRegistered,
    UnitChanged,
    UnitMerged,
    UnitClosed,
    UnitStatusChanged,
    PersonRegistered,
    PersonChanged,
    PersonStatusChanged,
    BlocFormed,
    BlocMembershipChanged,
    BlocHeadElected,
    CampaignLaunched,
    CampaignClosed,
    TargetAssigned,
    TargetRevised,
    OccasionDefined,
)
