"""The regime follows the achievement period; local powers move to the commune from 2025-07-01."""

from __future__ import annotations

from datetime import date

import pytest

from services.awards.domain import (
    Regime,
    regime_for,
    rules_for,
    screen,
    two_level_government,
)

from .scenarios import BASE_DOCS, nominate, person_facts


@pytest.mark.parametrize(
    ("period_end", "override", "regime"),
    [
        pytest.param(date(2020, 12, 31), None, Regime.R2013, id="2020-campaign-2013"),
        pytest.param(date(2023, 12, 31), None, Regime.R2013, id="2023-last-year-of-2013"),
        pytest.param(date(2024, 1, 1), None, Regime.R2022, id="2024-first-day-2022"),
        pytest.param(date(2025, 12, 31), None, Regime.R2022, id="2025-2022"),
        pytest.param(date(2024, 12, 31), "2013", Regime.R2013, id="campaign-override-2013"),
        pytest.param(date(2020, 12, 31), Regime.R2022, Regime.R2022, id="campaign-override-2022"),
    ],
)
def test_regime_follows_period_end_unless_overridden(period_end, override, regime):
    assert regime_for(period_end, override) is regime


def test_two_level_government_from_2025_07_01():
    assert not two_level_government(date(2025, 6, 30))
    assert two_level_government(date(2025, 7, 1))


def test_rules_follow_the_regime():
    ids_2013 = [r.id for r in rules_for("person", "CSTDCS", Regime.R2013, date(2023, 12, 31))]
    ids_2022 = [r.id for r in rules_for("person", "CSTDCS", Regime.R2022, date(2024, 12, 31))]
    assert ids_2013 == ["R02-2013", "R11", "R13", "R14", "R15", "R16"]
    assert ids_2022 == ["R02", "R11", "R13", "R14", "R15", "R16"]


def test_regime_rules_are_out_of_force_outside_their_dates_unless_overridden():
    with pytest.raises(LookupError):
        rules_for("person", "LDTT", Regime.R2022, date(2023, 12, 31))
    overridden = rules_for("person", "LDTT", Regime.R2022, date(2023, 12, 31), True)
    assert overridden[0].id == "R01"


def test_campaign_override_screens_a_2023_achievement_under_2022():
    result = screen(
        nominate("LDTT", 2023, docs=BASE_DOCS, regime="2022"), person_facts(ratings={2023: "HTTNV"})
    )
    assert (result.regime, result.verdict) == ("2022", "eligible")
    # considered on the period's last day, 2023-12-31, when Luật 06/2022 was not yet in force
    assert result.results[0].citation == "Căn cứ do tỉnh cấu hình"
