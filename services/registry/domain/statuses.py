"""Status periods of a person or of a unit (a collective): a discipline (with its level), a
pending investigation, inspection or complaint.

A period runs from `start` to `end` (exclusive, the first day it no longer applies; none while
pending or in force). While one applies, the subject may not be proposed for an award (R14 in
docs/legal.md, Nghị định 98/2023 Điều 4: "tập thể, cá nhân"); after a discipline ends,
achievements count from its end. The four kinds apply to both; a unit's discipline is a
reprimand or a warning only (demotion and dismissal are sanctions of a person).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date
from typing import Literal
from uuid import UUID

from servicekit.errors import Conflict, Invalid
from servicekit.messages import Msg

Subject = Literal["person", "unit"]

DISCIPLINE_LEVELS = ("reprimand", "warning", "demotion", "dismissal")
"""khiển trách, cảnh cáo, hạ bậc lương/giáng chức, cách chức/buộc thôi việc — mildest first."""
LEVELS_OF: dict[Subject, tuple[str, ...]] = {
    "person": DISCIPLINE_LEVELS,
    "unit": ("reprimand", "warning"),
}


@dataclass(frozen=True)
class StatusPeriod:
    status_id: UUID
    subject_id: UUID
    """The person, or the unit, the status concerns."""
    kind: str  # discipline, investigation, inspection, complaint
    start: date
    end: date | None = None
    discipline_level: str | None = None

    def applies_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)

    def overlaps(self, other: StatusPeriod) -> bool:
        return (other.end is None or self.start < other.end) and (
            self.end is None or other.start < self.end
        )


def add_status(
    existing: list[StatusPeriod], new: StatusPeriod, subject: Subject = "person"
) -> StatusPeriod:
    if new.kind == "discipline" and new.discipline_level is None:
        raise Invalid.at("#/discipline_level", "a discipline needs its level", "missing")
    if new.kind != "discipline" and new.discipline_level is not None:
        raise Invalid.at("#/discipline_level", "only a discipline has a level", "not_allowed")
    levels = LEVELS_OF[subject]
    if new.discipline_level is not None and new.discipline_level not in levels:
        raise Invalid.at(
            "#/discipline_level",
            Msg(
                "a {subject}'s discipline is one of {value}",
                subject=subject,
                value=", ".join(levels),
            ),
            "not_allowed",
        )
    if new.end is not None and new.end < new.start:
        raise Invalid.at("#/end", "end is before start", "range")
    for s in existing:
        if s.kind == new.kind and s.overlaps(new):
            raise Conflict(
                Msg(
                    "the {subject} already has a {kind} over {start}–{value} "
                    "overlapping this one; end or correct it instead",
                    subject=subject,
                    kind=s.kind,
                    start=s.start,
                    value=s.end or "…",
                ),
                code="overlap",
                status_id=str(s.status_id),
            )
    return new


def end_status(status: StatusPeriod, end: date) -> StatusPeriod:
    if status.end is not None:
        raise Conflict(
            Msg("this {kind} already ended on {end}", kind=status.kind, end=status.end),
            code="ended",
        )
    if end < status.start:
        raise Invalid.at(
            "#/end", Msg("end is before the start {start}", start=status.start), "range"
        )
    return replace(status, end=end)


def blocking(statuses: list[StatusPeriod], day: date) -> list[StatusPeriod]:
    """The statuses that bar a nomination on `day` (R14)."""
    return [s for s in statuses if s.applies_on(day)]
