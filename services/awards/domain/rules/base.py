"""What a rule is: an id, the awards and regimes it belongs to, its citation, its effective dates
and a predicate over the read model.

A predicate returns an `Outcome`: passed or not, the facts it looked at (plain JSON scalars, so
they go onto the bus as `schemas.awards.RuleResult.facts`), and a reason in Vietnamese for the
council secretary. Reasons are templates: `{y}` is the nomination's year, `{window}` the counted
years ("2024" or "2022–2024"); they are filled in only when a result is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, NamedTuple

from services.awards.domain.context import Context
from services.awards.domain.facts import Facts
from services.awards.domain.regime import Regime
from services.awards.domain.vocabulary import BLOCKED, INCOMPLETE, INELIGIBLE, Verdict

LUAT_2022 = "Luật Thi đua, khen thưởng 06/2022/QH15"
LUAT_2013 = "Luật Thi đua, khen thưởng 2003 (sửa đổi, bổ sung 2013)"
ND_91_2017 = "Nghị định 91/2017/NĐ-CP"
ND_98_2023 = "Nghị định 98/2023/NĐ-CP"
ND_152_2025 = "Nghị định 152/2025/NĐ-CP"
HD_1479 = "Hướng dẫn 1479/HD-BTĐKT"

REGIME_2022_FROM = date(2024, 1, 1)
REGIME_2013_UNTIL = date(2023, 12, 31)
BOTH = frozenset({Regime.R2013, Regime.R2022})
ONLY_2013 = frozenset({Regime.R2013})
ONLY_2022 = frozenset({Regime.R2022})

Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Citation:
    """Where a rule comes from. `article` like "24.1" (Điều 24 khoản 1) or "74.1.d"; None when
    the article is not known, which `note` then says."""

    document: str
    article: str | None = None
    note: str | None = None
    label: str = field(init=False)

    def __post_init__(self) -> None:
        text = self.document if self.article is None else f"{self.document}, Điều {self.article}"
        if self.note:
            text = f"{text} ({self.note})"
        object.__setattr__(self, "label", text)

    def __str__(self) -> str:
        return self.label


class Outcome(NamedTuple):
    passed: bool
    facts: dict[str, Scalar]
    reason: str
    effect: Verdict | None = None
    """What a failure means when it differs from the rule's usual effect (R14)."""


class Quota(NamedTuple):
    """A cap shared by the nominations of one group (e.g. CO_CP of a year province-wide)."""

    group: tuple
    limit: int
    used: int
    """Places already taken by awards on record."""
    basis: dict[str, Scalar]


Target = tuple[str, str]
"""(subject kind, award code)."""


@dataclass(frozen=True, slots=True)
class Rule:
    id: str
    title: str
    citation: Citation
    targets: frozenset[Target]
    regimes: frozenset[Regime]
    check: Callable[[Context], Outcome]
    effect: Verdict = INELIGIBLE
    """What a failure makes of the verdict."""
    effective_from: date | None = None
    effective_to: date | None = None
    quota: Callable[[Context], Quota | None] | None = None
    gate: Callable[[Facts, int], Collection[str]] | None = None
    """Annual screening only: the subjects that could pass in a year, from the facts' indexes (a
    necessary condition, e.g. CSTĐ cấp tỉnh needs CSTĐCS two years back), so a province-wide
    run does not visit 100,000 people to find the few dozen who qualify."""
    bulk: Literal["check", "explain", "skip"] = "check"
    """Annual screening: "check" evaluates the rule for every subject; "explain" only when a
    candidate's result is shown, because the run makes it hold by construction (R11: it picks
    unused initiatives only; R16: a ranking, it never fails); "skip" leaves it out, as for the
    dossier (R13), which a proposal does not have yet."""
    confirmed: bool = True
    """False when the criterion or its citation is not confirmed by DOMAIN.md."""

    def __post_init__(self) -> None:
        if self.effect not in (INELIGIBLE, INCOMPLETE, BLOCKED):
            raise ValueError(f"{self.id}: unknown effect {self.effect}")

    def in_force(self, period_end: date) -> bool:
        """Effective dates are read against the end of the achievement period, the same date the
        regime follows; a campaign that overrides the regime takes its rules whatever the date."""
        if self.effective_from is not None and period_end < self.effective_from:
            return False
        return self.effective_to is None or period_end <= self.effective_to


def targets(kind: str, *codes: str) -> frozenset[Target]:
    return frozenset((kind, c) for c in codes)
