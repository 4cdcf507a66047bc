"""Screening a batch: quotas with R16 tie-breaks, and one initiative for one award (R11)."""

from __future__ import annotations

import pytest

from services.awards.domain import FactsBuilder, ScreeningConfig, screen_batch

from .scenarios import nominate

X, T = "HTXSNV", "HTTNV"


def province_with_bloc_leaders(women_shares: dict[str, float], total: int = 10):
    """Leading units, each meeting the TTLĐXS standard in 2024, with the given share of women."""
    b = FactsBuilder()
    for unit, share in women_shares.items():
        b.collective(unit, women_share=share).rating(unit, 2024, X)
        for i in range(10):
            pid = f"{unit}-m{i}"
            b.person(pid, unit=unit).rating(pid, 2024, T).award(pid, "LDTT", 2024)
        b.award(f"{unit}-m0", "CSTDCS", 2024)
    b.bloc_leaders(2024, list(women_shares), total=total)
    return b.build()


def co_cp(unit: str, score: float | None = None):
    return nominate("CO_CP", 2024, kind="collective", nominee=unit, id=f"n-{unit}", score=score)


def test_co_cp_quota_of_ten_bloc_leaders_is_two_and_women_led_units_go_first():
    facts = province_with_bloc_leaders({"uA": 0.2, "uB": 0.8, "uC": 0.75})
    a, b, c = screen_batch([co_cp("uA"), co_cp("uB"), co_cp("uC")], facts)
    assert (b.verdict, b.failing) == ("eligible", ())
    assert (c.verdict, c.failing) == ("eligible", ())
    assert (a.verdict, a.failing) == ("ineligible", ("R10",))
    assert (
        a.result("R10").facts.items() >= {"quota": 2, "quota_rank": 3, "bloc_leaders": 10}.items()
    )
    assert a.result("R16").facts["tie_break_preferred"] is False
    assert b.result("R16").facts == {
        "women_share": 0.8,
        "tie_break_preferred": True,
        "quota_rank": 1,
    }


def test_co_cp_score_ranks_before_the_tie_break():
    facts = province_with_bloc_leaders({"uA": 0.2, "uB": 0.8, "uC": 0.75})
    a, b, c = screen_batch([co_cp("uA", 96), co_cp("uB", 90), co_cp("uC", 92)], facts)
    assert [r.verdict for r in (a, b, c)] == ["eligible", "ineligible", "eligible"]
    assert b.failing == ("R10",)


def test_co_cp_equal_scores_fall_back_to_women_first():
    facts = province_with_bloc_leaders({"uA": 0.2, "uB": 0.8, "uC": 0.5})
    a, b, c = screen_batch([co_cp("uA", 95), co_cp("uB", 90), co_cp("uC", 90)], facts)
    assert [r.verdict for r in (a, b, c)] == ["eligible", "eligible", "ineligible"]
    assert c.failing == ("R10",)


def test_co_cp_ineligible_nomination_takes_no_quota_place():
    facts = province_with_bloc_leaders({"uA": 0.2, "uB": 0.8, "uC": 0.75})
    nominations = [co_cp("uA"), co_cp("uB"), co_cp("uC"), co_cp("uZ")]  # uZ leads nothing
    results = screen_batch(nominations, facts)
    assert [r.verdict for r in results] == ["ineligible", "eligible", "eligible", "ineligible"]
    assert results[3].failing == ("R05", "R09")


def unit_of_ldtt(count: int, year: int, genders: dict[str, str]):
    """u1 with `count` people rated HTTNV and holding LĐTT; the named ones also hold LĐTT and
    have an initiative of the year."""
    b = FactsBuilder().collective("u1")
    for i in range(count):
        pid = f"c{i}"
        b.person(pid, unit="u1", gender="male").rating(pid, year, T).award(pid, "LDTT", year)
    for pid, gender in genders.items():
        b.person(pid, unit="u1", gender=gender).rating(pid, year, T).award(pid, "LDTT", year)
        b.initiative(f"i-{pid}", authors=[pid], year=year)
    return b


