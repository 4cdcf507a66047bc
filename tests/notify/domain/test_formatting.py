"""Vietnamese formatting of dates, instants, numbers and money."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from services.notify.domain.formatting import (
    vn_date,
    vn_datetime,
    vn_money,
    vn_number,
    vn_percent,
)


def test_dates_are_day_month_year():
    assert vn_date(date(2020, 5, 19)) == "19/05/2020"
    assert vn_date(date(987, 1, 2)) == "02/01/0987"


def test_instants_are_shown_on_vietnams_clock():
    assert vn_date(datetime(2020, 12, 31, 17, 0, tzinfo=UTC)) == "01/01/2021"
    assert vn_datetime(datetime(2020, 12, 1, 2, 15, tzinfo=UTC)) == "09:15 01/12/2020"
    other_zone = datetime(2020, 12, 1, 9, 15, tzinfo=timezone(timedelta(hours=9)))
    assert vn_datetime(other_zone) == "07:15 01/12/2020"


def test_naive_instants_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        vn_datetime(datetime(2020, 1, 1))


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (1_490_000, "1.490.000 đ"),
        (0, "0 đ"),
        (999, "999 đ"),
        (13_410_000, "13.410.000 đ"),
    ],
)
def test_money_groups_thousands_with_dots(value, text):
    assert vn_money(value) == text


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (5412.7, "5.412,7"),
        (5250.0, "5.250"),
        (1234567.891, "1.234.567,89"),
        (0.5, "0,5"),
        (-0.001, "0"),
        (-1500.25, "-1.500,25"),
    ],
)
def test_numbers_use_decimal_comma(value, text):
    assert vn_number(value) == text


def test_percentages():
    assert vn_percent(1.0023) == "100,23%"
    assert vn_percent(1.0) == "100%"
    assert vn_percent(0.9, 0) == "90%"
