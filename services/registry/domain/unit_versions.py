"""The records of the unit tree: a unit's versions over half-open ranges of days, what
registering one takes, a closure, and the facts the tree's commands record (one event each)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID


def fmt_range(start: date, end: date | None) -> str:
    return f"[{start}, {end or '…'})"


@dataclass(frozen=True)
class UnitVersion:
    unit_id: UUID
    code: str
    name: str
    kind: str
    level: str
    parent_id: UUID | None
    valid_from: date
    valid_to: date | None = None

    def covers(self, day: date) -> bool:
        return self.valid_from <= day and (self.valid_to is None or day < self.valid_to)

    def overlaps(self, start: date, end: date | None) -> bool:
        return (end is None or self.valid_from < end) and (
            self.valid_to is None or start < self.valid_to
        )

    @property
    def attributes(self) -> tuple[Any, ...]:
        return (self.name, self.kind, self.level, self.parent_id)


@dataclass(frozen=True)
class UnitSpec:
    """What registering a unit takes."""

    code: str
    name: str
    kind: str
    level: str
    parent_id: UUID | None
    valid_from: date
    valid_to: date | None = None


@dataclass(frozen=True)
class Closure:
    unit_id: UUID
    closed_on: date
    reason: str | None = None
    kind: str = "closed"  # closed, merged, split
    successor_ids: tuple[UUID, ...] = ()


# Facts recorded by the commands, in order; the service layer publishes one event per fact.
@dataclass(frozen=True)
class Registered:
    version: UnitVersion


@dataclass(frozen=True)
class Changed:
    version: UnitVersion


@dataclass(frozen=True)
class Closed:
    closure: Closure


@dataclass(frozen=True)
class Merged:
    successor_id: UUID
    merged_ids: tuple[UUID, ...]
    effective_on: date


Fact = Registered | Changed | Closed | Merged


@dataclass
class Node:
    version: UnitVersion
    children: list[Node] = field(default_factory=list)
