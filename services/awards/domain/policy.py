"""The domain's rule configuration: screening and procedure parameters. Every parameter not
confirmed against a published text (marked [unsure] below) lives here with its default, never as
a constant inside a rule; dated tables (base salary, award money) are
configuration too, because a decree changes them.

Defaults and their status:

- ttldtt_ldtt_share_2022: more than 0.5 [unsure]; regime 2013 "more than 50 %" is confirmed and
  fixed in R06-2013.
- cstdcs_cap_2022: None, no cap [unsure]; regime 2013's 15 % of LDTT is fixed in R02-2013.
- council_thresholds: 0.9 of ALL members for CSTD_TINH and CSTD_TQ. Regime 2013 confirmed
  (Nghị định 91/2017 Điều 45.8); regime 2022 [unsure], same default.
- notice_working_days: 10. National practice confirmed; the provincial period [unsure].
- required_documents: R13 (Luật 06/2022 Điều 84.1) for the emulation titles; the same base set
  for the commendation forms is an assumption [unsure].
- base_salary: the decreed figures; configuration because a decree changes them.
- award_money: dated multiplier tables; see the notes on each table for what is unsure.
- rule_citations: per period of legal texts ("2013", "2024", "2025", see `legal.PERIODS`) and
  rule id, the citation the province supplies where no published text confirmed one; empty by
  default (the screening then says "căn cứ do tỉnh cấu hình").
- money_round_up_to: 10,000 đồng, rounded up. Regime 2013 confirmed (Nghị định 91/2017 Điều 68.2);
  assumed the same afterwards [unsure].
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from types import MappingProxyType

from services.awards.domain.legal import PERIOD_KEYS
from services.awards.domain.vocabulary import (
    BK_TINH,
    BK_TTG,
    CO_CP,
    CO_TINH,
    COLLECTIVE,
    CSTD_TINH,
    CSTD_TQ,
    CSTDCS,
    EMULATION_TITLES,
    GIAY_KHEN,
    LDTT,
    PERSON,
    TTLDTT,
    TTLDXS,
)


@dataclass(frozen=True, slots=True)
class BaseSalary:
    """Lương cơ sở in force from `since` (until the next entry)."""

    since: date
    vnd: int
    source: str


BASE_SALARY: tuple[BaseSalary, ...] = (
    BaseSalary(date(2016, 5, 1), 1_210_000, "Nghị định 47/2016/NĐ-CP"),
    BaseSalary(date(2017, 7, 1), 1_300_000, "Nghị định 47/2017/NĐ-CP"),
    BaseSalary(date(2018, 7, 1), 1_390_000, "Nghị định 72/2018/NĐ-CP"),
    BaseSalary(date(2019, 7, 1), 1_490_000, "Nghị định 38/2019/NĐ-CP"),
    BaseSalary(date(2023, 7, 1), 1_800_000, "Nghị định 24/2023/NĐ-CP"),
    BaseSalary(date(2024, 7, 1), 2_340_000, "Nghị định 73/2024/NĐ-CP"),
)


@dataclass(frozen=True, slots=True)
class MoneyTable:
    """Award money as multiples of the base salary, for decisions signed from `since`."""

    since: date
    source: str
    multipliers: Mapping[tuple[str, str], Decimal]


def _table(values: dict[tuple[str, str], str]) -> Mapping[tuple[str, str], Decimal]:
    return MappingProxyType({k: Decimal(v) for k, v in values.items()})


# Regime 2013 (Nghị định 91/2017/NĐ-CP, Điều 69-72). TTLDTT 0.8 and collective Giấy khen 0.6 are
# confirmed by the central board's published answer (1,112,000 and 834,000 at 1,390,000); the
# other figures are the decree's as we know them and have not been re-checked against its text.
MONEY_2013 = MoneyTable(
    date.min,
    "Nghị định 91/2017/NĐ-CP",
    _table(
        {
            (CSTD_TQ, PERSON): "4.5",
            (CSTD_TINH, PERSON): "3.0",
            (CSTDCS, PERSON): "1.0",
            (LDTT, PERSON): "0.3",
            (TTLDXS, COLLECTIVE): "1.5",
            (TTLDTT, COLLECTIVE): "0.8",
            (CO_CP, COLLECTIVE): "12.0",
            (CO_TINH, COLLECTIVE): "8.0",
            (BK_TTG, PERSON): "1.5",
            (BK_TTG, COLLECTIVE): "3.0",
            (BK_TINH, PERSON): "1.0",
            (BK_TINH, COLLECTIVE): "2.0",
            (GIAY_KHEN, PERSON): "0.3",
            (GIAY_KHEN, COLLECTIVE): "0.6",
        }
    ),
)

# Regime 2022. Confirmed (Nghị định 152/2025): the titles, both flags and a person's
# Giấy khen. Unsure, kept at the 2013 figures: BK_TTG, BK_TINH and a collective's Giấy khen. Also
# unsure: that decisions signed 2024-01-01 .. 2025-06-30 (Nghị định 98/2023) used the same figures.
MONEY_2022 = MoneyTable(
    date(2024, 1, 1),
    "Nghị định 98/2023/NĐ-CP; Nghị định 152/2025/NĐ-CP",
    _table(
        {
            (CSTD_TQ, PERSON): "4.5",
            (CSTD_TINH, PERSON): "3.0",
            (CSTDCS, PERSON): "1.0",
            (LDTT, PERSON): "0.3",
            (TTLDXS, COLLECTIVE): "1.5",
            (TTLDTT, COLLECTIVE): "0.8",
            (CO_CP, COLLECTIVE): "12.0",
            (CO_TINH, COLLECTIVE): "8.0",
            (GIAY_KHEN, PERSON): "0.3",
            (BK_TTG, PERSON): "1.5",
            (BK_TTG, COLLECTIVE): "3.0",
            (BK_TINH, PERSON): "1.0",
            (BK_TINH, COLLECTIVE): "2.0",
            (GIAY_KHEN, COLLECTIVE): "0.6",
        }
    ),
)

_BASE_DOCUMENTS = frozenset({"submission", "achievement_report", "review_minutes"})
_WITH_CERTIFICATE = _BASE_DOCUMENTS | {"initiative_certificate"}

REQUIRED_DOCUMENTS: Mapping[str, frozenset[str]] = MappingProxyType(
    {
        code: (_WITH_CERTIFICATE if code in (CSTDCS, CSTD_TINH, CSTD_TQ) else _BASE_DOCUMENTS)
        for code in (*EMULATION_TITLES, GIAY_KHEN, BK_TINH, BK_TTG)
    }
)
"""R13 (Luật 06/2022 Điều 84.1): tờ trình, báo cáo thành tích, biên bản bình xét, plus the
initiative certificate for CSTDCS, CSTD_TINH, CSTD_TQ. The same base set for the commendation
forms is an assumption [unsure]."""

_HIGH_TITLES = MappingProxyType({CSTD_TINH: 0.9, CSTD_TQ: 0.9})


@dataclass(frozen=True, slots=True)
class ScreeningConfig:
    ttldtt_ldtt_share_2022: float = 0.5
    """R06 under 2022: share of members holding LDTT must be strictly more than this [unsure]."""
    cstdcs_cap_2022: float | None = None
    """R02 under 2022: CSTDCS per unit and year at most floor(cap x LDTT count); None: no cap
    [unsure]."""
    council_thresholds: Mapping[str, Mapping[str, float]] = field(
        default_factory=lambda: MappingProxyType({"2013": _HIGH_TITLES, "2022": _HIGH_TITLES})
    )
    """Per regime and award: share of ALL council members whose votes in favour are needed. Awards
    not listed have no threshold set by the domain [2022 unsure]."""
    notice_working_days: int = 10
    """Public notice (công khai) before the vote, in Vietnamese working days [provincial unsure]."""
    extra_days_off: frozenset[date] = frozenset()
    """Days off the government adds beyond the `holidays` calendar (announced yearly)."""
    extra_workdays: frozenset[date] = frozenset()
    """Weekend days worked in exchange for a bridge day off, beyond the `holidays` calendar."""
    required_documents: Mapping[str, frozenset[str]] = field(
        default_factory=lambda: REQUIRED_DOCUMENTS
    )
    base_salary: tuple[BaseSalary, ...] = BASE_SALARY
    award_money: tuple[MoneyTable, ...] = (MONEY_2013, MONEY_2022)
    money_round_up_to: int = 10_000
    rule_citations: Mapping[str, Mapping[str, str]] = field(
        default_factory=lambda: MappingProxyType({})
    )
    """Per period ("2013", "2024", "2025") and rule id: the citation the province supplies for a
    rule whose basis in that period is configured (`legal`); printed after "căn cứ do tỉnh cấu
    hình"."""

    def __post_init__(self) -> None:
        unknown = set(self.rule_citations) - PERIOD_KEYS
        if unknown:
            raise ValueError(
                f"rule_citations: unknown periods {sorted(unknown)}, expected {sorted(PERIOD_KEYS)}"
            )
        if not 0 <= self.ttldtt_ldtt_share_2022 < 1:
            raise ValueError("ttldtt_ldtt_share_2022 must be in [0, 1)")
        if self.cstdcs_cap_2022 is not None and not 0 <= self.cstdcs_cap_2022 <= 1:
            raise ValueError("cstdcs_cap_2022 must be in [0, 1]")
        for by_code in self.council_thresholds.values():
            if any(not 0 < t <= 1 for t in by_code.values()):
                raise ValueError("council thresholds must be in (0, 1]")
        if self.notice_working_days < 1:
            raise ValueError("notice_working_days must be at least 1")
        if self.money_round_up_to < 1:
            raise ValueError("money_round_up_to must be at least 1")
        for table in (self.base_salary, self.award_money):
            if list(table) != sorted(table, key=lambda e: e.since):
                raise ValueError("dated tables must be in date order")

    def council_threshold(self, code: str, regime: str) -> float | None:
        return self.council_thresholds.get(str(regime), {}).get(code)

    def base_salary_on(self, day: date) -> BaseSalary:
        current = None
        for entry in self.base_salary:
            if entry.since > day:
                break
            current = entry
        if current is None:
            raise LookupError(f"no base salary configured for {day.isoformat()}")
        return current

    def money_table_on(self, day: date) -> MoneyTable:
        current = None
        for table in self.award_money:
            if table.since > day:
                break
            current = table
        if current is None:
            raise LookupError(f"no award money table configured for {day.isoformat()}")
        return current


DEFAULT_CONFIG = ScreeningConfig()

__all__ = ["DEFAULT_CONFIG", "BaseSalary", "MoneyTable", "ScreeningConfig"]
