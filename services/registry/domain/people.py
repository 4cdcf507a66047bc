"""People (cá nhân) and their status periods.

Personal data is kept to what the award rules need: full name, gender, birth year, and the unit
and position over time (versions valid over [valid_from, valid_to), like units). A citizen id is
never kept: at most its keyed hash, to recognise the same person on a later import, and it never
leaves the service (not in events, answers, logs or exports).

Status periods (discipline, pending investigation, inspection or complaint) are shared with
units: `domain/statuses.py`, re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import TypedDict
from uuid import UUID

from servicekit.errors import Invalid
from servicekit.messages import Msg
from services.registry.domain.statuses import (  # noqa: F401  (re-exported)
    DISCIPLINE_LEVELS,
    StatusPeriod,
    add_status,
    blocking,
    end_status,
)


@dataclass(frozen=True)
class PersonVersion:
    person_id: UUID
    full_name: str
    unit_id: UUID
    position: str
    valid_from: date
    valid_to: date | None = None

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)


@dataclass(frozen=True)
class Person:
    person_id: UUID
    gender: str
    birth_year: int
    versions: tuple[PersonVersion, ...]
    code: str | None = None
    """The person's code in the province's personnel records (optional), to match imports."""

    def as_of(self, day: date) -> PersonVersion | None:
        return next((v for v in self.versions if v.covers(day)), None)

    @property
    def latest(self) -> PersonVersion:
        return self.versions[-1]


def register(
    person_id: UUID,
    *,
    full_name: str,
    gender: str,
    birth_year: int,
    unit_id: UUID,
    position: str,
    valid_from: date,
    code: str | None = None,
) -> Person:
    if valid_from.year < birth_year:
        raise Invalid.at("#/valid_from", "the person was not born yet on that date", "range")
    return Person(
        person_id,
        gender,
        birth_year,
        (PersonVersion(person_id, full_name, unit_id, position, valid_from),),
        code,
    )


class PersonChanges(TypedDict, total=False):
    """What a change of a person may carry (each key given is a change)."""

    full_name: str
    unit_id: UUID
    position: str
    gender: str
    birth_year: int


def change(
    person: Person,
    effective_from: date,
    *,
    full_name: str | None = None,
    unit_id: UUID | None = None,
    position: str | None = None,
    gender: str | None = None,
    birth_year: int | None = None,
) -> tuple[Person, PersonVersion | None]:
    """A new version from `effective_from` (to the end of the version in force that day); gender
    and birth year are corrections of the person, not versioned. Returns the person and the new
    version (None when nothing changed)."""
    vs = list(person.versions)
    i = next((i for i, v in enumerate(vs) if v.covers(effective_from)), None)
    if i is None:
        raise Invalid.at(
            "#/effective_from",
            Msg(
                "the person's record starts on {valid_from}: a change cannot precede it",
                valid_from=vs[0].valid_from,
            ),
            "not_valid",
        )
    old = vs[i]
    new = replace(
        old,
        valid_from=effective_from,
        full_name=full_name if full_name is not None else old.full_name,
        unit_id=unit_id if unit_id is not None else old.unit_id,
        position=position if position is not None else old.position,
    )
    fixed = replace(
        person,
        gender=gender if gender is not None else person.gender,
        birth_year=birth_year if birth_year is not None else person.birth_year,
    )
    same_version = (new.full_name, new.unit_id, new.position) == (
        old.full_name,
        old.unit_id,
        old.position,
    )
    if same_version and fixed == person:
        return person, None
    if not same_version:
        if effective_from == old.valid_from:
            vs[i] = new
        else:
            vs[i] = replace(old, valid_to=effective_from)
            vs.insert(i + 1, new)
    else:
        new = old
    return replace(fixed, versions=tuple(vs)), new
