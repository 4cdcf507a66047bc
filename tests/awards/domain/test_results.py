"""Every screening lists every applicable rule, with a citation, plain JSON facts and a reason in
Vietnamese (NFC, template filled in)."""

from __future__ import annotations

import json
import unicodedata
from datetime import date

import pytest

from schemas.awards import NominationScreened
from services.awards.domain import RULEBOOK, Nomination, Regime, rules_for, screen
from services.awards.domain.vocabulary import AWARD_KINDS

from .scenarios import person_facts

TARGETS = sorted((kind, code) for code, kinds in AWARD_KINDS.items() for kind in kinds)


@pytest.mark.parametrize("year", [2020, 2024])
@pytest.mark.parametrize(("kind", "code"), TARGETS, ids=[f"{k}-{c}" for k, c in TARGETS])
def test_every_applicable_rule_is_listed_with_citation_and_reason(kind, code, year):
    nomination = Nomination("n1", kind, "p1" if kind == "person" else "u1", code, year=year)
    result = screen(nomination, person_facts(ratings={year: "HTTNV"}))
    regime = Regime.R2013 if year < 2024 else Regime.R2022
    expected = [r.id for r in rules_for(kind, code, regime, date(year, 12, 31))]
    assert [r.rule_id for r in result.results] == expected
    assert {"R13", "R14"} <= set(expected)
    for r in result.results:
        assert r.citation and r.citation == unicodedata.normalize("NFC", r.citation)
        assert r.reason and r.reason == unicodedata.normalize("NFC", r.reason)
        assert "{" not in r.reason
        assert all(isinstance(v, str | int | float | bool | type(None)) for v in r.facts.values())
        assert all(" " not in key for key in r.facts)
        assert (r.effect is None) == r.passed
    json.dumps(result.as_dict(), ensure_ascii=False)
    assert result.verdict in {"eligible", "ineligible", "incomplete", "blocked"}


def test_as_dict_matches_the_published_event_shape():
    result = screen(Nomination("n1", "person", "p1", "LDTT", year=2024), person_facts())
    payload = result.as_dict()
    payload["nomination_id"] = "0b8e4c1e-7d8f-4a51-9a54-1d0f6f3c2a10"
    event = NominationScreened.model_validate(payload)
    assert event.verdict == "incomplete"
    assert [r.rule_id for r in event.rule_results] == ["R01", "R11", "R13", "R14", "R15"]
    assert all(r.reason for r in event.rule_results), "each rule says why, for the secretary"


def test_rulebook_texts_are_nfc_and_every_rule_is_reachable():
    reachable = set()
    for kind, code in TARGETS:
        for regime, end in ((Regime.R2013, date(2023, 12, 31)), (Regime.R2022, date(2024, 12, 31))):
            reachable.update(r.id for r in rules_for(kind, code, regime, end))
    assert reachable == {r.id for r in RULEBOOK}
    assert "R12" not in reachable
    for r in RULEBOOK:
        citations = [r.citation, *(c for _, c in r.citation.for_codes)]
        labels = [basis.label(None) for c in citations for _, basis in c.by_period]
        for text in (r.title, *labels):
            assert text == unicodedata.normalize("NFC", text)
