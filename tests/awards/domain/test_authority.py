"""Who decides each award, by regime, signing date and where the nominee works (Luật 06/2022
Điều 78–80; Luật 2003/2013 Điều 78–79 and Nghị định 91/2017 Điều 43; Nghị định 129/2025 from
2025-07-01)."""

from __future__ import annotations

from datetime import date

import pytest

from services.awards.domain.authority import (
    Authority,
    AuthorityRule,
    Setting,
    check_signer,
    deciding,
    heads,
    setting_of,
)

A = Authority
BEFORE, AFTER = date(2025, 6, 30), date(2025, 7, 1)


@pytest.mark.parametrize("regime", ["2013", "2022"])
@pytest.mark.parametrize(
    ("code", "setting", "on", "who"),
    [
        ("CSTD_TQ", Setting.AGENCY, BEFORE, A.PRIME_MINISTER),
        ("CO_CP", Setting.DISTRICT, BEFORE, A.PRIME_MINISTER),
        ("BK_TTG", Setting.COMMUNE, AFTER, A.PRIME_MINISTER),
        ("CSTD_TINH", Setting.AGENCY, BEFORE, A.PROVINCE_CHAIRMAN),
        ("TTLDXS", Setting.DISTRICT, AFTER, A.PROVINCE_CHAIRMAN),
        ("CO_TINH", Setting.AGENCY, AFTER, A.PROVINCE_CHAIRMAN),
        ("BK_TINH", Setting.COMMUNE, BEFORE, A.PROVINCE_CHAIRMAN),
        ("LDTT", Setting.AGENCY, BEFORE, A.UNIT_HEAD),
        ("CSTDCS", Setting.AGENCY, AFTER, A.UNIT_HEAD),
        ("GIAY_KHEN", Setting.AGENCY, BEFORE, A.UNIT_HEAD),
        ("TTLDTT", Setting.AGENCY, BEFORE, A.UNIT_HEAD),
        ("LDTT", Setting.DISTRICT, BEFORE, A.DISTRICT_CHAIRMAN),
        ("CSTDCS", Setting.DISTRICT, BEFORE, A.DISTRICT_CHAIRMAN),
        ("LDTT", Setting.COMMUNE, BEFORE, A.COMMUNE_CHAIRMAN),
        ("GIAY_KHEN", Setting.COMMUNE, BEFORE, A.COMMUNE_CHAIRMAN),
        ("CSTDCS", Setting.COMMUNE, BEFORE, A.DISTRICT_CHAIRMAN),
        ("TTLDTT", Setting.COMMUNE, BEFORE, A.DISTRICT_CHAIRMAN),
        ("CSTDCS", Setting.DISTRICT, AFTER, A.COMMUNE_CHAIRMAN),
        ("TTLDTT", Setting.COMMUNE, AFTER, A.COMMUNE_CHAIRMAN),
        ("GIAY_KHEN", Setting.DISTRICT, AFTER, A.COMMUNE_CHAIRMAN),
    ],
)
def test_who_decides(regime, code, setting, on, who):
    rule = deciding(code, regime, setting, on)
    assert rule is not None and rule.authorities == {who}
    assert rule.basis.startswith(("Luật", "Nghị định"))
    if on >= AFTER and setting != Setting.AGENCY and who == A.COMMUNE_CHAIRMAN:
        assert "129/2025" in rule.basis


def test_setting_of_the_unit_answerable_for_the_nominee():
    assert setting_of("department", "province") == Setting.AGENCY
    assert setting_of("enterprise", "province") == Setting.AGENCY
    assert setting_of("department", "district") == Setting.DISTRICT
    assert setting_of("district", "district") == Setting.DISTRICT
    assert setting_of("commune", "commune") == Setting.COMMUNE
    # a department as a collective: the unit above it is the provincial committee
    assert setting_of("provincial_committee", "province") == Setting.PROVINCE


@pytest.mark.parametrize("regime", ["2013", "2022"])
@pytest.mark.parametrize("code", ["TTLDTT", "GIAY_KHEN", "LDTT", "CSTDCS"])
def test_a_departments_own_collective_title_is_the_provinces(regime, code):
    rule = deciding(code, regime, Setting.PROVINCE, date(2024, 5, 1))
    assert rule is not None and rule.authorities == {A.PROVINCE_CHAIRMAN}
    assert "tỉnh cấu hình" in rule.basis


def test_who_heads_what():
    assert heads(A.UNIT_HEAD, "department") and heads(A.UNIT_HEAD, "enterprise")
    assert not heads(A.UNIT_HEAD, "provincial_committee") and not heads(A.UNIT_HEAD, "district")
    assert heads(A.DISTRICT_CHAIRMAN, "district") and not heads(A.DISTRICT_CHAIRMAN, "commune")
    assert heads(A.COMMUNE_CHAIRMAN, "commune") and not heads(A.COMMUNE_CHAIRMAN, "department")


def test_a_provincial_signer_cannot_decide_a_central_award_it_proposes_it():
    bad = check_signer(
        A.PROVINCE_CHAIRMAN, "CSTD_TQ", "Chiến sĩ thi đua toàn quốc", "2022", Setting.AGENCY,
        date(2024, 5, 1), heads_nominee_unit=False,
    )  # fmt: skip
    assert bad is not None and bad.proposal and bad.code == "central_award"
    assert "Thủ tướng Chính phủ" in bad.detail and "Điều 78" in bad.detail


def test_a_unit_head_decides_only_for_their_own_unit():
    args = ("LDTT", "Lao động tiên tiến", "2022", Setting.AGENCY, date(2024, 5, 1))
    assert check_signer(A.UNIT_HEAD, *args, heads_nominee_unit=True) is None
    other = check_signer(A.UNIT_HEAD, *args, heads_nominee_unit=False)
    assert other is not None and other.code == "not_their_unit"
    chair = check_signer(A.PROVINCE_CHAIRMAN, *args, heads_nominee_unit=True)
    assert chair is not None and chair.code == "not_competent" and not chair.proposal
    assert "Thủ trưởng cơ quan" in chair.detail


def test_a_province_entry_overrides_the_default_for_its_setting():
    mine = AuthorityRule(
        "TTLDTT", frozenset({A.PROVINCE_CHAIRMAN}), "Quy chế thi đua của tỉnh, Điều 10",
        regime="2022", setting=Setting.AGENCY,
    )  # fmt: skip
    from services.awards.domain.authority import DEFAULT_RULES

    rule = deciding("TTLDTT", "2022", Setting.AGENCY, date(2024, 5, 1), (mine, *DEFAULT_RULES))
    assert rule is mine