def cstdcs(pid: str, year: int):
    return nominate("CSTDCS", year, nominee=pid, id=f"n-{pid}", initiatives=(f"i-{pid}",))


def test_cstdcs_2013_cap_of_15_percent_goes_to_the_woman_on_a_tie():
    facts = unit_of_ldtt(8, 2023, {"pm": "male", "pf": "female"}).build()  # 10 LDTT -> 1 place
    male, female = screen_batch([cstdcs("pm", 2023), cstdcs("pf", 2023)], facts)
    assert (female.verdict, female.failing) == ("eligible", ())
    assert (male.verdict, male.failing) == ("ineligible", ("R02-2013",))
    assert (
        male.result("R02-2013").facts.items()
        >= {"ldtt_count": 10, "quota": 1, "quota_rank": 2}.items()
    )


def test_cstdcs_2013_cap_counts_titles_already_given():
    b = unit_of_ldtt(8, 2023, {"pf": "female", "ph": "male"})
    b.award("ph", "CSTDCS", 2023)
    (result,) = screen_batch([cstdcs("pf", 2023)], b.build())
    assert (result.verdict, result.failing) == ("ineligible", ("R02-2013",))


def test_cstdcs_2013_small_unit_has_no_place():
    facts = unit_of_ldtt(4, 2023, {"pf": "female"}).build()  # 5 LDTT -> floor(0.75) = 0
    (result,) = screen_batch([cstdcs("pf", 2023)], facts)
    assert result.failing == ("R02-2013",)
    assert result.result("R02-2013").facts["quota"] == 0


def test_cstdcs_2022_has_no_cap_by_default_and_a_configured_one_applies():
    facts = unit_of_ldtt(8, 2024, {"pm": "male", "pf": "female"}).build()
    batch = [cstdcs("pm", 2024), cstdcs("pf", 2024)]
    uncapped = screen_batch(batch, facts)
    capped = screen_batch(batch, facts, ScreeningConfig(cstdcs_cap_2022=0.15))
    assert [r.verdict for r in uncapped] == ["eligible", "eligible"]
    assert [(r.verdict, r.failing) for r in capped] == [
        ("ineligible", ("R02",)),
        ("eligible", ()),
    ]


def co_authored():
    b = FactsBuilder().collective("u1")
    for pid in ("p1", "p2", "p3"):
        b.person(pid, unit="u1").rating(pid, 2024, T)
    b.initiative("i1", authors=["p1", "p2"], year=2024)
    return b.build()


def claim(pid: str):
    return nominate("CSTDCS", 2024, nominee=pid, id=f"n-{pid}", initiatives=("i1",))


@pytest.mark.parametrize(
    ("order", "winner", "loser"),
    [
        pytest.param(("p1", "p2"), "p1", "p2", id="p1-first"),
        pytest.param(("p2", "p1"), "p2", "p1", id="p2-first"),
    ],
)
def test_initiative_claimed_twice_supports_the_first_nomination_only(order, winner, loser):
    results = {r.nominee_id: r for r in screen_batch([claim(p) for p in order], co_authored())}
    assert (results[winner].verdict, results[winner].failing) == ("eligible", ())
    assert (results[loser].verdict, results[loser].failing) == ("ineligible", ("R11",))
    r11 = results[loser].result("R11")
    assert r11.facts["initiatives_claimed_earlier_in_batch"] == "i1"


def test_initiative_of_a_failing_nomination_stays_available():
    """p3 is not an author, so its claim does not count and does not use the initiative up."""
    results = screen_batch([claim("p3"), claim("p1")], co_authored())
    assert [(r.verdict, r.failing) for r in results] == [
        ("ineligible", ("R02",)),
        ("eligible", ()),
    ]


def test_batch_results_come_back_in_input_order_with_their_ids():
    facts = province_with_bloc_leaders({"uA": 0.2, "uB": 0.8, "uC": 0.75})
    results = screen_batch([co_cp("uC"), co_cp("uA"), co_cp("uB")], facts)
    assert [r.nomination_id for r in results] == ["n-uC", "n-uA", "n-uB"]
    assert all(r.result("R13").passed for r in results)
