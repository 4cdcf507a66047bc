"""The awards service's own settings (beside servicekit's ServiceSettings), from THIDUA_AWARDS_*.

What the law leaves to the province, or what is not yet confirmed against a published text, is
configurable here with its default; the domain's `ScreeningConfig` (`domain/policy.py`) is built
from these settings (`screening`), so one place holds every parameter the rules and the
procedure read.
"""

from __future__ import annotations

from datetime import date
from functools import cached_property
from types import MappingProxyType

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.awards.domain import DEFAULT_CONFIG, RULEBOOK, ScreeningConfig
from services.awards.domain.authority import DEFAULT_RULES, Authority, AuthorityRule
from services.awards.domain.legal import PERIOD_KEYS


class AwardsConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THIDUA_AWARDS_", extra="ignore")

    # ---- the Kafka side
    consume: bool = True
    """Run the consumer of registry and progress topics (the read model). Off in API-only
    tests, which fill the read model by calling the handlers."""
    batch_size: int = Field(default=2000, ge=1)
    """Records per consumed batch (one transaction each)."""
    topic_map: dict[str, str] = Field(default_factory=dict)
    """Catalog topic name → the topic actually used, consuming and publishing (tests, or a
    rebuild side by side with the live service). Empty in production."""

    # ---- screening parameters the law leaves open (defaults not confirmed)
    ttldtt_ldtt_share_2022: float = Field(default=0.5, ge=0, lt=1)
    """R06 under regime 2022: share of members with LĐTT must be strictly more than this."""
    cstdcs_cap_2022: float | None = Field(default=None, ge=0, le=1)
    """R02 under regime 2022: a province cap on CSTĐCS per unit (share of LĐTT); none by
    default."""

    rule_citations: dict[str, dict[str, str]] = Field(default_factory=dict)
    """Per period of legal texts ("2013", "2024", "2025") and rule id: the citation the province
    supplies where no published text confirmed one (docs/legal.md lists them), e.g.
    {"2013": {"R14": "Thông tư 12/2019/TT-BNV, Điều …"}}; "MANUAL/GIAY_KHEN" for one award. The
    screening prints it after "căn cứ do tỉnh cấu hình"."""

    # ---- procedure
    notice_working_days: int = Field(default=10, ge=1)
    """Public notice (công khai) before the council votes, in Vietnamese working days."""
    extra_days_off: list[date] = Field(default_factory=list)
    """Days off the government adds beyond the holiday calendar (announced yearly)."""
    extra_workdays: list[date] = Field(default_factory=list)
    """Weekend days worked in exchange for a bridge day off."""
    council_thresholds: dict[str, dict[str, float]] = Field(default_factory=dict)
    """Per regime ("2013", "2022") and award code: share of ALL council members whose votes in
    favour approve. Merged over the domain's defaults (0.9 for CSTD_TINH and CSTD_TQ)."""
    default_council_threshold: float = Field(default=0.5, gt=0, le=1)
    """For awards without a threshold above: share of ALL members in favour (unsure: the texts
    read so far state only the highest titles' 90 %)."""
    council_quorum: float | None = Field(default=None, gt=0, le=1)
    """If set, closing a vote needs ballots from at least this share of all members; otherwise
    the count is reported only (the thresholds are of all members anyway)."""

    authorities: list[dict] = Field(default_factory=list)
    """The province's own entries of who decides an award, before the law's defaults
    (`domain/authority.py`): {"award_code", "authorities": [...], "basis", optional "regime",
    "setting" (agency, district, commune), "valid_from", "valid_to"}. A more specific entry wins."""

    timezone: str = "Asia/Ho_Chi_Minh"

    # ---- annual bulk screening
    annual_store_reasons: bool = True
    """Store every candidate's rule results with the run (the reasons). Off: only the
    candidates, their initiatives and quota ranks (and the reasons of those over a quota)."""

    @field_validator("rule_citations")
    @classmethod
    def _known_rules(cls, value: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
        known = {r.id for r in RULEBOOK}
        known |= {f"{r.id}/{code}" for r in RULEBOOK for _, code in r.targets}
        for period, by_rule in value.items():
            if period not in PERIOD_KEYS:
                raise ValueError(
                    f"unknown period {period!r}, expected one of {sorted(PERIOD_KEYS)}"
                )
            unknown = set(by_rule) - known
            if unknown:
                raise ValueError(f"unknown rules {sorted(unknown)} in period {period}")
            if any(not text.strip() for text in by_rule.values()):
                raise ValueError(f"an empty citation in period {period}")
        return value

    def topic(self, name: str) -> str:
        return self.topic_map.get(name, name)

    def consumed_topics(self) -> list[str]:
        return [self.topic(name) for name in CONSUMED_TOPICS]

    @cached_property
    def screening(self) -> ScreeningConfig:
        thresholds = {
            regime: dict(by_code) for regime, by_code in DEFAULT_CONFIG.council_thresholds.items()
        }
        for regime, by_code in self.council_thresholds.items():
            thresholds.setdefault(regime, {}).update(by_code)
        return ScreeningConfig(
            ttldtt_ldtt_share_2022=self.ttldtt_ldtt_share_2022,
            cstdcs_cap_2022=self.cstdcs_cap_2022,
            council_thresholds=MappingProxyType(
                {r: MappingProxyType(c) for r, c in thresholds.items()}
            ),
            notice_working_days=self.notice_working_days,
            extra_days_off=frozenset(self.extra_days_off),
            extra_workdays=frozenset(self.extra_workdays),
            rule_citations=MappingProxyType(
                {p: MappingProxyType(dict(c)) for p, c in self.rule_citations.items()}
            ),
        )

    @cached_property
    def authority_rules(self) -> tuple[AuthorityRule, ...]:
        mine = tuple(
            AuthorityRule(
                award_code=e["award_code"],
                authorities=frozenset(Authority(a) for a in e["authorities"]),
                basis=e["basis"],
                regime=e.get("regime", "*"),
                setting=e.get("setting", "*"),
                valid_from=date.fromisoformat(e["valid_from"]) if e.get("valid_from") else None,
                valid_to=date.fromisoformat(e["valid_to"]) if e.get("valid_to") else None,
            )
            for e in self.authorities
        )
        return (*mine, *DEFAULT_RULES)

    def council_threshold(self, code: str, regime: str) -> float:
        found = self.screening.council_threshold(code, regime)
        return self.default_council_threshold if found is None else found


CONSUMED_TOPICS = (
    "registry.units.v1",
    "registry.people.v1",
    "registry.blocs.v1",
    "registry.campaigns.v1",
    "registry.occasions.v1",
    "progress.ratings.v1",
    "progress.initiatives.v1",
    "progress.standings.v1",
)
