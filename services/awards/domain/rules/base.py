"""What a rule is: an id, the awards and regimes it belongs to, its citation per period of legal
texts, its effective dates and a predicate over the read model.

A predicate returns an `Outcome`: passed or not, the facts it looked at (plain JSON scalars, so
they go onto the bus as `schemas.awards.RuleResult.facts`), and a reason in Vietnamese for the
council secretary. Reasons are templates: `{y}` is the nomination's year, `{window}` the counted
years ("2024" or "2022–2024"); they are filled in only when a result is shown.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from datetime import date
from functools import lru_cache
from typing import Literal, NamedTuple, TypedDict

from services.awards.domain.context import Context
from services.awards.domain.facts import Facts
from services.awards.domain.legal import (
    CONFIGURED,
    PERIOD_KEYS,
    Basis,
    period_on,
    supplied_citation,
)
from services.awards.domain.regime import Regime
from services.awards.domain.vocabulary import BLOCKED, INCOMPLETE, INELIGIBLE, Verdict

REGIME_2022_FROM = date(2024, 1, 1)
REGIME_2013_UNTIL = date(2023, 12, 31)
BOTH = frozenset({Regime.R2013, Regime.R2022})
ONLY_2013 = frozenset({Regime.R2013})
ONLY_2022 = frozenset({Regime.R2022})


class InForce(TypedDict, total=False):
    """When a rule applies (`Rule`'s fields of the same names): `Rule(..., **IN_2022)`."""

    regimes: frozenset[Regime]
    effective_from: date
    effective_to: date


IN_2022: InForce = {"regimes": ONLY_2022, "effective_from": REGIME_2022_FROM}
IN_2013: InForce = {"regimes": ONLY_2013, "effective_to": REGIME_2013_UNTIL}

Scalar = str | int | float | bool | None


@dataclass(frozen=True, slots=True)
class Citation:
    """What a rule rests on, per period of legal texts (`legal.PERIODS`): the consideration date
    picks the period, so a rule cites only texts in force on that date. A period without a basis
    here, or a basis that is partly configured, prints "căn cứ do tỉnh cấu hình" with the
    citation the province supplies (`ScreeningConfig.rule_citations`), if any. `for_codes`: a
    citation of its own for some awards the rule checks (MANUAL: Giấy khen, a collective's Bằng
    khen)."""

    by_period: tuple[tuple[str, Basis], ...]
    for_codes: tuple[tuple[str, Citation], ...] = ()

    def __post_init__(self) -> None:
        unknown = {k for k, _ in self.by_period} - PERIOD_KEYS
        if unknown:
            raise ValueError(f"unknown periods {sorted(unknown)}")

    def basis(self, period: str | None, code: str | None = None) -> Basis:
        for award, citation in self.for_codes:
            if award == code:
                return citation.basis(period)
        for key, basis in self.by_period:
            if key == period:
                return basis
        return CONFIGURED

    def label_on(
        self,
        rule_id: str,
        day: date,
        supplied: Mapping[str, Mapping[str, str]],
        code: str | None = None,
    ) -> str:
        period = period_on(day)
        key = None if period is None else period.key
        given = None if key is None else supplied_citation(supplied, key, rule_id, code)
        return _label(self, key, code, given)


@lru_cache(maxsize=4096)
def _label(citation: Citation, period: str | None, code: str | None, given: str | None) -> str:
    return citation.basis(period, code).label(given)


def cited(codes: Mapping[str, Citation] | None = None, **by_period: Basis) -> Citation:
    """`cited(p2013=..., p2024=..., p2025=...)`: a rule's basis in each period; `codes`: the
    citations of some of its awards, when they differ."""
    return Citation(
        tuple((k.removeprefix("p"), b) for k, b in by_period.items()),
        tuple((codes or {}).items()),
    )


class Outcome(NamedTuple):
    passed: bool
    facts: Mapping[str, Scalar]
    reason: str
    effect: Verdict | None = None
    """What a failure means when it differs from the rule's usual effect (R14)."""


class Quota(NamedTuple):
    """A cap shared by the nominations of one group (e.g. CO_CP of a year province-wide)."""

    group: tuple
    limit: int
    used: int
    """Places already taken by awards on record."""
    basis: Mapping[str, Scalar]


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
    """False when the criterion itself is not confirmed by a published text (the citation's
    status is the `Citation`'s: a configured basis)."""

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
