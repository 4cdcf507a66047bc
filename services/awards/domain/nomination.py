"""A nomination as the screening sees it: who, for what, for which achievement period, with which
dossier documents and which initiatives it relies on."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from services.awards.domain.regime import Regime, regime_for
from services.awards.domain.vocabulary import DocumentType, SubjectKind


@dataclass(frozen=True, slots=True)
class Nomination:
    """`year`: the year of a yearly title, or the last year of a multi-year award; with `period`
    instead, the year the period ends. `considered_on`: the consideration date (ngày xét), the
    day every rule reads statuses, titles and periods as of (R14's pending statuses, titles on
    record decided by then); None means the end of the achievement period.
    `score`: what ranks nominations competing for a quota before the R16 tie-breaks (e.g. the
    bloc's score); None ranks equal."""

    id: str
    kind: SubjectKind
    nominee_id: str
    code: str
    year: int | None = None
    period: tuple[date, date] | None = None
    considered_on: date | None = None
    regime_override: Regime | None = None
    documents: frozenset[DocumentType] = field(default_factory=frozenset)
    initiative_ids: tuple[str, ...] = ()
    score: float | None = None

    def __post_init__(self) -> None:
        if self.year is None and self.period is None:
            raise ValueError("a nomination needs a year or a period")
        if self.period is not None and self.period[1] < self.period[0]:
            raise ValueError("the period ends before it starts")

    @property
    def end_year(self) -> int:
        return self.period[1].year if self.period is not None else self.year  # type: ignore[return-value]

    @property
    def period_end(self) -> date:
        return self.period[1] if self.period is not None else date(self.end_year, 12, 31)

    @property
    def regime(self) -> Regime:
        return regime_for(self.period_end, self.regime_override)

    @property
    def consideration_date(self) -> date:
        return self.considered_on or self.period_end
