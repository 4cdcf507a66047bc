"""Who may decide an award, by regime, date and where the nominee works.

Regime 2022 (Luật Thi đua, khen thưởng 06/2022/QH15):
- Điều 78: the Prime Minister confers Chiến sĩ thi đua toàn quốc, Cờ thi đua của Chính phủ and
  Bằng khen của Thủ tướng Chính phủ; the province only proposes them (a submission, tờ trình).
- Điều 79: the provincial chairman confers Chiến sĩ thi đua cấp tỉnh, Tập thể lao động xuất sắc,
  Cờ thi đua and Bằng khen of the province.
- Điều 80: the head of a department, agency or enterprise confers Tập thể lao động tiên tiến,
  Chiến sĩ thi đua cơ sở, Lao động tiên tiến and Giấy khen (khoản 1, 4); the district chairman
  the same (khoản 2); the commune chairman Lao động tiên tiến and Giấy khen (khoản 3).
Regime 2013 (Luật Thi đua, khen thưởng 2003, amended 2005 and 2013, Điều 78–79; Nghị định
91/2017/NĐ-CP Điều 43.2): the same split; a commune's people get LĐTT from the commune chairman
and CSTĐCS from the district chairman.
From 2025-07-01 (Nghị định 129/2025/NĐ-CP, two-level local government) the district chairman's
powers pass to the commune chairman, whatever the regime of the achievement.

The table is configuration (`AuthorityRule`s): a province whose own rules differ supplies its
own entries (`THIDUA_AWARDS_AUTHORITIES`). Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from services.awards.domain.regime import TWO_LEVEL_GOVERNMENT_FROM
from services.awards.domain.vocabulary import (
    BK_TINH,
    BK_TTG,
    CO_CP,
    CO_TINH,
    CSTD_TINH,
    CSTD_TQ,
    CSTDCS,
    GIAY_KHEN,
    LDTT,
    TTLDTT,
    TTLDXS,
)


class Authority(StrEnum):
    UNIT_HEAD = "unit_head"
    """Thủ trưởng cơ quan, tổ chức, đơn vị; Giám đốc doanh nghiệp (of the nominee's unit)."""
    COMMUNE_CHAIRMAN = "commune_chairman"
    DISTRICT_CHAIRMAN = "district_chairman"
    PROVINCE_CHAIRMAN = "province_chairman"
    PRIME_MINISTER = "prime_minister"
    PRESIDENT = "president"


LABELS: dict[str, str] = {
    Authority.UNIT_HEAD: "Thủ trưởng cơ quan, đơn vị (Giám đốc doanh nghiệp) nơi người được đề "
    "nghị công tác",
    Authority.COMMUNE_CHAIRMAN: "Chủ tịch UBND cấp xã",
    Authority.DISTRICT_CHAIRMAN: "Chủ tịch UBND cấp huyện",
    Authority.PROVINCE_CHAIRMAN: "Chủ tịch UBND tỉnh",
    Authority.PRIME_MINISTER: "Thủ tướng Chính phủ",
    Authority.PRESIDENT: "Chủ tịch nước",
}

CENTRAL = frozenset({Authority.PRIME_MINISTER, Authority.PRESIDENT})
"""Decide above the province: the province submits a proposal, it does not decide."""

LOCALITY_KINDS = frozenset({"provincial_committee", "district", "commune"})
HEADED_KIND = {Authority.DISTRICT_CHAIRMAN: "district", Authority.COMMUNE_CHAIRMAN: "commune"}
"""A locality's chairman heads a unit of that kind; a unit's head heads any other kind. Both
are competent only for the unit they head and those below it."""


def heads(signer: Authority, unit_kind: str | None) -> bool:
    """Whether a signer of `signer`'s authority can head a unit of `unit_kind`."""
    if signer in HEADED_KIND:
        return unit_kind == HEADED_KIND[signer]
    if signer == Authority.UNIT_HEAD:
        return unit_kind is not None and unit_kind not in LOCALITY_KINDS
    return True


class Setting(StrEnum):
    """Where the unit answerable for a nominee stands (a person's own unit; the unit above a
    collective: nobody confers a title on the unit they head), as the rules tell them apart."""

    AGENCY = "agency"  # a department, organisation, central agency, college or enterprise
    DISTRICT = "district"  # a district's committee or a unit of district level
    COMMUNE = "commune"  # a commune's committee or a unit of commune level
    PROVINCE = "province"  # the provincial committee itself (e.g. a department as a collective)


ANY = "*"


@dataclass(frozen=True, slots=True)
class AuthorityRule:
    """Who decides `award_code` for a nominee in `setting` (or ANY) under `regime` (or ANY),
    for decisions signed from `valid_from` until `valid_to` (exclusive; None: open)."""

    award_code: str
    authorities: frozenset[Authority]
    basis: str
    regime: str = ANY
    setting: str = ANY
    valid_from: date | None = None
    valid_to: date | None = None

    def applies(self, code: str, regime: str, setting: str, on: date) -> bool:
        return (
            self.award_code == code
            and self.regime in (ANY, regime)
            and self.setting in (ANY, setting)
            and (self.valid_from is None or on >= self.valid_from)
            and (self.valid_to is None or on < self.valid_to)
        )

    @property
    def specificity(self) -> int:
        return (self.regime != ANY) + (self.setting != ANY)


def _rules() -> tuple[AuthorityRule, ...]:
    pm, chair = frozenset({Authority.PRIME_MINISTER}), frozenset({Authority.PROVINCE_CHAIRMAN})
    head = frozenset({Authority.UNIT_HEAD})
    district = frozenset({Authority.DISTRICT_CHAIRMAN})
    commune = frozenset({Authority.COMMUNE_CHAIRMAN})
    law = {"2022": "Luật Thi đua, khen thưởng 06/2022/QH15", "2013": "Luật Thi đua, khen thưởng "
           "2003 (sửa đổi, bổ sung 2005, 2013)"}  # fmt: skip
    nd91 = "Nghị định 91/2017/NĐ-CP, Điều 43 khoản 2"
    nd129 = "Nghị định 129/2025/NĐ-CP (chính quyền địa phương hai cấp, từ 01/07/2025)"
    above = "cấp trên trực tiếp của tập thể, cá nhân trực thuộc UBND tỉnh (tỉnh cấu hình)"
    two_level = TWO_LEVEL_GOVERNMENT_FROM
    out: list[AuthorityRule] = []
    for regime in ("2013", "2022"):
        for code in (CSTD_TQ, CO_CP, BK_TTG):
            out.append(AuthorityRule(code, pm, f"{law[regime]}, Điều 78", regime))
        for code in (CSTD_TINH, TTLDXS, CO_TINH, BK_TINH):
            out.append(AuthorityRule(code, chair, f"{law[regime]}, Điều 79", regime))
        grassroots = {
            "2022": {
                Setting.AGENCY: f"{law['2022']}, Điều 80 khoản 1 và 4",
                Setting.DISTRICT: f"{law['2022']}, Điều 80 khoản 2",
                Setting.COMMUNE: f"{law['2022']}, Điều 80 khoản 3",
            },
            "2013": {s: nd91 for s in Setting},
        }[regime]
        for code in (LDTT, CSTDCS, TTLDTT, GIAY_KHEN):
            out.append(
                AuthorityRule(code, head, grassroots[Setting.AGENCY], regime, Setting.AGENCY)
            )
            # a department's (or a district's) own collective title, the provincial committee's
            # staff: the province's chairman, the level above their own head
            out.append(AuthorityRule(code, chair, above, regime, Setting.PROVINCE))
            before = {"valid_to": two_level}
            out.append(
                AuthorityRule(
                    code, district, grassroots[Setting.DISTRICT], regime, Setting.DISTRICT, **before
                )
            )
            # the commune chairman decided LĐTT and Giấy khen; the district chairman the rest
            local = commune if code in (LDTT, GIAY_KHEN) else district
            where = grassroots[Setting.COMMUNE if local == commune else Setting.DISTRICT]
            out.append(AuthorityRule(code, local, where, regime, Setting.COMMUNE, **before))
            for setting in (Setting.DISTRICT, Setting.COMMUNE):
                out.append(
                    AuthorityRule(code, commune, nd129, regime, setting, valid_from=two_level)
                )
    return tuple(out)


DEFAULT_RULES: tuple[AuthorityRule, ...] = _rules()


def deciding(
    code: str,
    regime: str,
    setting: str,
    on: date,
    rules: Sequence[AuthorityRule] = DEFAULT_RULES,
) -> AuthorityRule | None:
    """The rule naming who decides `code` on `on`; the most specific one when several apply (a
    province's entry for a setting beats a general one). None: no rule, nobody is competent."""
    found = [r for r in rules if r.applies(code, regime, setting, on)]
    return max(found, key=lambda r: r.specificity) if found else None


def setting_of(kind: str | None, level: str | None) -> Setting:
    """The setting of the unit answerable for the nominee, from its kind and level."""
    if kind == "provincial_committee":
        return Setting.PROVINCE
    if "commune" in (kind, level):
        return Setting.COMMUNE
    if "district" in (kind, level):
        return Setting.DISTRICT
    return Setting.AGENCY


def who(authorities: Iterable[str]) -> str:
    return " hoặc ".join(LABELS.get(a, a) for a in sorted(authorities))


@dataclass(frozen=True, slots=True)
class Incompetent:
    """A decision line its signer may not decide."""

    rule: AuthorityRule | None
    detail: str
    code: str

    @property
    def proposal(self) -> bool:
        """The award is decided above the province: it goes in a proposal."""
        return self.rule is not None and bool(self.rule.authorities & CENTRAL)


def check_signer(
    signer: Authority,
    code: str,
    award_name: str,
    regime: str,
    setting: str,
    on: date,
    *,
    heads_nominee_unit: bool,
    rules: Sequence[AuthorityRule] = DEFAULT_RULES,
) -> Incompetent | None:
    """None when `signer` may decide the award on `on`; otherwise why not, naming the award and
    who is competent. `heads_nominee_unit`: the unit the signer heads is the one answerable for
    the nominee or above it, and of a kind the signer heads (read only for a unit's head and a
    locality's chairman)."""
    rule = deciding(code, regime, setting, on, rules)
    if rule is None:
        return Incompetent(
            None,
            f"Không có cấp nào được cấu hình có thẩm quyền quyết định tặng “{award_name}” "
            f"(chế độ {regime}) vào ngày {on:%d/%m/%Y}.",
            "no_authority",
        )
    competent = f"{who(rule.authorities)} ({rule.basis})"
    if signer not in rule.authorities:
        if rule.authorities & CENTRAL:
            return Incompetent(
                rule,
                f"“{award_name}” do {competent} quyết định; tỉnh chỉ trình đề nghị (tờ trình), "
                "không quyết định.",
                "central_award",
            )
        return Incompetent(
            rule,
            f"{LABELS[signer]} không có thẩm quyền quyết định tặng “{award_name}”; thẩm quyền: "
            f"{competent}.",
            "not_competent",
        )
    if signer in (Authority.UNIT_HEAD, *HEADED_KIND) and not heads_nominee_unit:
        return Incompetent(
            rule,
            f"Người ký không đứng đầu đơn vị của người (tập thể) được đề nghị: “{award_name}” "
            f"do {competent} của chính đơn vị đó quyết định.",
            "not_their_unit",
        )
    return None
