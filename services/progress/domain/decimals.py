"""Decimal arithmetic for measured values.

Why Decimal rather than float: reported values are decimal quantities typed by people ("5412,7 tỷ
đồng", "4,25 %"). Whether a target is met is a comparison right at the threshold, and standings
turn on ties between sums. With binary floats 0.1 + 0.2 != 0.3, and a sum's last bit depends on the
order of its terms, so two units with the same inputs could rank apart and a replay could disagree
with the live run. Here values stay as written, every ratio is rounded once to a fixed number of
places, and sums of those are exact, hence independent of order.

The wire carries floats (schemas/types.py); convert at the edge with `as_decimal`, which goes
through the float's shortest repr, so 95.1 stays 95.1 and not 95.09999999999999431566.
"""

from __future__ import annotations

from decimal import (
    ROUND_HALF_EVEN,
    Context,
    Decimal,
    DivisionByZero,
    InvalidOperation,
    Overflow,
)

# Our own context: results must not depend on whatever the thread's default context was set to.
CONTEXT = Context(
    prec=34, rounding=ROUND_HALF_EVEN, traps=[InvalidOperation, DivisionByZero, Overflow]
)
RATIO_QUANTUM = Decimal("0.000001")
"""Completion ratios are kept to 6 places (0.0001 %): far below what anyone reads, coarse enough
that products and sums of them stay exact within CONTEXT's 34 digits."""
MAX_ABS_VALUE = Decimal(10) ** 18
"""Larger magnitudes are typing accidents, not statistics (a province's budget in đồng is ~1e13)."""

ZERO = Decimal(0)
ONE = Decimal(1)


def as_decimal(value: object) -> Decimal:
    """A finite Decimal from an int, a float or a Decimal. Raises TypeError for any other type
    (bool and str included: "95" is a typing or mapping error upstream, not a number) and
    ValueError for NaN or infinity."""
    if isinstance(value, bool):
        raise TypeError("a boolean is not a number")
    if isinstance(value, Decimal):
        result = value
    elif isinstance(value, int):
        result = Decimal(value)
    elif isinstance(value, float):
        result = Decimal(repr(value))
    else:
        raise TypeError(f"expected a number, got {type(value).__name__}")
    if not result.is_finite():
        raise ValueError("not a finite number")
    return abs(result) if result.is_zero() else result  # -0 and 0 are one value


def ratio(numerator: Decimal, denominator: Decimal) -> Decimal:
    return CONTEXT.divide(numerator, denominator).quantize(RATIO_QUANTUM, context=CONTEXT)


def quantize(value: Decimal, places: int) -> Decimal:
    return value.quantize(Decimal(1).scaleb(-places), context=CONTEXT)
