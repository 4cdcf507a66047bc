"""Adjudication table for the collective titles (R05, R06, R09, R10), both regimes, and the
collective's own statuses (R14)."""

from __future__ import annotations

from datetime import date

import pytest

from services.awards.domain import FactsBuilder, ScreeningConfig, screen

from .scenarios import BASE_DOCS, Status, collective_facts, nominate

X, T, D, K = "HTXSNV", "HTTNV", "HTNV", "KHTNV"


def collective(code: str, year: int = 2024, **kw):
    return nominate(code, year, kind="collective", docs=BASE_DOCS, **kw)


CASES = [
    # R05 TTLĐXS: excellent; 100% HTNV+; >= 70% LĐTT; >= 1 CSTĐCS (2013: no warning+).
    pytest.param(
        collective_facts(members={T: 7, D: 3}),
        collective("TTLDXS"),
        "eligible",
        (),
        id="R05-70-percent-LDTT-eligible",
    ),
    pytest.param(
        collective_facts(members={T: 6, D: 4}),
        collective("TTLDXS"),
        "ineligible",
        ("R05",),
        id="R05-60-percent-LDTT-ineligible",
    ),
    pytest.param(
        collective_facts(members={T: 9, K: 1}),
        collective("TTLDXS"),
        "ineligible",
        ("R05",),
        id="R05-member-not-done-ineligible",
    ),
    pytest.param(
        collective_facts(members={T: 9, "unrated": 1}),
        collective("TTLDXS"),
        "ineligible",
        ("R05",),
        id="R05-member-unrated-ineligible",
    ),
    pytest.param(
        collective_facts(cstdcs_members=0),
        collective("TTLDXS"),
        "ineligible",
        ("R05",),
        id="R05-no-CSTDCS-member-ineligible",
    ),
    pytest.param(
        collective_facts(rating=T),
        collective("TTLDXS"),
        "ineligible",
        ("R05",),
        id="R05-collective-only-good-ineligible",
    ),
    pytest.param(
        collective_facts(year=2023, disciplined=["warning"]),
        collective("TTLDXS", 2023),
        "ineligible",
        ("R05-2013",),
        id="R05-2013-member-warned-ineligible",
    ),
    pytest.param(
        collective_facts(year=2023, disciplined=["reprimand"]),
        collective("TTLDXS", 2023),
        "eligible",
        (),
        id="R05-2013-member-reprimanded-eligible",
    ),
    pytest.param(
        collective_facts(disciplined=["warning"]),
        collective("TTLDXS"),
        "eligible",
        (),
        id="R05-2022-member-warned-eligible",
    ),
    # R06 TTLĐTT: good or better; LĐTT share > T; nobody warned or worse.
    pytest.param(
        collective_facts(rating=T, members={T: 6, D: 4}),
        collective("TTLDTT"),
        "eligible",
        (),
        id="R06-60-percent-eligible",
    ),
    pytest.param(
        collective_facts(rating=T, members={T: 5, D: 5}),
        collective("TTLDTT"),
        "ineligible",
        ("R06",),
        id="R06-exactly-half-ineligible",
    ),
    pytest.param(
        collective_facts(rating=D, members={T: 10}),
        collective("TTLDTT"),
        "ineligible",
        ("R06",),
        id="R06-collective-rated-HTNV-ineligible",
    ),
    pytest.param(
        collective_facts(rating=T, disciplined=["warning"]),
        collective("TTLDTT"),
        "ineligible",
        ("R06",),
        id="R06-member-warned-ineligible",
    ),
    pytest.param(
        collective_facts(rating=T, disciplined=["reprimand"]),
        collective("TTLDTT"),
        "eligible",
        (),
        id="R06-member-reprimanded-eligible",
    ),
    pytest.param(
        collective_facts(year=2023, rating=T, members={T: 6, D: 4}),
        collective("TTLDTT", 2023),
        "eligible",
        (),
        id="R06-2013-60-percent-eligible",
    ),
    pytest.param(
        collective_facts(year=2023, rating=T, members={T: 5, D: 5}),
        collective("TTLDTT", 2023),
        "ineligible",
        ("R06-2013",),
        id="R06-2013-exactly-half-ineligible",
    ),
    # R09 Cờ thi đua tỉnh: leads the bloc and meets the TTLĐXS standard (R05).
    pytest.param(
        collective_facts(bloc_leader=True),
        collective("CO_TINH"),
        "eligible",
        (),
        id="R09-bloc-leader-eligible",
    ),
    pytest.param(
        collective_facts(bloc_leader=False),
        collective("CO_TINH"),
        "ineligible",
        ("R09",),
        id="R09-not-bloc-leader-ineligible",
    ),
    pytest.param(
        collective_facts(bloc_leader=True, rating=T),
        collective("CO_TINH"),
        "ineligible",
        ("R05",),
        id="R09-leader-below-TTLDXS-standard-ineligible",
    ),
    # R10 Cờ thi đua Chính phủ: floor(20% x bloc leaders) places.
    pytest.param(
        collective_facts(bloc_leader=True, bloc_leaders_total=10),
        collective("CO_CP"),
        "eligible",
        (),
        id="R10-one-of-ten-leaders-eligible",
    ),
    pytest.param(
        collective_facts(bloc_leader=True, bloc_leaders_total=4),
        collective("CO_CP"),
        "ineligible",
        ("R10",),
        id="R10-four-leaders-no-place-ineligible",
    ),
    pytest.param(
        collective_facts(year=2023, bloc_leader=True, bloc_leaders_total=5),
        collective("CO_CP", 2023),
        "eligible",
        (),
        id="R10-2013-five-leaders-one-place-eligible",
    ),
    # R14 the collective's own statuses (UnitStatusChanged): pending ones block on the day the
    # nomination is considered; after a discipline, achievements count from its end.
    pytest.param(
        collective_facts(statuses=[Status("inspection", date(2025, 1, 2), subject="u1")]),
        collective("TTLDXS", considered_on=date(2025, 1, 15)),
        "blocked",
        ("R14",),
        id="R14-collective-under-inspection-blocked",
    ),
    pytest.param(
        collective_facts(
            rating=T, statuses=[Status("complaint", date(2024, 12, 20), subject="u1")]
        ),
        collective("TTLDTT", considered_on=date(2025, 1, 15)),
        "blocked",
        ("R14",),
        id="R14-collective-pending-complaint-blocked",
    ),
    pytest.param(
        collective_facts(
            statuses=[
                Status("discipline", date(2024, 11, 1), None, "reprimand", subject="u1"),
                Status("investigation", date(2024, 3, 1), date(2024, 8, 1), subject="u1"),
            ]
        ),
        collective("TTLDXS", considered_on=date(2025, 1, 15)),
        "blocked",
        ("R14",),
        id="R14-collective-discipline-in-force-blocked",
    ),
    pytest.param(
        collective_facts(
            statuses=[Status("inspection", date(2024, 3, 1), date(2024, 8, 1), subject="u1")]
        ),
        collective("TTLDXS", considered_on=date(2025, 1, 15)),
        "eligible",
        (),
        id="R14-collective-inspection-concluded-before-eligible",
    ),
    pytest.param(
        collective_facts(
            statuses=[
                Status("discipline", date(2023, 3, 1), date(2024, 2, 1), "warning", subject="u1")
            ]
        ),
        collective("TTLDXS", considered_on=date(2025, 1, 15)),
        "ineligible",
        ("R14",),
        id="R14-collective-year-its-discipline-ends-does-not-count",
    ),
    pytest.param(
        collective_facts(
            bloc_leader=True,
            statuses=[Status("investigation", date(2025, 1, 10), subject="u1")],
        ),
        collective("CO_TINH", considered_on=date(2025, 1, 15)),
        "blocked",
        ("R14",),
        id="R14-bloc-leader-under-investigation-blocked",
    ),
]


