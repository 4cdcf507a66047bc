"""Citations through the service's screening: the texts cited are those in force on the day the
board screens (a 2020 campaign screened in January 2021 cites no 2022, 2023 or 2025 text), as
stored and as published; the province's citations are checked when the service starts."""

from __future__ import annotations

import re
from datetime import date

import pytest
from pydantic import ValidationError

from services.awards.config import AwardsConfig
from services.awards.domain.legal import TEXTS
from tests.awards.conftest import Awards
from tests.awards.test_nominations import populate, submit_all

pytestmark = pytest.mark.timeout(120)

NUMBER = re.compile(r"\d+/\d{4}/[\wĐ-]+")
BY_NUMBER = {t.number: t for t in TEXTS.values()}


def cited_numbers(results: list[dict]) -> set[str]:
    return {n for x in results for r in x["rule_results"] for n in NUMBER.findall(r["citation"])}


def assert_in_force(numbers: set[str], day: date) -> None:
    for number in numbers:
        assert BY_NUMBER[number].in_force(day), f"{number} was not in force on {day}"


async def screen_year(awards: Awards, year: int) -> list[dict]:
    return (await awards.post("/screenings", {"year": year}, expect=200)).json()["results"]


async def test_a_2020_campaign_screened_in_january_2021_cites_the_texts_of_2021(
    awards: Awards,
) -> None:
    awards.today(date(2021, 1, 15))
    w = await populate(awards, 2020, "2013")
    ids = await submit_all(awards, w)
    results = await screen_year(awards, 2020)
    numbers = cited_numbers(results)
    assert numbers == {"15/2003/QH11", "91/2017/NĐ-CP"}  # the confirmed articles of 2021
    assert_in_force(numbers, date(2021, 1, 15))
    events = await awards.outbox("NominationScreened")
    assert cited_numbers(events) == numbers
    detail = (await awards.get(f"/nominations/{ids['hoa_cstdcs']}")).json()
    stored = {r["rule_id"]: r["citation"] for r in detail["screening"]["rule_results"]}
    assert stored["R14"] == "Căn cứ do tỉnh cấu hình"
    assert stored["R13"] == "Luật Thi đua, khen thưởng 15/2003/QH11, Điều 84"


async def test_a_2024_campaign_cites_decree_98_before_july_2025_and_not_after(
    awards: Awards,
) -> None:
    awards.today(date(2025, 3, 1))
    w = await populate(awards, 2024, "2022")
    await submit_all(awards, w)
    before = cited_numbers(await screen_year(awards, 2024))
    assert "98/2023/NĐ-CP" in before and "06/2022/QH15" in before
    assert_in_force(before, date(2025, 3, 1))

    awards.today(date(2025, 8, 1))  # screened again after Nghị định 98/2023 gave way
    after = cited_numbers(await screen_year(awards, 2024))
    assert after == {"06/2022/QH15"}
    assert_in_force(after, date(2025, 8, 1))


def test_the_province_citations_name_known_periods_and_rules() -> None:
    given = AwardsConfig(rule_citations={"2013": {"R14": "Thông tư 12/2019/TT-BNV, Điều 2"}})
    assert given.screening.rule_citations["2013"]["R14"] == "Thông tư 12/2019/TT-BNV, Điều 2"
    per_award = AwardsConfig(rule_citations={"2024": {"MANUAL/GIAY_KHEN": "QĐ 11/2024, Điều 9"}})
    assert per_award.screening.rule_citations["2024"]["MANUAL/GIAY_KHEN"] == "QĐ 11/2024, Điều 9"
    with pytest.raises(ValidationError, match="unknown rules"):
        AwardsConfig(rule_citations={"2024": {"MANUAL/LDTT": "x"}})
    with pytest.raises(ValidationError, match="unknown rules"):
        AwardsConfig(rule_citations={"2013": {"R99": "x"}})
    with pytest.raises(ValidationError, match="unknown period"):
        AwardsConfig(rule_citations={"2030": {"R14": "x"}})
