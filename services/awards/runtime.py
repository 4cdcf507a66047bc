"""What every command needs besides its unit of work: the settings, the clock (tests set it by
hand), and the pool for reads that run beside the request's transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Protocol
from zoneinfo import ZoneInfo

import asyncpg

from services.awards.config import AwardsConfig

VIETNAM = ZoneInfo("Asia/Ho_Chi_Minh")


class Clock(Protocol):
    def now(self) -> datetime: ...


class SystemClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class FixedClock:
    """A clock tests set by hand (notice periods, "year in the future")."""

    def __init__(self, now: datetime | date) -> None:
        self.current = _aware(now)

    def now(self) -> datetime:
        return self.current

    def set(self, now: datetime | date) -> None:
        self.current = _aware(now)


def _aware(value: datetime | date) -> datetime:
    if not isinstance(value, datetime):
        return datetime(value.year, value.month, value.day, 9, 0, tzinfo=VIETNAM)
    if value.tzinfo is None:
        raise ValueError("a clock's time carries a time zone")
    return value


def today(clock: Clock, tz: str = "Asia/Ho_Chi_Minh") -> date:
    """The day in Vietnam: what dates in the procedure mean."""
    return clock.now().astimezone(ZoneInfo(tz)).date()


@dataclass
class Runtime:
    """What the commands need besides the unit of work: settings and the clock."""

    cfg: AwardsConfig
    clock: Clock
    pool: asyncpg.Pool | None = None
    """For reads that may run beside the request's transaction (annual screening's load)."""

    def today(self) -> date:
        return today(self.clock, self.cfg.timezone)
