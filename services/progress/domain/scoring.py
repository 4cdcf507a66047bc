"""A bloc's scoring scheme (thang điểm) as data, and a unit's score under it.

There is no national formula: each bloc head drafts the criteria, so the scheme is validated data.
A criterion's value for a unit is a share in [0, 1]:
- completion: the unit's weighted capped completion over its targets;
- early_finish: the share of its targets achieved before their deadline;
- timeliness: the share of its reports made by their deadline.
Points for a criterion = value × max_points × weight. Bonus and penalty points set by the bloc
head are added and subtracted, each capped by the scheme's max_bonus / max_penalty when given.
The total is rounded half-even to `score_places`, and rounded totals decide ties: two units whose
scores print the same are tied.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

from servicekit.messages import Msg
from services.progress.domain.decimals import ONE, ZERO, as_decimal, quantize
from services.progress.domain.errors import FieldProblem

CriterionName = Literal["completion", "early_finish", "timeliness"]
CRITERIA: tuple[CriterionName, ...] = ("completion", "early_finish", "timeliness")

Points = Annotated[Decimal, Field(ge=0, allow_inf_nan=False, max_digits=12, decimal_places=4)]


class Criterion(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    name: CriterionName
    weight: Points
    max_points: Annotated[
        Decimal, Field(gt=0, allow_inf_nan=False, max_digits=12, decimal_places=4)
    ]


class ScoringScheme(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    ref: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
    """The code the bloc refers to it by (BlocFormed.scoring_scheme_ref)."""
    criteria: tuple[Criterion, ...] = Field(min_length=1)
    max_bonus: Points | None = None
    """Most bonus points one unit may get; None for no limit."""
    max_penalty: Points | None = None
    score_places: int = Field(default=2, ge=0, le=4)

    @model_validator(mode="after")
    def _check(self) -> ScoringScheme:
        names = [c.name for c in self.criteria]
        if len(set(names)) != len(names):
            raise ValueError("a criterion is listed twice")
        if sum((c.weight for c in self.criteria), ZERO) <= 0:
            raise ValueError("the criteria's weights must sum to more than 0")
        return self

    @property
    def max_score(self) -> Decimal:
        """The most a unit can score without bonus."""
        return sum((c.weight * c.max_points for c in self.criteria), ZERO)


@dataclass(frozen=True, slots=True)
class UnitStats:
    """A unit's inputs to scoring; the shares are in [0, 1]."""

    unit_id: UUID
    name: str
    code: str = ""
    completion: Decimal = ZERO
    early_finish: Decimal = ZERO
    timeliness: Decimal = ZERO

    def __post_init__(self) -> None:
        for criterion in CRITERIA:
            share = as_decimal(getattr(self, criterion))  # lets callers pass 1 or 0.5
            object.__setattr__(self, criterion, share)
            if not ZERO <= share <= ONE:
                raise ValueError(f"{criterion} must be a share between 0 and 1")


AdjustmentKind = Literal["bonus", "penalty"]


@dataclass(frozen=True, slots=True)
class Adjustment:
    """Points the bloc head adds (bonus, điểm thưởng) or takes (penalty, điểm trừ), with why."""

    unit_id: UUID
    kind: AdjustmentKind
    points: Decimal
    reason: str


@dataclass(frozen=True, slots=True)
class CriterionScore:
    name: CriterionName
    value: Decimal
    weight: Decimal
    max_points: Decimal
    points: Decimal


@dataclass(frozen=True, slots=True)
class ScoreBreakdown:
    unit_id: UUID
    criteria: tuple[CriterionScore, ...]
    bonus: Decimal
    """Applied, after the scheme's cap."""
    penalty: Decimal
    total: Decimal


def check_adjustment(
    scheme: ScoringScheme, adjustment: Adjustment, earlier: Iterable[Adjustment] = ()
) -> list[FieldProblem]:
    """For the bloc head's entry: positive points with a reason, within the scheme's cap together
    with the unit's `earlier` adjustments of the same kind."""
    problems = []
    if adjustment.kind not in ("bonus", "penalty"):
        problems.append(FieldProblem("kind", "unknown_kind", "kind is bonus or penalty"))
    if not (adjustment.points.is_finite() and adjustment.points > 0):
        problems.append(FieldProblem("points", "not_positive", "points must be more than 0"))
    if not adjustment.reason or not adjustment.reason.strip():
        problems.append(FieldProblem("reason", "missing", "say why the points are given"))
    cap = scheme.max_bonus if adjustment.kind == "bonus" else scheme.max_penalty
    if not problems and cap is not None:
        used = sum(
            (
                a.points
                for a in earlier
                if a.unit_id == adjustment.unit_id and a.kind == adjustment.kind
            ),
            ZERO,
        )
        if used + adjustment.points > cap:
            problems.append(
                FieldProblem(
                    "points",
                    "over_cap",
                    Msg(
                        "the scheme allows at most {cap} {kind} points",
                        cap=cap,
                        kind=adjustment.kind,
                    ),
                )
            )
    return problems


def score_unit(
    scheme: ScoringScheme, stats: UnitStats, adjustments: Iterable[Adjustment] = ()
) -> ScoreBreakdown:
    """Adjustments of other units are ignored, so a bloc's whole list can be passed."""
    parts = tuple(
        CriterionScore(
            name=c.name,
            value=getattr(stats, c.name),
            weight=c.weight,
            max_points=c.max_points,
            points=getattr(stats, c.name) * c.max_points * c.weight,
        )
        for c in scheme.criteria
    )
    bonus = penalty = ZERO
    for a in adjustments:
        if a.unit_id != stats.unit_id:
            continue
        if a.kind == "bonus":
            bonus += a.points
        else:
            penalty += a.points
    if scheme.max_bonus is not None:
        bonus = min(bonus, scheme.max_bonus)
    if scheme.max_penalty is not None:
        penalty = min(penalty, scheme.max_penalty)
    total = sum((p.points for p in parts), ZERO) + bonus - penalty
    return ScoreBreakdown(
        unit_id=stats.unit_id,
        criteria=parts,
        bonus=bonus,
        penalty=penalty,
        total=quantize(total, scheme.score_places),
    )
