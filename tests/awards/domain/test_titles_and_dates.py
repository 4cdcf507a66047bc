"""A rating is not a title, and every rule reads the facts as of the consideration date.

Collective titles count members who attained Lao động tiên tiến (Luật 06/2022 Điều 27–28; the 2003
law's Điều 27–28 as amended in 2013): on record by the consideration date, or conferred in the
same review batch. A member merely rated HTTNV or better does not count, nor does one the unit
recorded as "rated, LĐTT not conferred".
"""

from __future__ import annotations

from datetime import date

import pytest

from services.awards.domain import FactsBuilder, screen, screen_batch, screen_year

from .scenarios import BASE_DOCS, FULL_DOCS, Status, collective_facts, nominate, person_facts

X, T, D = "HTXSNV", "HTTNV", "HTNV"

# (award, year, rule, the members' ratings that pass the share with titles)
COLLECTIVE_RULES = [
    pytest.param("TTLDXS", 2024, "R05", X, id="R05"),
    pytest.param("TTLDXS", 2023, "R05-2013", X, id="R05-2013"),
    pytest.param("TTLDTT", 2024, "R06", T, id="R06"),
    pytest.param("TTLDTT", 2023, "R06-2013", T, id="R06-2013"),
]


def collective(code: str, year: int, **kw):
    return nominate(code, year, kind="collective", docs=BASE_DOCS, **kw)


@pytest.mark.parametrize(("code", "year", "rule", "rating"), COLLECTIVE_RULES)
def test_members_rated_good_but_without_the_title_do_not_count(code, year, rule, rating):
    facts = collective_facts(year=year, rating=rating, ldtt="rated_only")
    result = screen(collective(code, year), facts)
    assert (result.verdict, result.failing) == ("ineligible", (rule,))
    r = result.result(rule)
    assert r.facts["members_ldtt"] == 0
    assert r.facts["members_ldtt_rated_only"] == 10
    assert r.facts["members_ldtt_rated_only_ids"] == ",".join(f"m{i:02d}" for i in range(10))
    assert "0/10 thành viên đạt danh hiệu Lao động tiên tiến" in r.reason
    assert "10 thành viên chỉ được xếp loại" in r.reason


@pytest.mark.parametrize(("code", "year", "rule", "rating"), COLLECTIVE_RULES)
def test_members_recorded_as_not_conferred_do_not_count(code, year, rule, rating):
    facts = collective_facts(year=year, rating=rating, ldtt="withheld")
    result = screen(collective(code, year), facts)
    assert result.failing == (rule,)
    assert result.result(rule).facts["members_ldtt_not_conferred"] == 10


@pytest.mark.parametrize(("code", "year", "rule", "rating"), COLLECTIVE_RULES)
def test_members_conferred_in_the_same_batch_count(code, year, rule, rating):
    facts = collective_facts(year=year, rating=rating, ldtt="rated_only")
    members = [f"m{i:02d}" for i in range(10)]
    ldtt = [nominate("LDTT", year, nominee=m, id=f"n-{m}", docs=BASE_DOCS) for m in members]
    # The collective comes first in the batch: the members' titles are settled before it.
    results = screen_batch([collective(code, year, id="n-u1"), *ldtt], facts)
    assert [r.verdict for r in results] == ["eligible"] * 11
    r = results[0].result(rule)
    assert r.passed
    assert (r.facts["members_ldtt"], r.facts["members_ldtt_this_batch"]) == (10, 10)
    assert r.facts["members_ldtt_this_batch_ids"] == ",".join(members)
    assert r.facts["members_ldtt_on_record"] == 0
    assert "10 được xét tặng trong đợt này" in r.reason


@pytest.mark.parametrize(("code", "year", "rule", "rating"), COLLECTIVE_RULES)
def test_members_whose_ldtt_fails_in_the_batch_do_not_count(code, year, rule, rating):
    facts = collective_facts(year=year, rating=rating, ldtt="rated_only")
    # Dossiers without review minutes: the LĐTT nominations are incomplete, nothing conferred.
    no_minutes = frozenset({"submission", "achievement_report"})
    ldtt = [
        nominate("LDTT", year, nominee=f"m{i:02d}", id=f"n-m{i:02d}", docs=no_minutes)
        for i in range(10)
    ]
    results = screen_batch([*ldtt, collective(code, year, id="n-u1")], facts)
    assert {r.verdict for r in results[:-1]} == {"incomplete"}
    assert results[-1].failing == (rule,)
    assert results[-1].result(rule).facts["members_ldtt_this_batch"] == 0


def test_ldtt_decided_after_the_consideration_date_does_not_count():
    """The members' LĐTT was decided on 20 December 2024: considered on 15 December it was not
    yet on record; on 15 January it is."""
    facts = collective_facts(rating=T)
    before = screen(collective("TTLDTT", 2024, considered_on=date(2024, 12, 15)), facts)
    after = screen(collective("TTLDTT", 2024, considered_on=date(2025, 1, 15)), facts)
    assert before.failing == ("R06",)
    assert before.result("R06").facts["members_ldtt_on_record"] == 0
    assert (after.verdict, after.failing) == ("eligible", ())
    assert after.result("R06").facts["members_ldtt_on_record"] == 10
    assert after.result("R06").facts["considered_on"] == "2025-01-15"
    assert after.considered_on == date(2025, 1, 15)


