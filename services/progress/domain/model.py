"""The progress service's view of campaigns, targets and reports: plain frozen records.

Dataclasses rather than pydantic models: these are built once per event on the hot path (a replay
is a million reports), and their inputs were already validated by the event contracts in `schemas/`
or by `reports.check_report`. `__post_init__` still refuses values no computation could use.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from typing import Literal, get_args
from uuid import UUID

from schemas.types import Direction

VIETNAM = timezone(timedelta(hours=7), "Asia/Ho_Chi_Minh")
"""Fixed UTC+7: Vietnam has kept no daylight saving time since 1975, so no tz database needed."""

CampaignState = Literal["draft", "launched", "closed"]
DIRECTIONS: tuple[Direction, ...] = get_args(Direction)
CAMPAIGN_STATES: tuple[CampaignState, ...] = ("draft", "launched", "closed")


@dataclass(frozen=True, slots=True)
class Target:
    """A target (chỉ tiêu) assigned to one unit within a campaign, at one revision."""

    id: UUID
    campaign_id: UUID
    unit_id: UUID
    name: str
    metric: str
    unit_of_measure: str
    target_value: Decimal
    direction: Direction
    weight: Decimal
    deadline: date
    revision: int = 1
    allow_negative: bool = False
    """Growth rates can fall below zero; counts, amounts and shares cannot. The registry's target
    events do not carry this yet, so it defaults to refusing negative reports."""

    def __post_init__(self) -> None:
        if self.direction not in DIRECTIONS:
            raise ValueError(f"unknown direction {self.direction!r}")
        if not (self.target_value.is_finite() and self.weight.is_finite()):
            raise ValueError("target_value and weight must be finite")
        if self.weight < 0:
            raise ValueError("weight must not be negative")
        if self.revision < 1:
            raise ValueError("revision starts at 1")


@dataclass(frozen=True, slots=True)
class Campaign:
    id: UUID
    state: CampaignState
    start: date
    end: date
    units: frozenset[UUID] = frozenset()
    blocs: frozenset[UUID] = frozenset()

    def __post_init__(self) -> None:
        if self.state not in CAMPAIGN_STATES:
            raise ValueError(f"unknown campaign state {self.state!r}")
        if self.end < self.start:
            raise ValueError("campaign ends before it starts")


@dataclass(frozen=True, slots=True)
class Report:
    """A value reported for a target as of a day. Never edited: a correction is a new report
    whose `supersedes` names the one it corrects."""

    id: UUID
    target_id: UUID
    unit_id: UUID
    value: Decimal
    as_of: date
    reported_at: datetime
    note: str | None = None
    evidence: tuple[str, ...] = field(default=())
    supersedes: UUID | None = None
    submitted_on: date | None = None
    """The day the unit submitted it, when entered later than that (a past record entered after
    the fact); None: the day it arrived (`reported_at`)."""
    occasion_id: UUID | None = None
    """The occasion the achievement is dedicated to (lập thành tích chào mừng), one its campaign
    is dedicated to; None: none named."""

    def __post_init__(self) -> None:
        if self.reported_at.tzinfo is None:  # naive and aware datetimes cannot be ordered together
            raise ValueError("reported_at must carry a time zone")

    @property
    def submitted_day(self) -> date:
        """The day timeliness reads: the submission date given, else the day of arrival
        (Vietnam's calendar)."""
        return self.submitted_on or self.reported_at.astimezone(VIETNAM).date()

    @property
    def first_key(self) -> tuple[date, datetime, UUID]:
        """The first report (for timeliness) is the one submitted first; arrival orders those
        submitted the same day."""
        return (self.submitted_day, self.reported_at, self.id)

    @property
    def sort_key(self) -> tuple[date, datetime, UUID]:
        """Latest wins: by the day described, then by when it was said; the id only makes the
        order total (two reports in the same instant)."""
        return (self.as_of, self.reported_at, self.id)
