"""Screening: every applicable rule evaluated and listed, then a verdict.

Verdict precedence: blocked (R14: pending discipline, investigation, inspection or complaint) >
incomplete (R13: dossier) > ineligible (any other failure) > eligible.

A batch is screened in cascade order — the LĐTT nominations, then CSTĐCS, then the rest — and
within each in the order given, which callers make deterministic (submission order); results come
back in the order given:
- Titles conferred in the batch: an LĐTT or CSTĐCS nomination screened eligible counts as the
  title held for the nominations screened after it (a collective's members, a unit's CSTĐCS cap,
  CSTĐCS of the year for the higher awards), as the unit confers them at the same year-end
  review. A rating alone never counts as the title.
- R11: an initiative claimed by two nominations supports the first one that passes every rule's
  own check (quotas aside); the later claim fails R11. A claim that fails leaves it available.
- Quotas (CO_CP <= 20 % of bloc leaders; CSTDCS <= 15 % of the unit's LDTT under 2013, or the
  configured 2022 cap): the nominations that pass every other check compete for the places left
  after awards already on record; they are ranked by `Nomination.score` (higher first), then R16
  (women, collectives with >= 70 % women), then batch order. Those past the limit fail the quota's
  rule (R10, R02-2013 or R02).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date

from services.awards.domain.context import Context, Proposals
from services.awards.domain.facts import Facts
from services.awards.domain.nomination import Nomination
from services.awards.domain.policy import DEFAULT_CONFIG, ScreeningConfig
from services.awards.domain.regime import Regime
from services.awards.domain.rules import Outcome, Quota, Rule, preferred, rules_for
from services.awards.domain.rules.base import Scalar
from services.awards.domain.vocabulary import (
    AWARD_KINDS,
    BLOCKED,
    CSTDCS,
    ELIGIBLE,
    INCOMPLETE,
    INELIGIBLE,
    LDTT,
    PERSON,
    Verdict,
)

BATCH_CASCADE = (LDTT, CSTDCS)
"""Titles a batch confers before the rest is screened, in this order (see the module
docstring)."""


@dataclass(frozen=True, slots=True)
class RuleResult:
    rule_id: str
    passed: bool
    citation: str
    facts: Mapping[str, Scalar]
    reason: str
    effect: Verdict | None = None
    """What the failure does to the verdict (None when passed)."""


@dataclass(frozen=True, slots=True)
class ScreeningResult:
    nomination_id: str
    kind: str
    nominee_id: str
    code: str
    year: int
    regime: Regime
    verdict: Verdict
    results: tuple[RuleResult, ...]
    initiative_ids: tuple[str, ...] = ()
    """The initiatives the screening relied on (claimed, or picked by annual proposals)."""
    considered_on: date | None = None
    """The consideration date (ngày xét) every rule read the facts as of."""

    @property
    def failing(self) -> tuple[str, ...]:
        return tuple(r.rule_id for r in self.results if not r.passed)

    def result(self, rule_id: str) -> RuleResult:
        for r in self.results:
            if r.rule_id == rule_id:
                return r
        raise KeyError(rule_id)

    def as_dict(self) -> dict:
        """Plain JSON values, shaped like `schemas.awards.NominationScreened` plus reasons."""
        return {
            "nomination_id": self.nomination_id,
            "verdict": self.verdict,
            "regime": str(self.regime),
            "considered_on": self.considered_on and self.considered_on.isoformat(),
            "rule_results": [
                {
                    "rule_id": r.rule_id,
                    "passed": r.passed,
                    "citation": r.citation,
                    "facts": dict(r.facts),
                    "reason": r.reason,
                }
                for r in self.results
            ],
        }


class Evaluation:
    """One nomination's rule outcomes, and its quota places once ranked. It copies what it needs
    from the context, which annual screening rebinds to the next award straight after."""

    __slots__ = (
        "as_of",
        "citations",
        "code",
        "initiative_ids",
        "kind",
        "nomination_id",
        "order",
        "outcomes",
        "preferred",
        "quotas",
        "ranks",
        "regime",
        "rules",
        "score",
        "subject_id",
        "window_start",
        "year",
    )

    def __init__(
        self,
        ctx: Context,
        rules: tuple[Rule, ...],
        outcomes: Sequence[Outcome],
        *,
        nomination_id: str,
        order: int,
        score: float | None = None,
        initiative_ids: tuple[str, ...] | None = None,
    ) -> None:
        self.nomination_id = nomination_id
        self.order = order
        self.kind = ctx.kind
        self.subject_id = ctx.subject_id
        self.code = ctx.code
        self.year = ctx.year
        self.regime = ctx.regime
        self.window_start = ctx.window_start
        self.as_of = ctx.as_of
        """The consideration date: it picks each rule's citation (texts in force that day)."""
        self.citations = ctx.config.rule_citations
        self.rules = rules
        self.outcomes = outcomes
        self.score = score
        self.initiative_ids = tuple(ctx.picked) if initiative_ids is None else initiative_ids
        self.quotas: dict[str, Quota] | None = None
        self.ranks: dict[str, int] | None = None
        self.preferred = False
        for r in rules:
            if r.quota is not None and (q := r.quota(ctx)) is not None:
                if self.quotas is None:
                    self.quotas = {}
                    self.preferred = preferred(ctx)[0]
                self.quotas[r.id] = q

    @property
    def competes(self) -> bool:
        """Passes every rule's own check, so it may take a quota place. Annual screening keeps
        only passing evaluations and drops their outcomes (empty: competes)."""
        return all(o.passed for o in self.outcomes)

    def rank_key(self) -> tuple:
        return (self.score is None, -(self.score or 0.0), not self.preferred, self.order)

    @property
    def quota_rank(self) -> int | None:
        return min(self.ranks.values()) if self.ranks else None

    def fits_quotas(self) -> bool:
        if not self.quotas:
            return True
        ranks = self.ranks or {}
        return all(ranks.get(rid, q.used + 1) <= q.limit for rid, q in self.quotas.items())

    def to_result(self, shared: dict[tuple, RuleResult] | None = None) -> ScreeningResult:
        results = self.rule_results(shared)
        return ScreeningResult(
            self.nomination_id,
            self.kind,
            self.subject_id,
            self.code,
            self.year,
            self.regime,
            verdict_of(results),
            results,
            self.initiative_ids,
            self.as_of,
        )

    def rule_results(self, shared: dict[tuple, RuleResult] | None = None) -> tuple[RuleResult, ...]:
        """Every rule's result, quota places applied. `shared`: results already made for other
        evaluations, by what they are made of (annual screening explains tens of thousands of
        candidates whose results mostly coincide: each distinct one is then built once and
        shared, read-only). Results that carry a quota place or rank are the evaluation's own."""
        return self.results_of(self.rules, self.outcomes, shared)

    def results_of(
        self,
        rules: tuple[Rule, ...],
        outcomes: Sequence[Outcome],
        shared: dict[tuple, RuleResult] | None = None,
    ) -> tuple[RuleResult, ...]:
        """`rule_results` of these rules' outcomes for this evaluation's nominee, year and quota
        places (annual screening's candidates: of their proposal screened again)."""
        start = self.year if self.window_start is None else self.window_start
        window = str(self.year) if start == self.year else f"{start}–{self.year}"
        quotas = self.quotas or {}
        ranks = self.ranks or {}
        rank_facts = {"quota_rank": self.quota_rank} if ranks else {}
        results = []
        for rule, outcome in zip(rules, outcomes, strict=True):
            citation = rule.citation.label_on(rule.id, self.as_of, self.citations, self.code)
            if shared is None or rule.id in quotas or (rank_facts and rule.id == "R16"):
                results.append(
                    self._rule_result(rule, citation, outcome, window, quotas, ranks, rank_facts)
                )
                continue
            key = (  # everything the result is made of (two rules may share an id across laws)
                rule.id,
                citation,
                rule.effect,
                self.year,
                window,
                outcome.passed,
                outcome.reason,
                outcome.effect,
                tuple(outcome.facts.items()),
            )
            r = shared.get(key)
            if r is None:
                r = shared[key] = self._rule_result(
                    rule, citation, outcome, window, quotas, ranks, {}
                )
            results.append(r)
        return tuple(results)

    def _rule_result(
        self,
        rule: Rule,
        citation: str,
        outcome: Outcome,
        window: str,
        quotas: dict[str, Quota],
        ranks: dict[str, int],
        rank_facts: Mapping[str, Scalar],
    ) -> RuleResult:
        passed = outcome.passed
        facts: dict[str, Scalar] = dict(outcome.facts)
        reason = outcome.reason.format(y=self.year, window=window)
        q = quotas.get(rule.id)
        if q is not None:
            rank = ranks.get(rule.id)
            position = q.used + 1 if rank is None else rank
            facts.update(q.basis)
            facts.update(quota=q.limit, quota_used=q.used, quota_rank=rank)
            if passed and position > q.limit:
                passed = False
                reason = (
                    f"Vượt hạn mức: {q.limit} suất, đã có {q.used} trên hồ sơ, "
                    f"thứ tự xét {position}."
                )
            elif passed:
                reason = f"{reason} Trong hạn mức ({position}/{q.limit})."
        elif rule.id == "R16":
            facts.update(rank_facts)
        effect = None if passed else (outcome.effect or rule.effect)
        return RuleResult(rule.id, passed, citation, facts, reason, effect)


