"""Adjudication table for the personal titles and forms (R01–R04, R07, R08), both regimes.

Each case: the facts, the nomination, the expected verdict and the rules expected to fail."""

from __future__ import annotations

from datetime import date

import pytest

from services.awards.domain import screen

from .scenarios import BASE_DOCS, Init, nominate, person_facts

X, T, D, K = "HTXSNV", "HTTNV", "HTNV", "KHTNV"
PROVINCIAL = {"level": "provincial", "scope": "province"}
NATIONAL = {"level": "national", "scope": "national"}


def period(first: int, last: int) -> tuple[date, date]:
    return (date(first, 1, 1), date(last, 12, 31))


CASES = [
    # R01 LĐTT: rated HTTNV or better.
    pytest.param(
        person_facts(ratings={2024: T}),
        nominate("LDTT", 2024, docs=BASE_DOCS),
        "eligible",
        (),
        id="R01-2024-HTTNV-eligible",
    ),
    pytest.param(
        person_facts(ratings={2024: X}),
        nominate("LDTT", 2024, docs=BASE_DOCS),
        "eligible",
        (),
        id="R01-2024-HTXSNV-eligible",
    ),
    pytest.param(
        person_facts(ratings={2024: D}),
        nominate("LDTT", 2024, docs=BASE_DOCS),
        "ineligible",
        ("R01",),
        id="R01-2024-HTNV-ineligible",
    ),
    pytest.param(
        person_facts(ratings={2023: X}),
        nominate("LDTT", 2024, docs=BASE_DOCS),
        "ineligible",
        ("R01",),
        id="R01-2024-unrated-ineligible",
    ),
    pytest.param(
        person_facts(ratings={2020: T}),
        nominate("LDTT", 2020, docs=BASE_DOCS),
        "eligible",
        (),
        id="R01-2013-2020-HTTNV-eligible",
    ),
    pytest.param(
        person_facts(ratings={2020: K}),
        nominate("LDTT", 2020, docs=BASE_DOCS),
        "ineligible",
        ("R01-2013",),
        id="R01-2013-2020-KHTNV-ineligible",
    ),
    # R02 CSTĐCS 2022: LĐTT and (HTXSNV or an initiative of the year).
    pytest.param(
        person_facts(ratings={2024: X}),
        nominate("CSTDCS", 2024, docs=BASE_DOCS),
        "eligible",
        (),
        id="R02-HTXSNV-without-initiative-eligible",
    ),
    pytest.param(
        person_facts(ratings={2024: T}, initiatives=[Init("i1", 2024)]),
        nominate("CSTDCS", 2024, initiatives=("i1",)),
        "eligible",
        (),
        id="R02-HTTNV-with-initiative-eligible",
    ),
    pytest.param(
        person_facts(ratings={2024: T}),
        nominate("CSTDCS", 2024, docs=BASE_DOCS),
        "ineligible",
        ("R02",),
        id="R02-HTTNV-without-initiative-ineligible",
    ),
    pytest.param(
        person_facts(ratings={2024: T}, initiatives=[Init("i1", 2023)]),
        nominate("CSTDCS", 2024, initiatives=("i1",)),
        "ineligible",
        ("R02",),
        id="R02-initiative-of-previous-year-ineligible",
    ),
    pytest.param(
        person_facts(ratings={2024: T}, initiatives=[Init("i1", 2024, authors=("c0",))]),
        nominate("CSTDCS", 2024, initiatives=("i1",)),
        "ineligible",
        ("R02",),
        id="R02-initiative-of-someone-else-ineligible",
    ),
    pytest.param(
        person_facts(ratings={2024: D}, initiatives=[Init("i1", 2024)]),
        nominate("CSTDCS", 2024, initiatives=("i1",)),
        "ineligible",
        ("R02",),
        id="R02-not-LDTT-ineligible",
    ),
    # R02-2013: LĐTT and an initiative; an excellent rating does not replace it.
    pytest.param(
        person_facts(ratings={2022: T}, initiatives=[Init("i1", 2022)]),
        nominate("CSTDCS", 2022, initiatives=("i1",)),
        "eligible",
        (),
        id="R02-2013-with-initiative-eligible",
    ),
    pytest.param(
        person_facts(ratings={2022: X}),
        nominate("CSTDCS", 2022),
        "ineligible",
        ("R02-2013",),
        id="R02-2013-HTXSNV-without-initiative-ineligible",
    ),
    # R03 CSTĐ cấp tỉnh: CSTĐCS in y-2, y-1, y and a province-wide initiative.
    pytest.param(
        person_facts(
            ratings={2022: X, 2023: X, 2024: X},
            awards={"CSTDCS": [2022, 2023, 2024]},
            initiatives=[Init("i1", 2023, **PROVINCIAL)],
        ),
        nominate("CSTD_TINH", 2024, initiatives=("i1",)),
        "eligible",
        (),
        id="R03-three-years-and-provincial-initiative-eligible",
    ),
    pytest.param(
        person_facts(
            ratings={2022: X, 2023: T, 2024: X},
            awards={"CSTDCS": [2022, 2024]},
            initiatives=[Init("i1", 2023, **PROVINCIAL)],
        ),
        nominate("CSTD_TINH", 2024, initiatives=("i1",)),
        "ineligible",
        ("R03",),
        id="R03-break-in-y-1-ineligible",
    ),
    pytest.param(
        person_facts(awards={"CSTDCS": [2023, 2024]}, initiatives=[Init("i1", 2023, **PROVINCIAL)]),
        nominate("CSTD_TINH", 2024, initiatives=("i1",)),
        "ineligible",
        ("R03",),
        id="R03-missing-y-2-ineligible",
    ),
    pytest.param(
        person_facts(awards={"CSTDCS": [2022, 2023, 2024]}, initiatives=[Init("i1", 2023)]),
        nominate("CSTD_TINH", 2024, initiatives=("i1",)),
        "ineligible",
        ("R03",),
        id="R03-grassroots-initiative-only-ineligible",
    ),
    pytest.param(
        person_facts(
            awards={"CSTDCS": [2022, 2023, 2024]}, initiatives=[Init("i1", 2021, **PROVINCIAL)]
        ),
        nominate("CSTD_TINH", 2024, initiatives=("i1",)),
        "ineligible",
        ("R03",),
        id="R03-initiative-before-the-window-ineligible",
    ),
    pytest.param(
        person_facts(
            awards={"CSTDCS": [2021, 2022, 2023]}, initiatives=[Init("i1", 2022, **PROVINCIAL)]
        ),
        nominate("CSTD_TINH", 2023, initiatives=("i1",)),
        "eligible",
        (),
        id="R03-2013-eligible",
    ),
    # R04 CSTĐ toàn quốc: CSTĐ cấp tỉnh twice running and a nationwide initiative.
    pytest.param(
        person_facts(
            periods={"CSTD_TINH": [period(2019, 2021), period(2022, 2024)]},
            initiatives=[Init("i9", 2023, **NATIONAL)],
        ),
        nominate("CSTD_TQ", 2024, initiatives=("i9",)),
        "eligible",
        (),
        id="R04-twice-running-and-nationwide-initiative-eligible",
    ),
    pytest.param(
        person_facts(
            periods={"CSTD_TINH": [period(2016, 2018), period(2022, 2024)]},
            initiatives=[Init("i9", 2023, **NATIONAL)],
        ),
        nominate("CSTD_TQ", 2024, initiatives=("i9",)),
        "ineligible",
        ("R04",),
        id="R04-not-consecutive-ineligible",
    ),
    pytest.param(
        person_facts(
            periods={"CSTD_TINH": [period(2019, 2021), period(2022, 2024)]},
            initiatives=[Init("i9", 2023, **PROVINCIAL)],
        ),
        nominate("CSTD_TQ", 2024, initiatives=("i9",)),
        "ineligible",
        ("R04",),
        id="R04-provincial-initiative-only-ineligible",
    ),
    # R07 Bằng khen tỉnh: CSTĐCS 2 years running, or HTXSNV 2 years with 2 initiatives.
    pytest.param(
        person_facts(ratings={2023: T, 2024: T}, awards={"CSTDCS": [2023, 2024]}),
        nominate("BK_TINH", 2024, docs=BASE_DOCS),
        "eligible",
        (),
        id="R07-CSTDCS-two-years-eligible",
    ),
    pytest.param(
        person_facts(ratings={2023: X, 2024: X}, initiatives=[Init("i1", 2023), Init("i2", 2024)]),
        nominate("BK_TINH", 2024, docs=BASE_DOCS, initiatives=("i1", "i2")),
        "eligible",
        (),
        id="R07-HTXSNV-two-years-two-initiatives-eligible",
    ),
    pytest.param(
        person_facts(ratings={2023: X, 2024: X}, initiatives=[Init("i1", 2023)]),
        nominate("BK_TINH", 2024, docs=BASE_DOCS, initiatives=("i1",)),
        "ineligible",
        ("R07",),
        id="R07-one-initiative-only-ineligible",
    ),
    pytest.param(
        person_facts(ratings={2023: T, 2024: X}, initiatives=[Init("i1", 2023), Init("i2", 2024)]),
        nominate("BK_TINH", 2024, docs=BASE_DOCS, initiatives=("i1", "i2")),
        "ineligible",
        ("R07",),
        id="R07-HTXSNV-one-year-only-ineligible",
    ),
    pytest.param(
        person_facts(
            ratings={2023: X, 2024: X},
            initiatives=[Init("i1", 2023, used_by="QĐ-CSTDCS-2023"), Init("i2", 2024)],
        ),
        nominate("BK_TINH", 2024, docs=BASE_DOCS, initiatives=("i1", "i2")),
        "ineligible",
        ("R11",),
        id="R07-initiative-already-used-fails-R11",
    ),
    # R08 Bằng khen Thủ tướng: BK_TINH, then 5 years HTTNV+ with 3 CSTĐCS.
    pytest.param(
        person_facts(
            ratings={y: T for y in range(2020, 2025)},
            awards={"BK_TINH": [2019], "CSTDCS": [2021, 2022, 2024]},
        ),
        nominate("BK_TTG", 2024, docs=BASE_DOCS),
        "eligible",
        (),
        id="R08-eligible",
    ),
    pytest.param(
        person_facts(
            ratings={y: T for y in range(2020, 2025)},
            awards={"BK_TINH": [2019], "CSTDCS": [2021, 2024]},
        ),
        nominate("BK_TTG", 2024, docs=BASE_DOCS),
        "ineligible",
        ("R08",),
        id="R08-two-CSTDCS-only-ineligible",
    ),
    pytest.param(
        person_facts(
            ratings={2020: T, 2021: T, 2022: D, 2023: T, 2024: T},
            awards={"BK_TINH": [2019], "CSTDCS": [2021, 2023, 2024]},
        ),
        nominate("BK_TTG", 2024, docs=BASE_DOCS),
        "ineligible",
        ("R08",),
        id="R08-HTNV-in-the-window-ineligible",
    ),
    pytest.param(
        person_facts(
            ratings={y: T for y in range(2020, 2025)},
            awards={"BK_TINH": [2021], "CSTDCS": [2021, 2022, 2024]},
        ),
        nominate("BK_TTG", 2024, docs=BASE_DOCS),
        "ineligible",
        ("R08",),
        id="R08-BK_TINH-inside-the-window-ineligible",
    ),
]