@pytest.mark.parametrize(("facts", "nomination", "verdict", "failing"), CASES)
def test_collective_rule_table(facts, nomination, verdict, failing):
    result = screen(nomination, facts)
    assert (result.verdict, result.failing) == (verdict, failing)


def test_ttldtt_share_is_configurable_under_2022():
    facts = collective_facts(rating=T, members={T: 5, D: 5})
    default = screen(collective("TTLDTT"), facts)
    lowered = screen(collective("TTLDTT"), facts, ScreeningConfig(ttldtt_ldtt_share_2022=0.4))
    assert default.failing == ("R06",)
    assert default.result("R06").facts["ldtt_share_more_than"] == 0.5
    assert (lowered.verdict, lowered.failing) == ("eligible", ())


def test_ttldtt_2013_share_is_fixed_by_law_not_configuration():
    facts = collective_facts(year=2023, rating=T, members={T: 5, D: 5})
    result = screen(collective("TTLDTT", 2023), facts, ScreeningConfig(ttldtt_ldtt_share_2022=0.4))
    assert result.failing == ("R06-2013",)


def test_co_cp_counts_flags_already_given():
    facts = collective_facts(bloc_leader=True, bloc_leaders_total=10)
    b = FactsBuilder().collective("u1").collective("u8").collective("u9")
    b.rating("u1", 2024, X)
    for i in range(10):
        b.person(f"m{i}", unit="u1").rating(f"m{i}", 2024, T).award(f"m{i}", "LDTT", 2024)
    b.award("m0", "CSTDCS", 2024)
    b.bloc_leaders(2024, ["u1", "u8", "u9"], total=10)
    b.award("u8", "CO_CP", 2024).award("u9", "CO_CP", 2024)
    full = screen(collective("CO_CP"), b.build())
    assert screen(collective("CO_CP"), facts).verdict == "eligible"
    assert (full.verdict, full.failing) == ("ineligible", ("R10",))
    assert full.result("R10").facts["quota"] == 2
    assert full.result("R10").facts["quota_used"] == 2
