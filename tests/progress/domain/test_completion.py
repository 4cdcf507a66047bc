from decimal import Decimal as D

import pytest

from services.progress.domain import completion, is_met, weighted
from services.progress.domain.completion import DEFAULT_CEILING, Completion

HIGHER, LOWER = "higher_is_better", "lower_is_better"


@pytest.mark.parametrize(
    ("value", "met", "uncapped", "capped"),
    [
        ("5412.7", True, "1.030990", "1"),  # 5412.7 / 5250, rounded to 6 places
        ("5250", True, "1", "1"),
        ("2625", False, "0.5", "0.5"),
        ("0", False, "0", "0"),
    ],
)
def test_higher_is_better(value, met, uncapped, capped):
    assert is_met(HIGHER, D(5250), D(value)) is met
    assert completion(HIGHER, D(5250), D(value)) == Completion(D(uncapped), D(capped))


@pytest.mark.parametrize(
    ("value", "met", "uncapped", "capped"),
    [
        ("4", True, "1.25", "1"),  # poverty rate target 5 %, actual 4 %: beaten by a quarter
        ("5", True, "1", "1"),
        ("10", False, "0.5", "0.5"),
        ("6", False, "0.833333", "0.833333"),
    ],
)
def test_lower_is_better_is_target_over_value(value, met, uncapped, capped):
    assert is_met(LOWER, D(5), D(value)) is met
    assert completion(LOWER, D(5), D(value)) == Completion(D(uncapped), D(capped))


def test_lower_is_better_zero_value_is_beaten_outright_not_a_division_by_zero():
    assert completion(LOWER, D(5), D(0)) == Completion(DEFAULT_CEILING, D(1))


def test_zero_target_has_no_ratio_so_met_counts_one_and_missed_zero():
    assert completion(LOWER, D(0), D(0)) == Completion(D(1), D(1))  # "no incidents" kept
    assert completion(LOWER, D(0), D(3)) == Completion(D(0), D(0))
    assert completion(HIGHER, D(0), D(7)) == Completion(D(1), D(1))
    assert completion(HIGHER, D(-1), D(-2)) == Completion(D(0), D(0))  # growth ≥ -1 % missed


def test_negative_value_against_positive_target_floors_at_zero():
    assert completion(HIGHER, D(5), D(-3)) == Completion(D(0), D(0))


def test_outliers_stop_at_the_ceiling():
    assert completion(HIGHER, D(100), D(10**6)).uncapped == DEFAULT_CEILING
    assert completion(LOWER, D(100), D("0.0001")).uncapped == DEFAULT_CEILING
    assert completion(HIGHER, D(100), D(150), ceiling=D(1)).uncapped == D(1)


def test_decimal_threshold_is_exact_where_float_is_not():
    # 0.1 + 0.2 reported against a target of 0.3: met exactly, no binary rounding.
    assert is_met(HIGHER, D("0.3"), D("0.1") + D("0.2"))
    assert completion(HIGHER, D("0.3"), D("0.1") + D("0.2")).capped == D(1)


def test_weighted_uses_capped_values_for_the_capped_mean():
    items = [(D(2), Completion(D("1.5"), D(1))), (D(1), Completion(D("0.4"), D("0.4")))]
    result = weighted(items)
    assert result.capped == D("0.8")  # (2·1 + 1·0.4) / 3: the overshoot does not cover the miss
    assert result.uncapped == D("1.133333")  # (2·1.5 + 0.4) / 3


def test_weighted_zero_weight_target_does_not_count():
    items = [(D(1), Completion(D("0.6"), D("0.6"))), (D(0), Completion(D(0), D(0)))]
    assert weighted(items).capped == D("0.6")


def test_weighted_all_zero_weights_fall_back_to_plain_mean():
    items = [(D(0), Completion(D(1), D(1))), (D(0), Completion(D(0), D(0)))]
    assert weighted(items) == Completion(D("0.5"), D("0.5"))


def test_weighted_without_targets_is_none_not_zero():
    assert weighted([]) is None
