"""How far a reported value goes towards a target, respecting its direction.

Definitions (all Decimal, ratios rounded to 6 places):

- met: higher_is_better → value ≥ target; lower_is_better → value ≤ target.
- uncapped completion, when the ratio means something:
  - higher_is_better with target > 0: value / target (5412.7 of 5250 → 1.030990);
  - lower_is_better with target > 0 and value > 0: target / value, so beating the target scores
    above 1 just as overshooting does (poverty rate target 5 %, actual 4 % → 1.25; actual 10 % →
    0.5). This is the formula the TargetAchieved contract states.
- the guards, where division would be by zero or across a sign change:
  - lower_is_better, target > 0, value ≤ 0 (zero poor households, zero deaths against a limit):
    beaten by as much as can be shown → the ceiling;
  - target ≤ 0 (a "no more than 0 incidents" limit, a growth target of -1 %): a ratio says
    nothing, so 1 when met and 0 when not.
- never below 0, never above `ceiling` (default 10, i.e. 1000 %): a value ten times the target is
  far more likely a typo in the unit of measure than an achievement, and one such outlier must not
  swamp a unit's average.
- capped completion = min(uncapped, 1): what a unit's score uses, so overshooting one target
  cannot make up for missing another.
"""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from typing import NamedTuple

from services.progress.domain.decimals import CONTEXT, ONE, ZERO, ratio
from services.progress.domain.model import Direction

DEFAULT_CEILING = Decimal(10)


class Completion(NamedTuple):
    uncapped: Decimal
    capped: Decimal


NONE_DONE = Completion(ZERO, ZERO)
"""A target without any report counts as not started."""


def is_met(direction: Direction, target_value: Decimal, value: Decimal) -> bool:
    if direction == "higher_is_better":
        return value >= target_value
    return value <= target_value


def completion(
    direction: Direction,
    target_value: Decimal,
    value: Decimal,
    *,
    ceiling: Decimal = DEFAULT_CEILING,
) -> Completion:
    if target_value <= 0:
        raw = ONE if is_met(direction, target_value, value) else ZERO
    elif direction == "higher_is_better":
        raw = _bounded(value, target_value, ceiling)
    elif value > 0:
        raw = _bounded(target_value, value, ceiling)
    else:
        raw = ceiling
    return Completion(raw, min(raw, ONE))


def _bounded(numerator: Decimal, denominator: Decimal, ceiling: Decimal) -> Decimal:
    # Compare before dividing: a huge quotient would not fit the fixed quantum.
    if numerator <= 0:
        return ZERO
    if numerator >= CONTEXT.multiply(denominator, ceiling):
        return ceiling
    return ratio(numerator, denominator)


def weighted(items: Iterable[tuple[Decimal, Completion]]) -> Completion | None:
    """A unit's completion over its targets: the weight-weighted mean of each target's capped and
    uncapped completion. None when there are no targets (nothing to complete is neither 0 % nor
    100 %). When every weight is 0 the plain mean is used: all-zero weights state no preference,
    not that nothing counts."""
    weight_sum = capped = uncapped = ZERO
    plain_capped = plain_uncapped = ZERO
    count = 0
    for weight, done in items:
        count += 1
        weight_sum += weight
        capped += weight * done.capped
        uncapped += weight * done.uncapped
        plain_capped += done.capped
        plain_uncapped += done.uncapped
    return mean(count, weight_sum, capped, uncapped, plain_capped, plain_uncapped)


def mean(
    count: int,
    weight_sum: Decimal,
    capped: Decimal,
    uncapped: Decimal,
    plain_capped: Decimal,
    plain_uncapped: Decimal,
) -> Completion | None:
    """The division step of `weighted`, shared with the incremental tally."""
    if count == 0:
        return None
    if weight_sum > 0:
        return Completion(ratio(uncapped, weight_sum), ratio(capped, weight_sum))
    n = Decimal(count)
    return Completion(ratio(plain_uncapped, n), ratio(plain_capped, n))
