"""Dates, numbers and money as Vietnamese write them, and the forms' reading of them back."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from services.web.domain import formats


def test_days_are_written_day_month_year():
    assert formats.day(date(2020, 11, 20)) == "20/11/2020"
    assert formats.day("2020-01-05") == "05/01/2020"
    assert formats.day(None) == ""


@pytest.mark.parametrize(
    ("value", "text"),
    [(1490000, "1.490.000"), (5250.0, "5.250"), (12.5, "12,5"), (0.125, "0,13"), (-3000, "-3.000")],
)
def test_numbers_group_thousands_with_dots_and_decimals_with_a_comma(value, text):
    assert formats.number(value) == text


def test_moments_are_written_in_vietnams_time():
    assert formats.moment("2020-11-20T03:05:00+00:00") == "20/11/2020 10:05"
    assert formats.moment("2020-12-31T18:30:00Z") == "01/01/2021 01:30"


def test_money_is_whole_dong():
    assert formats.money(1490000) == "1.490.000 đ"
    assert formats.money(1490000.4) == "1.490.000 đ"


def test_percent_has_one_decimal():
    assert formats.percent(0.8765) == "87,7 %"
    assert formats.percent(1.0) == "100 %"
    assert formats.percent(None) == ""


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("5.300", Decimal("5300")),
        ("5300", Decimal("5300")),
        ("12,5", Decimal("12.5")),
        ("1.490.000,75", Decimal("1490000.75")),
        (" 7 ", Decimal("7")),
        ("-2,5", Decimal("-2.5")),
    ],
)
def test_numbers_are_read_as_vietnamese_write_them(text, value):
    assert formats.parse_number(text) == value


@pytest.mark.parametrize("text", ["", "năm", "5.30", "1,2,3", "12.5.6,", "1e5", "NaN"])
def test_what_is_not_a_number_is_refused(text):
    assert formats.parse_number(text) is None


def test_days_are_read_day_first_and_must_exist():
    assert formats.parse_day("20/11/2020") == date(2020, 11, 20)
    assert formats.parse_day("5/1/2020") == date(2020, 1, 5)
    assert formats.parse_day("2020-11-20") == date(2020, 11, 20)
    assert formats.parse_day("31/02/2020") is None
    assert formats.parse_day("11/20") is None


def test_evidence_references_one_a_line_without_blanks_or_repeats():
    assert formats.references("BC-1/STC\n\n  QD-2 \nBC-1/STC") == ["BC-1/STC", "QD-2"]
    # a document number as people write it is one reference, its spaces kept
    assert formats.references("Tờ trình  số 15/TTr-SKHCN\nQĐ 15/QĐ-SKHCN") == [
        "Tờ trình số 15/TTr-SKHCN",
        "QĐ 15/QĐ-SKHCN",
    ]
