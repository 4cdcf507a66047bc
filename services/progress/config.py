"""The progress service's own settings (beside servicekit's ServiceSettings), from
THIDUA_PROGRESS_*, and its clock.

Every parameter the rules leave to the province (or that the law does not settle) is here with its
default, never a constant in code.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any, Protocol

from pydantic import Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.progress.domain import MergedResults, ScoringScheme
from services.progress.domain.deadlines import DEFAULT_LEAD_DAYS
from services.progress.domain.model import VIETNAM

DEFAULT_SCHEME: dict[str, Any] = {
    "ref": "default",
    "criteria": [
        {"name": "completion", "weight": 1, "max_points": 70},
        {"name": "early_finish", "weight": 1, "max_points": 20},
        {"name": "timeliness", "weight": 1, "max_points": 10},
    ],
    "score_places": 2,
}


class ProgressConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THIDUA_PROGRESS_", extra="ignore")

    consume: bool = True
    """Run the consumer (the registry's topics, and with `read_own_topics` progress's own). Off
    in API-only tests."""
    read_own_topics: bool = False
    """Also consume progress's own topics (reports, standings, schemes, ratings, initiatives):
    what a rebuild on an empty database needs (`./thidua replay` sets it). A live instance
    leaves it off: every event it published is already in its database, and reading each back
    doubled the database work per report (measured by bench/latency.py)."""
    batch_size: int = Field(default=2000, ge=1)
    """Records per consumed batch (one transaction each)."""
    topic_map: dict[str, str] = Field(default_factory=dict)
    """Catalog topic name → topic actually used, for consuming and publishing (tests, or a rebuild
    side by side with the live service). Empty in production."""

    due_lead_days: int = Field(default=DEFAULT_LEAD_DAYS, ge=0)
    """ReportDueSoon goes out this many days before a target's deadline."""
    overdue_window_days: int = Field(default=60, ge=0)
    """Reminders concern targets whose deadline passed at most this many days ago."""
    scheduler: bool = True
    """Run the timed work (reminders, the day's standings, year-end leaders). A rebuild runs
    without it until it has caught up with the topics."""
    scheduler_interval_seconds: float = Field(default=300.0, gt=0)
    scheduler_start_delay_seconds: float = Field(default=30.0, ge=0)
    """Lets a starting instance's consumer catch up before the first round."""
    standings_interval_seconds: float = Field(default=1.0, gt=0)
    """How often blocs whose inputs changed get their standings recomputed."""
    year_end_review_from: str = "12-01"
    """Month-day from which a bloc head may have the year's leader determined (bình xét cuối
    năm)."""
    assessment_closes_on: str = "01-15"
    """Month-day of the year after, from which the year's assessment is closed: the scheduler
    then determines the leaders the score or a recorded vote decides, of the blocs formed before
    that day (assessed live). Before it, and for a year recorded after the fact, the leader is
    determined by an act of the bloc head or the province (POST …/leader), never by reports
    arriving."""
    merged_results: MergedResults = "carry_over"
    """What a bloc's year does with units merged during it (the 2025 reform): "carry_over" ranks
    the successor with the merged units' targets and points (they are shown as merged into it),
    "separate" ranks each on its own until the year's end. Stated in the standings."""
    default_scheme: dict[str, Any] = Field(default_factory=lambda: dict(DEFAULT_SCHEME))
    """The scoring scheme of a bloc that has none of its own and no named one."""
    max_batch_reports: int = Field(default=5000, ge=1)
    import_max_rows: int = Field(default=10_000, ge=1)
    """Rows of one imported reports file (`POST /imports/reports`), as the registry's imports;
    the file's bytes are bounded by servicekit's `max_upload_bytes`."""

    def topic(self, name: str) -> str:
        return self.topic_map.get(name, name)

    def scheme(self) -> ScoringScheme:
        return ScoringScheme.model_validate(self.default_scheme)

    def assessment_closes(self, year: int) -> date:
        month, day = (int(part) for part in self.assessment_closes_on.split("-"))
        return date(year + 1, month, day)

    def review_opens(self, year: int) -> date:
        month, day = (int(part) for part in self.year_end_review_from.split("-"))
        return date(year, month, day)


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests move by hand."""

    def __init__(self, now: datetime) -> None:
        if now.tzinfo is None:
            raise ValueError("a clock's time carries a time zone")
        self.current = now

    def now(self) -> datetime:
        return self.current

    def set(self, now: datetime) -> None:
        self.current = now


def today(clock: Clock) -> date:
    """The day in Vietnam (Asia/Ho_Chi_Minh), which is what dates in reports mean."""
    return clock.now().astimezone(VIETNAM).date()
