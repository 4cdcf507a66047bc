"""The rulebook: rules R01–R11 and R13–R16, per regime (docs/legal.md lists them with their basis).

There is no R12: the rules were numbered R01–R11 then R13–R16 from the start, and the ids keep
that numbering so a council secretary finds a rule under the id the screening prints.

Ids: "R02" is the rule under regime 2022, "R02-2013" its regime-2013 counterpart (same substance
where the two laws agree). Every rule's citation is given per period of legal texts and chosen by
the consideration date (`legal`, `base.Citation`); cross-cutting rules (R11, R13–R16) apply under
both regimes. "MANUAL" stands in where the law gives no checkable standard (Giấy khen; a
collective's Bằng khen): it passes and says the council weighs the achievement.

Order matters twice: results are listed in this order (the award's own standard first, then the
cross-cutting checks), and annual bulk screening stops at the first failure.
"""

from __future__ import annotations

from datetime import date
from functools import lru_cache

from services.awards.domain.regime import Regime
from services.awards.domain.rules.base import Citation, Outcome, Quota, Rule
from services.awards.domain.rules.collective import COLLECTIVE_RULES
from services.awards.domain.rules.common import COMMON_RULES, preferred
from services.awards.domain.rules.person import PERSON_RULES

RULEBOOK: tuple[Rule, ...] = PERSON_RULES + COLLECTIVE_RULES + COMMON_RULES
_STANDARDS = frozenset(r.id for r in PERSON_RULES + COLLECTIVE_RULES) | {"MANUAL", "MANUAL-2013"}
"""Rules of an award's own standard: at least one must apply, or nothing checked the award."""


def _check_unique() -> None:
    ids = [r.id for r in RULEBOOK]
    duplicates = {i for i in ids if ids.count(i) > 1}
    if duplicates:
        raise RuntimeError(f"duplicate rule ids: {sorted(duplicates)}")


_check_unique()


@lru_cache(maxsize=1024)
def rules_for(
    kind: str, code: str, regime: Regime, period_end: date, overridden: bool = False
) -> tuple[Rule, ...]:
    """Every rule that applies to a nomination of `kind` for `code` under `regime`, in rulebook
    order. Raises LookupError when no rule of the award's own standard is in force: screening
    would otherwise call eligible what nothing checked."""
    target = (kind, code)
    rules = tuple(
        r
        for r in RULEBOOK
        if target in r.targets and regime in r.regimes and (overridden or r.in_force(period_end))
    )
    if not any(r.id in _STANDARDS for r in rules):
        raise LookupError(
            f"no rule in force for {kind} {code} under regime {regime} on {period_end}"
        )
    return rules


def rule(rule_id: str) -> Rule:
    for r in RULEBOOK:
        if r.id == rule_id:
            return r
    raise KeyError(rule_id)


__all__ = ["RULEBOOK", "Citation", "Outcome", "Quota", "Rule", "preferred", "rule", "rules_for"]