def rank_quotas(evaluations: Iterable[Evaluation]) -> None:
    """Give every competing evaluation its place in each quota group it belongs to."""
    groups: dict[tuple, list[tuple[Evaluation, Quota]]] = defaultdict(list)
    for ev in evaluations:
        if ev.quotas and ev.competes:
            for rule_id, q in ev.quotas.items():
                groups[(rule_id, q.group)].append((ev, q))
    for (rule_id, _), members in groups.items():
        members.sort(key=lambda member: member[0].rank_key())
        for position, (ev, q) in enumerate(members, 1):
            if ev.ranks is None:
                ev.ranks = {}
            ev.ranks[rule_id] = q.used + position


def verdict_of(results: Sequence[RuleResult]) -> Verdict:
    effects = {r.effect for r in results if not r.passed}
    if not effects:
        return ELIGIBLE
    for verdict in (BLOCKED, INCOMPLETE):
        if verdict in effects:
            return verdict
    return INELIGIBLE


def _rules(nomination: Nomination) -> tuple[Rule, ...]:
    if nomination.kind not in AWARD_KINDS.get(nomination.code, ()):
        raise ValueError(f"{nomination.code} is not awarded to a {nomination.kind}")
    return rules_for(
        nomination.kind,
        nomination.code,
        nomination.regime,
        nomination.period_end,
        nomination.regime_override is not None,
    )


