"""Cross-cutting rules: R13 dossier, R14 blocked and discipline, R15 periods, R11 single use
(on one nomination), and the verdict's precedence."""

from __future__ import annotations

from datetime import date

import pytest

from services.awards.domain import Nomination, screen

from .scenarios import BASE_DOCS, Init, Status, collective_facts, nominate, person_facts

X, T = "HTXSNV", "HTTNV"
NO_MINUTES = frozenset({"submission", "achievement_report"})
PROVINCIAL = {"level": "provincial", "scope": "province"}
CSTD_TINH_FACTS = {
    "ratings": {2022: X, 2023: X, 2024: X},
    "awards": {"CSTDCS": [2022, 2023, 2024]},
    "initiatives": [Init("i1", 2023, **PROVINCIAL)],
}

CASES = [
    # R13 dossier.
    pytest.param(
        person_facts(ratings={2024: T}),
        nominate("LDTT", 2024, docs=NO_MINUTES),
        "incomplete",
        ("R13",),
        id="R13-LDTT-missing-review-minutes-incomplete",
    ),
    pytest.param(
        person_facts(ratings={2022: T}, initiatives=[Init("i1", 2022)]),
        nominate("CSTDCS", 2022, docs=BASE_DOCS, initiatives=("i1",)),
        "incomplete",
        ("R13",),
        id="R13-CSTDCS-2013-missing-initiative-certificate-incomplete",
    ),
    pytest.param(
        person_facts(ratings={2024: T}, initiatives=[Init("i1", 2024)]),
        nominate("CSTDCS", 2024, docs=BASE_DOCS, initiatives=("i1",)),
        "incomplete",
        ("R13",),
        id="R13-CSTDCS-2022-claiming-initiative-without-certificate-incomplete",
    ),
    pytest.param(
        person_facts(ratings={2024: X}),
        nominate("CSTDCS", 2024, docs=BASE_DOCS),
        "eligible",
        (),
        id="R13-CSTDCS-2022-on-rating-alone-needs-no-certificate",
    ),
    pytest.param(
        person_facts(**CSTD_TINH_FACTS),
        nominate("CSTD_TINH", 2024, docs=BASE_DOCS, initiatives=("i1",)),
        "incomplete",
        ("R13",),
        id="R13-CSTD_TINH-missing-initiative-certificate-incomplete",
    ),
    pytest.param(
        person_facts(ratings={2024: "HTNV"}),
        nominate("LDTT", 2024, docs=NO_MINUTES),
        "incomplete",
        ("R01", "R13"),
        id="R13-incomplete-outranks-ineligible",
    ),
    pytest.param(
        person_facts(),
        nominate("GIAY_KHEN", 2024, docs=BASE_DOCS),
        "eligible",
        (),
        id="MANUAL-Giay-khen-checked-by-the-council",
    ),
    # R14 pending statuses block at the consideration date.
    pytest.param(
        person_facts(ratings={2024: T}, statuses=[Status("investigation", date(2025, 1, 5))]),
        nominate("LDTT", 2024, docs=BASE_DOCS, considered_on=date(2025, 1, 20)),
        "blocked",
        ("R14",),
        id="R14-pending-investigation-blocked",
    ),
    pytest.param(
        person_facts(
            ratings={2024: T},
            statuses=[Status("investigation", date(2024, 3, 1), date(2024, 9, 30))],
        ),
        nominate("LDTT", 2024, docs=BASE_DOCS, considered_on=date(2025, 1, 20)),
        "eligible",
        (),
        id="R14-investigation-closed-before-eligible",
    ),
    pytest.param(
        person_facts(ratings={2024: T}, statuses=[Status("complaint", date(2025, 1, 10))]),
        nominate("LDTT", 2024, docs=BASE_DOCS, considered_on=date(2025, 1, 20)),
        "blocked",
        ("R14",),
        id="R14-pending-complaint-blocked",
    ),
    pytest.param(
        person_facts(
            ratings={2024: T},
            statuses=[Status("discipline", date(2024, 11, 1), date(2025, 10, 31), "warning")],
        ),
        nominate("LDTT", 2024, docs=BASE_DOCS, considered_on=date(2025, 1, 20)),
        "blocked",
        ("R14",),
        id="R14-discipline-in-force-blocked",
    ),
    pytest.param(
        person_facts(ratings={2024: T}, statuses=[Status("inspection", date(2025, 1, 5))]),
        nominate("LDTT", 2024, docs=NO_MINUTES, considered_on=date(2025, 1, 20)),
        "blocked",
        ("R13", "R14"),
        id="R14-blocked-outranks-incomplete",
    ),
    # R14 achievements count from the end of a discipline.
    pytest.param(
        person_facts(
            ratings={2024: T},
            statuses=[Status("discipline", date(2022, 7, 1), date(2023, 6, 30), "warning")],
        ),
        nominate("LDTT", 2024, docs=BASE_DOCS, considered_on=date(2025, 1, 20)),
        "eligible",
        (),
        id="R14-year-after-discipline-counts",
    ),
    pytest.param(
        person_facts(
            ratings={2023: T},
            statuses=[Status("discipline", date(2022, 7, 1), date(2023, 6, 30), "warning")],
        ),
        nominate("LDTT", 2023, docs=BASE_DOCS, considered_on=date(2024, 1, 20)),
        "ineligible",
        ("R14",),
        id="R14-year-the-discipline-ends-does-not-count",
    ),
    pytest.param(
        person_facts(
            **CSTD_TINH_FACTS,
            statuses=[Status("discipline", date(2022, 7, 1), date(2023, 7, 1), "reprimand")],
        ),
        nominate("CSTD_TINH", 2024, initiatives=("i1",), considered_on=date(2025, 1, 20)),
        "ineligible",
        ("R14",),
        id="R14-consecutive-years-before-discipline-end-do-not-count",
    ),
    pytest.param(
        person_facts(
            ratings={2024: X, 2025: X},
            awards={"CSTDCS": [2024, 2025]},
            statuses=[Status("discipline", date(2022, 7, 1), date(2023, 6, 30), "warning")],
        ),
        nominate("BK_TINH", 2025, docs=BASE_DOCS, considered_on=date(2026, 1, 20)),
        "eligible",
        (),
        id="R14-window-wholly-after-discipline-eligible",
    ),
    # R15 the window starts after the previous decision's period.
    pytest.param(
        person_facts(ratings={2024: T}, awards={"LDTT": [2024]}),
        nominate("LDTT", 2024, docs=BASE_DOCS),
        "ineligible",
        ("R15",),
        id="R15-LDTT-already-given-for-the-year",
    ),
    pytest.param(
        person_facts(
            awards={"CSTDCS": [2021, 2022, 2023]},
            periods={"CSTD_TINH": [(date(2019, 1, 1), date(2021, 12, 31))]},
            initiatives=[Init("i1", 2022, **PROVINCIAL)],
        ),
        nominate("CSTD_TINH", 2023, initiatives=("i1",)),
        "ineligible",
        ("R15",),
        id="R15-CSTD_TINH-window-overlaps-previous-period",
    ),
    pytest.param(
        person_facts(
            awards={"CSTDCS": [2022, 2023, 2024]},
            periods={"CSTD_TINH": [(date(2019, 1, 1), date(2021, 12, 31))]},
            initiatives=[Init("i1", 2023, **PROVINCIAL)],
        ),
        nominate("CSTD_TINH", 2024, initiatives=("i1",)),
        "eligible",
        (),
        id="R15-CSTD_TINH-window-after-previous-period-eligible",
    ),
    pytest.param(
        person_facts(
            ratings={2023: X, 2024: X}, awards={"CSTDCS": [2023, 2024], "BK_TINH": [2023]}
        ),
        nominate("BK_TINH", 2024, docs=BASE_DOCS),
        "ineligible",
        ("R15",),
        id="R15-BK_TINH-year-already-counted",
    ),
    # R11 on a single nomination.
    pytest.param(
        person_facts(ratings={2024: T}, initiatives=[Init("i1", 2024, used_by="QĐ-12/2025")]),
        nominate("CSTDCS", 2024, initiatives=("i1",)),
        "ineligible",
        ("R11",),
        id="R11-initiative-used-by-an-earlier-award",
    ),
    pytest.param(
        person_facts(ratings={2024: T}, initiatives=[Init("i1", 2024, used_by="n1")]),
        nominate("CSTDCS", 2024, initiatives=("i1",), id="n1"),
        "eligible",
        (),
        id="R11-rescreening-the-nomination-that-used-it",
    ),
]


