"""Yearly performance ratings (xếp loại) of people and collectives, entered by their unit.

One rating per subject per year: a later entry replaces the earlier one, which stays in history
(entries are stored, never edited). "Later" is by entered_at, then id, so an old entry delivered
late does not overwrite a newer one.

A rating is not the title Lao động tiên tiến, which also asks for conduct and service time: the
unit records with a person's rating of HTTNV or better that LĐTT was not conferred, and why
(`ldtt_not_conferred`), so that awards neither proposes it nor counts the person for a
collective title.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import NamedTuple, get_args
from uuid import UUID

from schemas.types import LdttWithheld, Rating, SubjectKind
from servicekit.messages import Msg
from services.progress.domain.errors import FieldProblem

RATINGS: tuple[Rating, ...] = get_args(Rating)
"""Best first: hoàn thành xuất sắc / tốt / hoàn thành / không hoàn thành nhiệm vụ."""
GOOD_OR_BETTER = RATINGS[:2]
LDTT_WITHHELD: tuple[LdttWithheld, ...] = get_args(LdttWithheld)
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
    ldtt_not_conferred: LdttWithheld | None = None
    """Rated HTTNV or better, LĐTT not conferred, and why; None: not stated."""

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
    ldtt_not_conferred: object = None,
) -> list[FieldProblem]:
    """`subject_unit_id`: the person's unit per the read model (None when the person is unknown);
    for a collective, the collective itself. A unit rates only its own people and itself.
    `ldtt_not_conferred` goes only with a person rated HTTNV or better: nobody else could have
    been conferred LĐTT."""
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
    if ldtt_not_conferred is not None:
        if ldtt_not_conferred not in LDTT_WITHHELD:
            problems.append(
                FieldProblem(
                    "ldtt_not_conferred", "unknown_reason", "one of " + ", ".join(LDTT_WITHHELD)
                )
            )
        elif subject_kind != "person" or rating not in GOOD_OR_BETTER:
            problems.append(
                FieldProblem(
                    "ldtt_not_conferred",
                    "not_applicable",
                    "only for a person rated HTXSNV or HTTNV (chỉ ghi cho cá nhân được xếp loại "
                    "hoàn thành tốt nhiệm vụ trở lên)",
                )
            )
    if isinstance(year, bool) or not isinstance(year, int):
        problems.append(FieldProblem("year", "wrong_type", "the year must be a whole number"))
    elif year > today.year:
        problems.append(FieldProblem("year", "future_year", "the year has not come yet"))
    elif year < FIRST_YEAR:
        problems.append(
            FieldProblem(
                "year",
                "too_early",
                Msg("the year must be {first_year} or later", first_year=FIRST_YEAR),
            )
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
    changed = (entry.rating, entry.unit_id, entry.ldtt_not_conferred) != (
        current.rating,
        current.unit_id,
        current.ldtt_not_conferred,
    )
    return RatingChange(entry, current, changed)


def current_ratings(
    entries: Iterable[RatingEntry],
) -> dict[tuple[SubjectKind, UUID, int], RatingEntry]:
    """The rating in force for each subject and year, from the full history."""
    result: dict[tuple[SubjectKind, UUID, int], RatingEntry] = {}
    for e in entries:
        result[e.key] = apply_rating(result.get(e.key), e).current
    return result
