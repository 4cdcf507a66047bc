"""Procedure arithmetic: public notice in Vietnamese working days, the council's tally against ALL
members, award money from the base salary at the decision date."""

from __future__ import annotations

from dataclasses import replace
from datetime import date

import pytest

from services.awards.domain import (
    DEFAULT_CONFIG,
    Ballot,
    ScreeningConfig,
    award_money,
    is_working_day,
    notice_end,
    notice_end_for,
    tally,
)
from services.awards.domain.policy import BaseSalary


@pytest.mark.parametrize(
    ("start", "days", "end"),
    [
        pytest.param(date(2025, 3, 3), 10, date(2025, 3, 14), id="two-plain-weeks"),
        pytest.param(date(2025, 1, 20), 10, date(2025, 2, 7), id="across-Tet-2025"),
        pytest.param(date(2024, 2, 5), 3, date(2024, 2, 7), id="ends-before-Tet-2024"),
        pytest.param(date(2024, 2, 5), 4, date(2024, 2, 15), id="Tet-2024-pushes-a-week"),
        pytest.param(date(2026, 2, 9), 10, date(2026, 2, 27), id="across-Tet-2026"),
        pytest.param(
            date(2025, 4, 24), 10, date(2025, 5, 9), id="across-30-4-with-swapped-Saturday"
        ),
        pytest.param(
            date(2024, 4, 25), 5, date(2024, 5, 4), id="30-4-2024-ends-on-worked-Saturday"
        ),
        pytest.param(date(2025, 8, 28), 10, date(2025, 9, 12), id="across-2-9-2025"),
        pytest.param(date(2025, 1, 25), 1, date(2025, 2, 3), id="posted-on-Saturday-before-Tet"),
    ],
)
def test_notice_end_counts_vietnamese_working_days(start, days, end):
    assert notice_end(start, days) == end


def test_holidays_and_swapped_days_are_known():
    assert not is_working_day(date(2025, 1, 29))  # Mùng 1 Tết Ất Tỵ
    assert not is_working_day(date(2025, 9, 2))  # Quốc khánh
    assert not is_working_day(date(2025, 4, 7))  # Giỗ Tổ Hùng Vương
    assert is_working_day(date(2025, 4, 26))  # Saturday worked for the 2 May bridge day
    assert not is_working_day(date(2025, 3, 8))  # an ordinary Saturday


def test_notice_uses_configured_period_and_extra_days_off():
    config = ScreeningConfig(notice_working_days=5, extra_days_off=frozenset({date(2025, 3, 5)}))
    assert notice_end_for(date(2025, 3, 3), config) == date(2025, 3, 10)
    assert notice_end_for(date(2025, 3, 3)) == date(2025, 3, 14)  # default: 10 working days
    assert notice_end(date(2025, 3, 1), 1, workdays={date(2025, 3, 1)}) == date(2025, 3, 1)


def test_notice_needs_at_least_one_day():
    with pytest.raises(ValueError):
        notice_end(date(2025, 3, 3), 0)


@pytest.mark.parametrize(
    ("ballot", "size", "approved", "required"),
    [
        pytest.param(Ballot(yes=18, no=2), 20, True, 18, id="18-of-20-approved"),
        pytest.param(Ballot(yes=17, no=3), 20, False, 18, id="17-of-20-rejected"),
        pytest.param(Ballot(yes=16, no=1, written_yes=2, written_no=1), 20, True, 18,
                     id="absent-members-written-yes-counted"),
        pytest.param(Ballot(yes=17, no=0, written_no=3), 20, False, 18,
                     id="absent-members-written-no-counted"),
        pytest.param(Ballot(yes=17), 20, False, 18, id="17-of-17-present-still-rejected"),
        pytest.param(Ballot(yes=10, abstain=1), 11, True, 10, id="ceil-of-9.9-is-10"),
        pytest.param(Ballot(yes=9, no=0), 11, False, 10, id="9-of-11-rejected"),
        pytest.param(Ballot(yes=27, abstain=3), 30, True, 27, id="27-of-30-exactly-90-percent"),
    ],
)  # fmt: skip
def test_council_tally_counts_all_members(ballot, size, approved, required):
    result = tally(ballot, size, 0.9)
    assert (result.approved, result.required) == (approved, required)


def test_tally_rejects_more_votes_than_members():
    with pytest.raises(ValueError, match="more votes"):
        tally(Ballot(yes=19, written_yes=2), 20, 0.9)


def test_council_threshold_is_configured_per_regime_and_award():
    assert DEFAULT_CONFIG.council_threshold("CSTD_TINH", "2013") == 0.9
    assert DEFAULT_CONFIG.council_threshold("CSTD_TQ", "2022") == 0.9
    assert DEFAULT_CONFIG.council_threshold("LDTT", "2022") is None
    custom = ScreeningConfig(council_thresholds={"2022": {"CSTD_TINH": 0.75}})
    assert custom.council_threshold("CSTD_TINH", "2022") == 0.75
    assert tally(Ballot(yes=15, no=5), 20, custom.council_threshold("CSTD_TINH", "2022")).approved


@pytest.mark.parametrize(
    ("code", "kind", "decided_on", "amount"),
    [
        pytest.param("LDTT", "person", date(2023, 6, 30), 450_000, id="LDTT-1.49M-rounded-up"),
        pytest.param("LDTT", "person", date(2023, 7, 1), 540_000, id="LDTT-1.8M"),
        pytest.param("CSTD_TINH", "person", date(2024, 6, 30), 5_400_000, id="CSTD_TINH-1.8M"),
        pytest.param("CSTD_TINH", "person", date(2024, 7, 1), 7_020_000, id="CSTD_TINH-2.34M"),
        pytest.param("TTLDTT", "collective", date(2018, 7, 1), 1_120_000,
                     id="TTLDTT-1.112M-rounds-up-to-1.12M"),
        pytest.param("GIAY_KHEN", "collective", date(2018, 7, 2), 840_000,
                     id="Giay-khen-collective-834k-rounds-up-to-840k"),
        pytest.param("CO_CP", "collective", date(2025, 7, 1), 28_080_000, id="CO_CP-12x"),
        pytest.param("CSTD_TQ", "person", date(2020, 12, 1), 6_710_000, id="CSTD_TQ-4.5x-2020"),
    ],
)  # fmt: skip
def test_award_money_uses_base_salary_at_the_decision_date(code, kind, decided_on, amount):
    assert award_money(code, kind, decided_on) == amount


def test_base_salary_is_dated_configuration():
    config = replace(
        DEFAULT_CONFIG,
        base_salary=(*DEFAULT_CONFIG.base_salary, BaseSalary(date(2026, 7, 1), 2_530_000, "test")),
    )
    assert award_money("CSTDCS", "person", date(2026, 6, 30), config) == 2_340_000
    assert award_money("CSTDCS", "person", date(2026, 7, 1), config) == 2_530_000


def test_award_money_refuses_what_is_not_configured():
    with pytest.raises(LookupError):
        award_money("CO_CP", "person", date(2025, 7, 1))
    with pytest.raises(LookupError):
        award_money("LDTT", "person", date(2015, 1, 1))