def test_cstdcs_of_a_member_decided_after_the_consideration_date_does_not_count():
    b = FactsBuilder().collective("u1").rating("u1", 2024, X)
    for i in range(10):
        b.person(f"m{i}", unit="u1").rating(f"m{i}", 2024, T).award(f"m{i}", "LDTT", 2024)
    b.award("m0", "CSTDCS", 2024, decided_on=date(2025, 2, 1))
    facts = b.build()
    early = screen(collective("TTLDXS", 2024, considered_on=date(2025, 1, 15)), facts)
    late = screen(collective("TTLDXS", 2024, considered_on=date(2025, 2, 10)), facts)
    assert early.failing == ("R05",)
    assert early.result("R05").facts["members_cstdcs"] == 0
    assert late.verdict == "eligible"


# LĐTT itself: a rating recorded as "not conferred" is no LĐTT, nor its standard for CSTĐCS.


def test_rated_good_but_recorded_not_conferred_fails_ldtt():
    b = FactsBuilder().collective("u1").person("p1", unit="u1")
    b.rating("p1", 2024, T, ldtt_withheld="discipline")
    result = screen(nominate("LDTT", 2024, docs=BASE_DOCS), b.build())
    assert result.failing == ("R01",)
    r01 = result.result("R01")
    assert r01.facts["ldtt_not_conferred"] == "discipline"
    assert "không đạt danh hiệu Lao động tiên tiến: bị kỷ luật trong năm" in r01.reason


@pytest.mark.parametrize(("year", "rule"), [(2024, "R02"), (2023, "R02-2013")])
def test_cstdcs_nominee_recorded_not_conferred_ldtt_does_not_meet_its_standard(year, rule):
    b = FactsBuilder().collective("u1").person("p1", unit="u1")
    b.rating("p1", year, X, ldtt_withheld="months_worked")
    b.initiative("i1", authors=["p1"], year=year)
    for i in range(9):
        b.person(f"c{i}", unit="u1").rating(f"c{i}", year, T).award(f"c{i}", "LDTT", year)
    result = screen(nominate("CSTDCS", year, docs=FULL_DOCS, initiatives=("i1",)), b.build())
    assert result.failing == (rule,)
    assert result.result(rule).facts[f"ldtt_{year}"] is False


# The regime-2013 CSTĐCS cap: 15 % of the unit's people who attained LĐTT, not of those rated.


def unit_rated_only(year: int = 2023):
    """u1: p1 (initiative of the year) and nine colleagues, all rated HTTNV, no LĐTT on record."""
    b = FactsBuilder().collective("u1")
    for pid in ["p1", *(f"c{i}" for i in range(9))]:
        b.person(pid, unit="u1").rating(pid, year, T)
    b.initiative("i1", authors=["p1"], year=year)
    return b.build()


def test_cstdcs_2013_cap_counts_titles_not_ratings():
    (alone,) = screen_batch([nominate("CSTDCS", 2023, initiatives=("i1",))], unit_rated_only())
    assert alone.failing == ("R02-2013",)
    assert alone.result("R02-2013").facts["ldtt_count"] == 0
    assert "Vượt hạn mức: 0 suất" in alone.result("R02-2013").reason


def test_cstdcs_2013_cap_counts_ldtt_conferred_in_the_batch():
    """Seven of the ten are conferred LĐTT in the batch: floor(15 % x 7) = 1 place."""
    people = ["p1", *(f"c{i}" for i in range(6))]
    ldtt = [nominate("LDTT", 2023, nominee=p, id=f"l-{p}", docs=BASE_DOCS) for p in people]
    cstdcs = nominate("CSTDCS", 2023, initiatives=("i1",), id="c-p1")
    results = screen_batch([cstdcs, *ldtt], unit_rated_only())
    assert (results[0].verdict, results[0].failing) == ("eligible", ())
    facts = results[0].result("R02-2013").facts
    assert (facts["ldtt_count"], facts["ldtt_on_record"], facts["ldtt_this_batch"]) == (7, 0, 7)


# Annual screening: LĐTT proposed in the run counts for the collectives; "not conferred" does not.


def test_annual_run_counts_ldtt_proposed_in_it_and_not_ratings_withheld():
    proposed = screen_year(collective_facts(rating=T, ldtt="rated_only"), 2024)
    withheld = screen_year(collective_facts(rating=T, ldtt="withheld"), 2024)
    assert len(proposed.proposed("LDTT")) == 10
    assert proposed.proposed("TTLDTT") == ("u1",)
    (candidate,) = proposed.candidates["TTLDTT"]
    assert candidate.result.result("R06").facts["members_ldtt_this_batch"] == 10
    assert withheld.proposed("LDTT") == ()
    assert withheld.proposed("TTLDTT") == ()


