"""Who a bloc's year ranks, and with which targets, when units come and go during the year.

Membership is dated: a unit counts for the period it was a member ([joined_on, left_on), the
end exclusive), with its targets due in that period. Units merged during the year (the 2025
reform: communes merged on 1 July) are carried to their successor as the province chooses
(`MergedResults`):

- "carry_over" (default): a merged unit whose successor is a member of the bloc that year is not
  ranked on its own; the successor's row counts the merged unit's targets and points as well,
  and lists it under `merged_from`;
- "separate": each unit ranks on its own row until the year's end.

A unit split into several, or merged into a unit outside the bloc, always ranks on its own:
there is no single row of the bloc to carry it to.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from typing import Literal
from uuid import UUID

MergedResults = Literal["carry_over", "separate"]


@dataclass(frozen=True, slots=True)
class Membership:
    unit_id: UUID
    joined_on: date
    left_on: date | None = None  # exclusive

    def holds(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)


@dataclass(frozen=True, slots=True)
class Part:
    """A unit whose targets a row counts, over its membership periods."""

    unit_id: UUID
    periods: tuple[Membership, ...]
    closed_while_member: bool = False
    """The unit left the bloc because it ceased to exist (merged, split, dissolved): its targets
    due later in the year, set before the closure, still count here (its row, or the row it is
    carried to)."""

    @property
    def member_from(self) -> date:
        return min(m.joined_on for m in self.periods)

    @property
    def member_until(self) -> date | None:
        ends = [m.left_on for m in self.periods]
        return None if None in ends else max(e for e in ends if e is not None)

    def counts(self, deadline: date) -> bool:
        """Whether a target due on `deadline` belongs to the bloc's year through this unit."""
        if self.closed_while_member and deadline >= self.member_from:
            return True
        return any(m.holds(deadline) for m in self.periods)


@dataclass(frozen=True, slots=True)
class Row:
    """One ranked row: the unit itself, then the merged units carried to it."""

    unit_id: UUID
    parts: tuple[Part, ...]

    @property
    def own(self) -> Part:
        return self.parts[0]

    @property
    def merged(self) -> tuple[Part, ...]:
        return self.parts[1:]


@dataclass(frozen=True)
class Plan:
    rows: list[Row]
    row_of: dict[UUID, UUID] = field(default_factory=dict)
    """Every unit of the year → the unit whose row counts it."""


def plan_rows(
    memberships: Sequence[Membership],
    successor_of: Mapping[UUID, UUID],
    merged_results: MergedResults = "carry_over",
    closed_on: Mapping[UUID, date] | None = None,
) -> Plan:
    """`successor_of`: the single successor of each member merged away (a merger's);
    `closed_on`: the closure of each member that ceased to exist."""
    periods: dict[UUID, list[Membership]] = {}
    for m in memberships:
        periods.setdefault(m.unit_id, []).append(m)
    parts = {}
    for u, ms in periods.items():
        ms.sort(key=lambda m: m.joined_on)
        last, end = ms[-1].left_on, (closed_on or {}).get(u)
        parts[u] = Part(u, tuple(ms), last is not None and end is not None and last >= end)
    carried: dict[UUID, list[Part]] = {}
    row_of = {u: u for u in parts}
    if merged_results == "carry_over":
        for unit in parts:
            target = _final(unit, successor_of, parts)
            if target is not None:
                carried.setdefault(target, []).append(parts[unit])
                row_of[unit] = target
    rows = [
        Row(u, (p, *sorted(carried.get(u, ()), key=lambda x: str(x.unit_id))))
        for u, p in parts.items()
        if row_of[u] == u
    ]
    return Plan(rows, row_of)


def _final(unit: UUID, successor_of: Mapping[UUID, UUID], members: Collection[UUID]) -> UUID | None:
    """The member the unit's results end up with, following successive mergers; None when it
    ranks on its own."""
    seen, current = {unit}, successor_of.get(unit)
    found = None
    while current is not None and current not in seen:
        if current in members:
            found = current
        seen.add(current)
        current = successor_of.get(current)
    return found
