"""Every rule, under each regime, considered on a date in each period of the legal texts, cites
only texts in force on that date, each with its article; what no published text confirmed is
said to be the province's ("căn cứ do tỉnh cấu hình"), never a placeholder."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import pytest

from services.awards.domain import RULEBOOK, Nomination, ScreeningConfig, screen
from services.awards.domain.legal import PERIODS, PROVINCE_CONFIGURED, TEXTS, period_on
from services.awards.domain.vocabulary import AWARD_KINDS

from .scenarios import person_facts

TARGETS = sorted((kind, code) for code, kinds in AWARD_KINDS.items() for kind in kinds)
DATES = {
    # regime 2013: achievements of 2019, considered from 2020 on (decided in January 2021, …)
    2019: ["2020-06-01", "2021-01-15", "2023-12-15", "2024-03-01", "2025-03-01", "2025-08-01"],
    # regime 2022: achievements of 2024
    2024: ["2024-03-01", "2025-03-01", "2025-08-01", "2026-06-01"],
}
CASES = [(y, d) for y, days in DATES.items() for d in days]
NUMBER = re.compile(r"\d+/\d{4}/[\wĐ-]+")
BY_NUMBER = {t.number: t for t in TEXTS.values()}
PLACEHOLDERS = ("cần xác nhận", "giả định", "chưa rõ")


def _segments(citation: str) -> list[str]:
    return [s.strip() for s in citation.split(";")]


@pytest.mark.parametrize(("year", "day"), CASES, ids=[f"{y}@{d}" for y, d in CASES])
@pytest.mark.parametrize(("kind", "code"), TARGETS, ids=[f"{k}-{c}" for k, c in TARGETS])
def test_each_citation_is_in_force_on_the_consideration_date_and_has_an_article(
    kind, code, year, day
):
    considered = date.fromisoformat(day)
    nomination = Nomination(
        "n1", kind, "p1" if kind == "person" else "u1", code, year=year, considered_on=considered
    )
    result = screen(nomination, person_facts(ratings={year: "HTTNV"}))
    for r in result.results:
        assert not any(p in r.citation for p in PLACEHOLDERS), (r.rule_id, r.citation)
        for segment in _segments(r.citation):
            if segment.lower().startswith(PROVINCE_CONFIGURED):
                continue
            numbers = NUMBER.findall(segment)
            assert numbers, f"{r.rule_id} on {day}: {segment!r} names no text"
            for number in numbers:
                text = BY_NUMBER.get(number)
                assert text is not None, f"{r.rule_id}: {number} is not in the table of texts"
                assert text.in_force(considered), (
                    f"{r.rule_id} on {day} cites {number}, not in force then"
                )
            assert "Điều " in segment, f"{r.rule_id} on {day}: {segment!r} has no article"


def test_every_provision_is_in_force_over_the_whole_period_it_is_cited_for():
    for rule in RULEBOOK:
        citations = [rule.citation, *(c for _, c in rule.citation.for_codes)]
        for key, basis in (entry for c in citations for entry in c.by_period):
            period = next(p for p in PERIODS if p.key == key)
            last = period.end or date(2030, 12, 31)
            for provision in basis.provisions:
                text = TEXTS[provision.text]
                assert text.in_force(period.start) and text.in_force(last), (rule.id, key, text)
                assert provision.source.startswith("http"), (rule.id, provision)


def test_the_province_supplies_what_no_text_confirmed_and_the_screening_says_so():
    considered = date(2021, 1, 15)
    nomination = Nomination("n1", "person", "p1", "LDTT", year=2020, considered_on=considered)
    plain = screen(nomination, person_facts(ratings={2020: "HTTNV"})).result("R14").citation
    assert plain == "Căn cứ do tỉnh cấu hình"
    config = ScreeningConfig(
        rule_citations={"2013": {"R14": "Thông tư 12/2019/TT-BNV, Điều 2 khoản 4"}}
    )
    given = screen(nomination, person_facts(ratings={2020: "HTTNV"}), config).result("R14")
    assert given.citation == "Căn cứ do tỉnh cấu hình: Thông tư 12/2019/TT-BNV, Điều 2 khoản 4"
    # a confirmed article is printed as it is, whatever the province configures
    assert screen(nomination, person_facts(ratings={2020: "HTTNV"}), config).result(
        "R01-2013"
    ).citation == ("Luật Thi đua, khen thưởng 15/2003/QH11, Điều 24")
    assert period_on(date(2017, 9, 30)) is None


def test_giay_khen_cites_the_article_that_leaves_its_standards_to_the_province():
    nomination = Nomination("n1", "person", "p1", "GIAY_KHEN", year=2024)
    facts = person_facts(ratings={2024: "HTTNV"})
    assert screen(nomination, facts).result("MANUAL").citation == (
        "Luật Thi đua, khen thưởng 06/2022/QH15, Điều 75 khoản 2; căn cứ do tỉnh cấu hình"
    )
    config = ScreeningConfig(
        rule_citations={"2024": {"MANUAL/GIAY_KHEN": "Quyết định 11/2024/QĐ-UBND, Điều 9"}}
    )
    assert screen(nomination, facts, config).result("MANUAL").citation == (
        "Luật Thi đua, khen thưởng 06/2022/QH15, Điều 75 khoản 2; "
        "căn cứ do tỉnh cấu hình: Quyết định 11/2024/QĐ-UBND, Điều 9"
    )
    # a collective's Bằng khen: no article confirmed, whatever Giấy khen cites
    flag = Nomination("n2", "collective", "u1", "BK_TINH", year=2024)
    assert screen(flag, facts, config).result("MANUAL").citation == "Căn cứ do tỉnh cấu hình"


def test_a_regime_2013_achievement_considered_in_2024_is_cited_to_the_2022_law():
    nomination = Nomination("n1", "person", "p1", "LDTT", year=2023, considered_on=date(2024, 3, 1))
    r01 = screen(nomination, person_facts(ratings={2023: "HTTNV"})).result("R01-2013")
    assert r01.citation == "Luật Thi đua, khen thưởng 06/2022/QH15, Điều 24 khoản 1"


def test_unknown_period_or_rule_in_the_province_citations_is_refused():
    with pytest.raises(ValueError, match="2030"):
        ScreeningConfig(rule_citations={"2030": {"R14": "x"}})


def test_docs_legal_lists_every_rule_and_every_period():
    page = (Path(__file__).parents[3] / "docs" / "legal.md").read_text(encoding="utf-8")
    missing = [r.id for r in RULEBOOK if re.search(rf"\| {re.escape(r.id)}\b", page) is None]
    assert not missing, f"docs/legal.md does not list {missing}"
    assert all(f"| `{p.key}` |" in page for p in PERIODS)
    assert all(t.number in page for t in TEXTS.values())