# R14 and the consideration date.


REGIMES = [pytest.param(2024, id="regime-2022"), pytest.param(2023, id="regime-2013")]


@pytest.mark.parametrize("year", REGIMES)
def test_status_opened_after_the_consideration_date_does_not_block(year):
    """A discipline imposed on 1 February, after the council sat on 20 January: on that day
    there was nothing pending, and no discipline whose end achievements wait for."""
    later = Status("discipline", date(year + 1, 2, 1), date(year + 2, 2, 1), "warning")
    facts = person_facts(ratings={year: T}, statuses=[later])
    nomination = nominate("LDTT", year, docs=BASE_DOCS, considered_on=date(year + 1, 1, 20))
    result = screen(nomination, facts)
    assert (result.verdict, result.failing) == ("eligible", ())
    r14 = result.result("R14")
    assert r14.facts["considered_on"] == f"{year + 1}-01-20"
    assert r14.reason.startswith(f"Ngày xét 20/01/{year + 1}: không đang bị xem xét kỷ luật")


@pytest.mark.parametrize("year", REGIMES)
def test_status_pending_on_the_consideration_date_blocks_and_says_the_date(year):
    pending = Status("investigation", date(year + 1, 1, 10), date(year + 1, 3, 1))
    facts = person_facts(ratings={year: T}, statuses=[pending])
    on_it = nominate("LDTT", year, docs=BASE_DOCS, considered_on=date(year + 1, 1, 20))
    closed = nominate("LDTT", year, docs=BASE_DOCS, considered_on=date(year + 1, 3, 2))
    blocked = screen(on_it, facts)
    assert (blocked.verdict, blocked.failing) == ("blocked", ("R14",))
    assert blocked.result("R14").reason.startswith(f"Ngày xét 20/01/{year + 1}: đang bị xem xét")
    assert screen(closed, facts).verdict == "eligible"


@pytest.mark.parametrize(("y", "rule"), [(2024, "R03"), (2023, "R03-2013")])
def test_previous_award_decided_after_the_consideration_date_is_not_on_record(y, rule):
    """The titles a rule requires are read only from decisions made by the consideration date:
    CSTĐ cấp tỉnh needs CSTĐCS three years running, the third decided on 1 March."""
    b = FactsBuilder().collective("u1").person("p1", unit="u1")
    b.ratings("p1", {y - 2: X, y - 1: X, y: X})
    b.award("p1", "CSTDCS", y - 2, decided_on=date(y - 1, 1, 10))
    b.award("p1", "CSTDCS", y - 1, decided_on=date(y, 1, 10))
    b.award("p1", "CSTDCS", y, decided_on=date(y + 1, 3, 1))
    b.initiative("i1", authors=["p1"], year=y, level="provincial", scope="province")
    facts = b.build()
    early = screen(
        nominate("CSTD_TINH", y, initiatives=("i1",), considered_on=date(y + 1, 2, 1)), facts
    )
    late = screen(
        nominate("CSTD_TINH", y, initiatives=("i1",), considered_on=date(y + 1, 3, 5)), facts
    )
    assert early.failing == (rule,)
    assert early.result(rule).facts[f"cstdcs_{y}"] is False
    assert (late.verdict, late.failing) == ("eligible", ())


def test_r15_previous_decision_after_the_consideration_date_is_not_read():
    """R15: an LĐTT of 2024 decided on 1 March 2025 was not on record on 20 January."""
    b = FactsBuilder().collective("u1").person("p1", unit="u1").rating("p1", 2024, T)
    b.award("p1", "LDTT", 2024, decided_on=date(2025, 3, 1), ref="QĐ-LDTT-2024")
    facts = b.build()
    early = screen(nominate("LDTT", 2024, docs=BASE_DOCS, considered_on=date(2025, 1, 20)), facts)
    late = screen(nominate("LDTT", 2024, docs=BASE_DOCS, considered_on=date(2025, 3, 2)), facts)
    assert early.result("R15").passed
    assert late.failing == ("R15",)
    assert late.result("R15").facts["previous_decision"] == "QĐ-LDTT-2024"


def test_annual_run_reads_titles_and_statuses_as_of_its_date():
    facts = collective_facts(rating=T)  # members' LĐTT decided 20 December 2024
    b = FactsBuilder().collective("u1").person("p1", unit="u1").rating("p1", 2024, T)
    b.status("p1", "complaint", date(2025, 1, 10))
    early = screen_year(facts, 2024, as_of=date(2024, 12, 31))
    assert early.proposed("TTLDTT") == ("u1",)  # 20 December is before 31 December
    blocked = screen_year(b.build(), 2024, as_of=date(2025, 1, 15))
    free = screen_year(b.build(), 2024, as_of=date(2025, 1, 5))
    assert blocked.proposed("LDTT") == ()
    assert free.proposed("LDTT") == ("p1",)
    assert free.candidates["LDTT"][0].result.considered_on == date(2025, 1, 5)
