"""Yearly performance ratings (xếp loại) of people and collectives, entered by their unit.

One rating per subject per year: a later entry replaces the earlier one, which stays in history
(entries are stored, never edited). "Later" is by entered_at, then id, so an old entry delivered
late does not overwrite a newer one.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple, get_args
from uuid import UUID

from schemas.types import Rating, SubjectKind
from services.progress.domain.errors import FieldProblem

RATINGS: tuple[Rating, ...] = get_args(Rating)
"""Best first: hoàn thành xuất sắc / tốt / hoàn thành / không hoàn thành nhiệm vụ."""
FIRST_YEAR = 1945


@dataclass(frozen=True, slots=True)
class RatingEntry:
    id: UUID
    subject_kind: SubjectKind
    subject_id: UUID
    """The person id, or the unit id for a collective."""
    year: int
    rating: Rating
    unit_id: UUID
    """The unit that rated: the person's unit, or the collective itself."""
    entered_at: datetime

    @property
    def key(self) -> tuple[SubjectKind, UUID, int]:
        return (self.subject_kind, self.subject_id, self.year)


def check_rating(
    *,
    subject_kind: object,
    subject_id: UUID,
    subject_unit_id: UUID | None,
    year: object,
    rating: object,
    entering_unit: UUID,
    today: date,
) -> list[FieldProblem]:
    """`subject_unit_id`: the person's unit per the read model (None when the person is unknown);
    for a collective, the collective itself. A unit rates only its own people and itself."""
    problems = []
    if subject_kind not in get_args(SubjectKind):
        problems.append(FieldProblem("subject_kind", "unknown_kind", "person or collective"))
    elif subject_unit_id != entering_unit or (
        subject_kind == "collective" and subject_id != entering_unit
    ):
        problems.append(
            FieldProblem("subject_id", "unknown_subject", "no such subject in your unit")
        )
    if rating not in RATINGS:
        problems.append(FieldProblem("rating", "unknown_rating", "one of " + ", ".join(RATINGS)))
    if isinstance(year, bool) or not isinstance(year, int):
        problems.append(FieldProblem("year", "wrong_type", "the year must be a whole number"))
    elif year > today.year:
        problems.append(FieldProblem("year", "future_year", "the year has not come yet"))
    elif year < FIRST_YEAR:
        problems.append(
            FieldProblem("year", "too_early", f"the year must be {FIRST_YEAR} or later")
        )
    return problems


class RatingChange(NamedTuple):
    current: RatingEntry
    replaced: RatingEntry | None
    changed: bool
    """True when the subject's rating for the year is new or different: publish PerformanceRated."""


def apply_rating(current: RatingEntry | None, entry: RatingEntry) -> RatingChange:
    if current is not None and current.key != entry.key:
        raise ValueError("entries are for different subjects or years")
    if current is None:
        return RatingChange(entry, None, True)
    if (entry.entered_at, entry.id) <= (current.entered_at, current.id):
        return RatingChange(current, None, False)  # older, or the same delivered twice
    changed = (entry.rating, entry.unit_id) != (current.rating, current.unit_id)
    return RatingChange(entry, current, changed)


def current_ratings(
    entries: Iterable[RatingEntry],
) -> dict[tuple[SubjectKind, UUID, int], RatingEntry]:
    """The rating in force for each subject and year, from the full history."""
    result: dict[tuple[SubjectKind, UUID, int], RatingEntry] = {}
    for e in entries:
        result[e.key] = apply_rating(result.get(e.key), e).current
    return result
