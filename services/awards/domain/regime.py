"""Which law governs an achievement; who decides it is `authority.py`.

The regime follows the end of the achievement period: achievements up to 2023
fall under the 2013 law (Luật 2003, amended 2005 and 2013; Nghị định 91/2017), achievements from
2024 under Luật 06/2022/QH15 (in force 2024-01-01). A campaign may override it.

From 2025-07-01 districts are gone (two-level local government, Nghị định 129/2025): the commune
chairman takes over the district chairman's award powers (`authority.py`).
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum


class Regime(StrEnum):
    R2013 = "2013"
    R2022 = "2022"


REGIME_2022_FIRST_YEAR = 2024
"""Luật 06/2022/QH15 took effect on 2024-01-01: achievement periods ending from then on."""

TWO_LEVEL_GOVERNMENT_FROM = date(2025, 7, 1)


def regime_for(period_end: date, override: Regime | str | None = None) -> Regime:
    """The regime of an achievement period that ends on `period_end`; a campaign's override wins."""
    if override is not None:
        return Regime(override)
    return Regime.R2022 if period_end.year >= REGIME_2022_FIRST_YEAR else Regime.R2013


def two_level_government(on: date) -> bool:
    """True from 2025-07-01, when districts were abolished."""
    return on >= TWO_LEVEL_GOVERNMENT_FROM
