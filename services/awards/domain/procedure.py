"""Procedure arithmetic: public notice in working days, the council's tally,
award money. Pure functions: dates and votes come in as parameters.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache

import holidays

from services.awards.domain.policy import DEFAULT_CONFIG, ScreeningConfig

# Public notice


@lru_cache(maxsize=1)
def _vn_calendar() -> holidays.HolidayBase:
    # Includes Tết, 30/4, 1/5, 2/9, Giỗ Tổ, and the weekend days the government swaps into
    # working days for a bridge holiday (`weekend_workdays`), which `is_working_day` honours.
    return holidays.country_holidays("VN")


def is_working_day(
    day: date, *, days_off: Iterable[date] = (), workdays: Iterable[date] = ()
) -> bool:
    """A Vietnamese working day: not a weekend, not a public holiday, unless swapped. `days_off`
    and `workdays` add the government's yearly arrangements the calendar may not know yet."""
    if day in frozenset(workdays):
        return True
    if day in frozenset(days_off):
        return False
    return _vn_calendar().is_working_day(day)


def notice_end(
    start: date,
    working_days: int,
    *,
    days_off: Iterable[date] = (),
    workdays: Iterable[date] = (),
) -> date:
    """The last day of a public notice posted on `start` that must run `working_days` working
    days: `start` counts when it is a working day. The council may vote on the next working day."""
    if working_days < 1:
        raise ValueError("working_days must be at least 1")
    off, on = frozenset(days_off), frozenset(workdays)
    day, counted = start, 0
    while True:
        if is_working_day(day, days_off=off, workdays=on):
            counted += 1
            if counted == working_days:
                return day
        day += timedelta(days=1)


def notice_end_for(start: date, config: ScreeningConfig = DEFAULT_CONFIG) -> date:
    """`notice_end` with the configured period and calendar adjustments."""
    return notice_end(
        start,
        config.notice_working_days,
        days_off=config.extra_days_off,
        workdays=config.extra_workdays,
    )


# Council vote


@dataclass(frozen=True, slots=True)
class Ballot:
    """Votes on one nomination: cast at the meeting, and in writing by absent members."""

    yes: int = 0
    no: int = 0
    abstain: int = 0
    written_yes: int = 0
    written_no: int = 0
    written_abstain: int = 0

    @property
    def total_yes(self) -> int:
        return self.yes + self.written_yes

    @property
    def cast(self) -> int:
        return (
            self.yes + self.no + self.abstain + self.written_yes + self.written_no
            + self.written_abstain
        )  # fmt: skip


@dataclass(frozen=True, slots=True)
class Tally:
    approved: bool
    votes_for: int
    required: int
    """Votes in favour needed: ceil(threshold x ALL members), not of those present."""
    members_total: int
    threshold: float


def tally(ballot: Ballot, council_size: int, threshold: float) -> Tally:
    """Approved when votes in favour (including absent members' written votes) reach `threshold`
    of ALL council members (Nghị định 91/2017 Điều 45.8: "từ 90% trở lên tính trên tổng số thành
    viên của Hội đồng"). The threshold is read as a decimal (0.9 is 9/10 exactly)."""
    if council_size < 1:
        raise ValueError("a council has at least one member")
    if not 0 < threshold <= 1:
        raise ValueError("threshold must be in (0, 1]")
    counts = (
        *(ballot.yes, ballot.no, ballot.abstain),
        *(ballot.written_yes, ballot.written_no, ballot.written_abstain),
    )
    if min(counts) < 0:
        raise ValueError("negative vote count")
    if ballot.cast > council_size:
        raise ValueError("more votes than council members")
    required = math.ceil(Fraction(str(threshold)) * council_size)
    return Tally(ballot.total_yes >= required, ballot.total_yes, required, council_size, threshold)


# Award money


def award_money(
    code: str,
    kind: str,
    decided_on: date,
    config: ScreeningConfig = DEFAULT_CONFIG,
) -> int:
    """Award money in đồng: multiplier x base salary in force on the decision date, rounded UP to
    the next 10,000 đồng (Nghị định 91/2017 Điều 68.2: "làm tròn số lên hàng chục nghìn đồng";
    the rounding unit is configurable). The multiplier table is the one in force on the decision
    date as well. Raises LookupError for an award with no configured multiplier."""
    base = config.base_salary_on(decided_on).vnd
    table = config.money_table_on(decided_on)
    multiplier = table.multipliers.get((code, kind))
    if multiplier is None:
        raise LookupError(f"no award money configured for {kind} {code} ({table.source})")
    step = config.money_round_up_to
    amount = multiplier * Decimal(base)
    return int((amount / step).to_integral_value(rounding="ROUND_CEILING")) * step