@pytest.mark.parametrize(("facts", "nomination", "verdict", "failing"), CASES)
def test_person_rule_table(facts, nomination, verdict, failing):
    result = screen(nomination, facts)
    assert (result.verdict, result.failing) == (verdict, failing)


def test_same_facts_differ_between_regimes_for_cstdcs():
    """HTXSNV without an initiative: enough under 2022 (Điều 23), not under 2013 (NĐ 91/2017)."""
    facts = person_facts(ratings={2024: X})
    under_2022 = screen(nominate("CSTDCS", 2024), facts)
    under_2013 = screen(nominate("CSTDCS", 2024, regime="2013"), facts)
    assert (under_2022.regime, under_2022.verdict, under_2022.failing) == ("2022", "eligible", ())
    assert (under_2013.regime, under_2013.verdict, under_2013.failing) == (
        "2013",
        "ineligible",
        ("R02-2013",),
    )
    # considered on 2024-12-31: the 2003 law is no longer in force, the province supplies the basis
    assert under_2013.result("R02-2013").citation == "Căn cứ do tỉnh cấu hình"


def test_failing_rule_says_why_with_its_facts():
    result = screen(nominate("CSTD_TINH", 2024), person_facts(awards={"CSTDCS": [2022, 2024]}))
    r03 = result.result("R03")
    assert r03.facts == {"cstdcs_2022": True, "cstdcs_2023": False, "cstdcs_2024": True}
    assert r03.reason == "Không đạt Chiến sĩ thi đua cơ sở 3 năm liên tục 2022–2024."
    assert r03.citation == "Luật Thi đua, khen thưởng 06/2022/QH15, Điều 22 khoản 1"