def screen_batch(
    nominations: Sequence[Nomination], facts: Facts, config: ScreeningConfig = DEFAULT_CONFIG
) -> list[ScreeningResult]:
    """Screen nominations together (titles conferred in the batch, quotas, single use of
    initiatives); results in input order."""
    consumed: set[str] = set()
    conferred: Proposals = {}
    results: dict[int, ScreeningResult] = {}
    stages = [[(o, n) for o, n in enumerate(nominations) if _stage(n) == s] for s in range(3)]
    for stage, members in enumerate(stages):
        evaluations = []
        for order, nomination in members:
            rules = _rules(nomination)
            ctx = Context.for_nomination(
                nomination, facts, config, consumed=consumed, proposed=conferred
            )
            outcomes = [r.check(ctx) for r in rules]
            ev = Evaluation(
                ctx,
                rules,
                outcomes,
                nomination_id=nomination.id,
                order=order,
                score=nomination.score,
                initiative_ids=nomination.initiative_ids,
            )
            if ev.competes:
                consumed.update(nomination.initiative_ids)
            evaluations.append(ev)
        rank_quotas(evaluations)
        granted: dict[int, set[str]] = defaultdict(set)
        for ev in evaluations:
            results[ev.order] = result = ev.to_result()
            if result.verdict == ELIGIBLE:
                granted[ev.year].add(ev.subject_id)
        if stage < len(BATCH_CASCADE):
            conferred[BATCH_CASCADE[stage]] = {y: frozenset(ids) for y, ids in granted.items()}
    return [results[o] for o in range(len(nominations))]


def _stage(nomination: Nomination) -> int:
    """0: LĐTT, 1: CSTĐCS (both personal, conferred at the unit's year-end review), 2: the rest."""
    if nomination.kind == PERSON and nomination.code in BATCH_CASCADE:
        return BATCH_CASCADE.index(nomination.code)
    return len(BATCH_CASCADE)


def screen(
    nomination: Nomination, facts: Facts, config: ScreeningConfig = DEFAULT_CONFIG
) -> ScreeningResult:
    """Screen one nomination on its own (its quota counts only awards already on record)."""
    return screen_batch([nomination], facts, config)[0]
