from datetime import UTC, date, datetime
from decimal import Decimal as D

import pytest

from services.progress.domain import Rejected, check_correction, check_report, new_report
from tests.progress.domain.factories import UNIT_A, UNIT_B, campaign, report, target, uid

TODAY = date(2020, 10, 15)
NOW = datetime(2020, 10, 15, 3, 0, tzinfo=UTC)


def problems(**overrides):
    args = {
        "target": target(),
        "campaign": campaign(),
        "reporter_unit": UNIT_A,
        "value": 42.5,
        "as_of": date(2020, 9, 30),
        "today": TODAY,
    }
    kwargs = {k: overrides.pop(k) for k in ("note", "evidence") if k in overrides}
    args.update(overrides)
    return [(p.field, p.code) for p in check_report(**args, **kwargs)]


def test_a_good_report_has_no_problems():
    assert problems() == []
    assert problems(value=0, as_of=TODAY, note="Số liệu ước tính", evidence=["s3://bc/9.pdf"]) == []


@pytest.mark.parametrize("value", [42, 42.5, D("42.50")])
def test_ints_floats_and_decimals_are_numbers(value):
    assert problems(value=value) == []


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("42", "wrong_type"),
        (None, "wrong_type"),
        (True, "wrong_type"),
        ([1], "wrong_type"),
        (float("nan"), "not_a_number"),
        (float("inf"), "not_finite"),
        (D("NaN"), "not_finite"),
        (1e19, "too_large"),
    ],
)
def test_values_of_the_wrong_kind_are_refused(value, code):
    assert problems(value=value) == [("value", code)]


def test_negative_value_refused_unless_the_target_allows_it():
    assert problems(value=-1.5) == [("value", "negative")]
    assert problems(value=-1.5, target=target(allow_negative=True)) == []  # e.g. a growth rate


def test_future_date_refused():
    assert problems(as_of=date(2020, 10, 16)) == [("as_of", "future_date")]


def test_dates_outside_the_campaign_refused():
    assert problems(as_of=date(2019, 12, 31)) == [("as_of", "outside_campaign")]
    late = problems(as_of=date(2021, 1, 1), today=date(2021, 1, 5))
    assert late == [("as_of", "outside_campaign")]


def test_a_datetime_is_not_a_date():
    assert problems(as_of=NOW) == [("as_of", "wrong_type")]


def test_closed_and_draft_campaigns_take_no_reports():
    assert problems(campaign=campaign("closed")) == [("target_id", "campaign_closed")]
    assert problems(campaign=campaign("draft")) == [("target_id", "campaign_not_launched")]


def test_unknown_and_foreign_targets_look_the_same():
    assert problems(target=None) == [("target_id", "unknown_target")]
    assert problems(reporter_unit=UNIT_B) == [("target_id", "unknown_target")]


def test_unknown_campaign_refused():
    assert problems(campaign=None) == [("target_id", "unknown_campaign")]


def test_every_problem_is_listed_not_just_the_first():
    found = problems(value="x", as_of=date(2021, 3, 1), campaign=campaign("closed"))
    assert set(found) == {
        ("value", "wrong_type"),
        ("as_of", "future_date"),
        ("target_id", "campaign_closed"),
    }


def test_note_and_evidence_limits():
    assert problems(note="x" * 4001) == [("note", "too_long")]
    assert problems(evidence="s3://one") == [("evidence", "wrong_type")]
    assert problems(evidence=["Tờ trình số 15/TTr-SKHCN"]) == []  # as people cite documents
    assert problems(evidence=["   "]) == [("evidence[0]", "bad_reference")]
    assert problems(evidence=["a\x00b"]) == [("evidence[0]", "bad_reference")]
    assert problems(evidence=["v" * 1001]) == [("evidence[0]", "too_long")]
    assert problems(evidence=["Tờ  trình số 15", "Tờ trình số 15"]) == [("evidence", "duplicate")]
    assert problems(evidence=["a", "a"]) == [("evidence", "duplicate")]


def test_new_report_builds_a_decimal_report_or_raises_with_all_problems():
    t = target()
    r = new_report(
        id=uid("r"),
        target=t,
        campaign=campaign(),
        reporter_unit=UNIT_A,
        value=95.1,
        as_of=date(2020, 9, 30),
        reported_at=NOW,
        today=TODAY,
        note="  Ghi chú  ",
    )
    assert r.value == D("95.1")  # the float's shortest repr, not its binary expansion
    assert r.note == "Ghi chú" and r.target_id == t.id
    with pytest.raises(Rejected) as caught:
        new_report(
            id=uid("r2"),
            target=t,
            campaign=campaign("closed"),
            reporter_unit=UNIT_A,
            value=float("nan"),
            as_of=date(2020, 9, 30),
            reported_at=NOW,
            today=TODAY,
        )
    assert {p.field for p in caught.value.problems} == {"value", "target_id"}


def test_corrections_must_name_a_live_report_of_the_same_target():
    t, other = target("t1"), target("t2")
    original = report(t, 10, date(2020, 9, 30))
    assert check_correction(t, original.id, original, already_superseded=False) == []
    [p] = check_correction(t, original.id, None, already_superseded=False)
    assert (p.field, p.code) == ("supersedes", "unknown_report")
    [p] = check_correction(other, original.id, original, already_superseded=False)
    assert p.code == "unknown_report"
    [p] = check_correction(t, original.id, original, already_superseded=True)
    assert p.code == "already_superseded"


def test_new_report_refuses_a_correction_of_an_unknown_report():
    with pytest.raises(Rejected) as caught:
        new_report(
            id=uid("r3"),
            target=target(),
            campaign=campaign(),
            reporter_unit=UNIT_A,
            value=1,
            as_of=date(2020, 9, 30),
            reported_at=NOW,
            today=TODAY,
            supersedes=uid("nowhere"),
        )
    assert caught.value.problems[0].field == "supersedes"