@pytest.mark.parametrize(("facts", "nomination", "verdict", "failing"), CASES)
def test_cross_cutting_rule_table(facts, nomination, verdict, failing):
    result = screen(nomination, facts)
    assert (result.verdict, result.failing) == (verdict, failing)


def test_dossier_result_names_the_missing_documents():
    result = screen(nominate("LDTT", 2024, docs=NO_MINUTES), person_facts(ratings={2024: T}))
    assert result.result("R13").facts["documents_missing"] == "review_minutes"
    assert result.result("R13").effect == "incomplete"


def test_blocked_result_names_the_pending_status_and_date():
    facts = person_facts(ratings={2024: T}, statuses=[Status("investigation", date(2025, 1, 5))])
    r14 = screen(
        nominate("LDTT", 2024, docs=BASE_DOCS, considered_on=date(2025, 1, 20)), facts
    ).result("R14")
    assert r14.facts["pending"] == "investigation:2025-01-05"
    assert r14.facts["considered_on"] == "2025-01-20"
    assert r14.effect == "blocked"


def test_discipline_result_says_from_when_achievements_count():
    facts = person_facts(
        **CSTD_TINH_FACTS,
        statuses=[Status("discipline", date(2022, 7, 1), date(2023, 7, 1), "reprimand")],
    )
    r14 = screen(nominate("CSTD_TINH", 2024, initiatives=("i1",)), facts).result("R14")
    assert r14.facts["achievements_count_from"] == "2023-07-01"
    assert r14.effect == "ineligible"
    assert "2022–2024" in r14.reason


def test_status_of_the_collective_blocks_it():
    facts = collective_facts(
        rating=T, statuses=[Status("inspection", date(2025, 1, 2), subject="u1")]
    )
    nomination = nominate(
        "TTLDTT", 2024, kind="collective", docs=BASE_DOCS, considered_on=date(2025, 1, 15)
    )
    result = screen(nomination, facts)
    assert (result.verdict, result.failing) == ("blocked", ("R14",))


def test_nomination_of_the_wrong_kind_is_refused():
    with pytest.raises(ValueError, match="not awarded to a collective"):
        screen(nominate("LDTT", 2024, kind="collective"), person_facts())


def test_nomination_by_period_counts_the_years_it_ends_with():
    facts = person_facts(ratings={2023: T, 2024: T}, awards={"CSTDCS": [2023, 2024]})
    nomination = Nomination(
        "n1",
        "person",
        "p1",
        "BK_TINH",
        period=(date(2023, 1, 1), date(2024, 12, 31)),
        documents=BASE_DOCS,
    )
    result = screen(nomination, facts)
    assert (result.year, result.regime, result.verdict) == (2024, "2022", "eligible")
    assert result.result("R15").facts["window_start"] == "2023-01-01"
    with pytest.raises(ValueError, match="year or a period"):
        Nomination("n2", "person", "p1", "LDTT")
