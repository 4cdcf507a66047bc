from datetime import UTC, date, datetime

import pytest

from services.progress.domain import (
    RatingEntry,
    apply_rating,
    check_initiative,
    check_rating,
    current_ratings,
)
from tests.progress.domain.factories import UNIT_A, UNIT_B, uid

TODAY = date(2020, 12, 20)
PERSON = uid("person:hoa")


def rating_problems(**overrides):
    args = {
        "subject_kind": "person",
        "subject_id": PERSON,
        "subject_unit_id": UNIT_A,
        "year": 2020,
        "rating": "HTXSNV",
        "entering_unit": UNIT_A,
        "today": TODAY,
    }
    args.update(overrides)
    return [(p.field, p.code) for p in check_rating(**args)]


def entry(rating, at_hour, year=2020, name=None):
    return RatingEntry(
        id=uid(name or f"rating:{rating}:{at_hour}"),
        subject_kind="person",
        subject_id=PERSON,
        year=year,
        rating=rating,
        unit_id=UNIT_A,
        entered_at=datetime(2020, 12, 20, at_hour, tzinfo=UTC),
    )


def test_a_unit_rates_its_own_people_and_itself():
    assert rating_problems() == []
    assert rating_problems(subject_kind="collective", subject_id=UNIT_A) == []


def test_a_unit_cannot_rate_others():
    assert rating_problems(entering_unit=UNIT_B) == [("subject_id", "unknown_subject")]
    assert rating_problems(subject_unit_id=None) == [("subject_id", "unknown_subject")]
    other = rating_problems(subject_kind="collective", subject_id=UNIT_B)
    assert other == [("subject_id", "unknown_subject")]


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"rating": "XUAT_SAC"}, ("rating", "unknown_rating")),
        ({"year": 2021}, ("year", "future_year")),
        ({"year": 1900}, ("year", "too_early")),
        ({"year": "2020"}, ("year", "wrong_type")),
        ({"subject_kind": "team"}, ("subject_kind", "unknown_kind")),
    ],
)
def test_rating_input_checks(overrides, expected):
    assert rating_problems(**overrides) == [expected]


def test_later_rating_replaces_and_keeps_the_earlier_in_history():
    first = entry("HTTNV", 8)
    second = entry("HTXSNV", 9)
    change = apply_rating(apply_rating(None, first).current, second)
    assert change.current == second and change.replaced == first and change.changed


def test_same_rating_entered_again_is_not_a_change():
    change = apply_rating(entry("HTTNV", 8), entry("HTTNV", 9))
    assert change.current.entered_at.hour == 9 and not change.changed


def test_older_entry_arriving_late_does_not_overwrite():
    newer = entry("HTXSNV", 10)
    change = apply_rating(newer, entry("KHTNV", 7))
    assert change.current == newer and not change.changed


def test_entries_for_another_year_are_not_mixed():
    with pytest.raises(ValueError):
        apply_rating(entry("HTNV", 8, year=2019), entry("HTNV", 9))


def test_current_ratings_is_one_per_subject_and_year():
    history = [entry("HTNV", 9, year=2019), entry("HTXSNV", 11), entry("HTTNV", 8)]
    current = current_ratings(history)
    assert {k[2]: e.rating for k, e in current.items()} == {2019: "HTNV", 2020: "HTXSNV"}


def initiative_problems(**overrides):
    args = {
        "title": "Số hoá hồ sơ thi đua",
        "level": "grassroots",
        "recognised_on": date(2020, 11, 2),
        "author_ids": [PERSON],
        "unit_id": UNIT_A,
        "entering_unit": UNIT_A,
        "today": TODAY,
    }
    args.update(overrides)
    return [(p.field, p.code) for p in check_initiative(**args)]


def test_a_good_initiative_passes():
    assert initiative_problems() == []


@pytest.mark.parametrize(
    ("overrides", "expected"),
    [
        ({"author_ids": []}, ("author_ids", "missing")),
        ({"author_ids": [PERSON, PERSON]}, ("author_ids", "duplicate")),
        ({"title": "   "}, ("title", "missing")),
        ({"title": "x" * 501}, ("title", "too_long")),
        ({"level": "district"}, ("level", "unknown_level")),
        ({"recognised_on": date(2021, 1, 1)}, ("recognised_on", "future_date")),
        ({"recognised_on": "2020-11-02"}, ("recognised_on", "wrong_type")),
        ({"entering_unit": UNIT_B}, ("unit_id", "foreign_unit")),
    ],
)
def test_initiative_checks(overrides, expected):
    assert initiative_problems(**overrides) == [expected]
