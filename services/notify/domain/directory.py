"""What notify needs to know from earlier events to route and word the later ones.

Screening, approval and rejection events name only the nomination; a decision names people but
not their units. Notify keeps a read model fed by NominationSubmitted and the registry's events;
the domain sees it through `Directory`. `MemoryDirectory` is the in-memory form: the snapshot the
service loads before calling the domain, and the fixture of the tests.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol
from uuid import UUID

from schemas import awards, registry
from schemas.base import Event
from schemas.types import AwardCode


@dataclass(frozen=True)
class NominationFacts:
    """What NominationSubmitted told about a nomination."""

    nominee: awards.Nominee
    proposer_unit_id: UUID
    award_code: AwardCode
    campaign_id: UUID | None = None


class Directory(Protocol):
    def nomination(self, nomination_id: UUID) -> NominationFacts | None: ...

    def unit_of_person(self, person_id: UUID, on: date) -> UUID | None:
        """The unit the person worked in on that day."""
        ...

    def name(self, id: UUID) -> str | None:
        """Display name of a unit, person, campaign or target."""
        ...


@dataclass
class MemoryDirectory:
    nominations: dict[UUID, NominationFacts] = field(default_factory=dict)
    names: dict[UUID, str] = field(default_factory=dict)
    # person id -> [(valid_from, unit_id)] sorted by valid_from
    person_units: dict[UUID, list[tuple[date, UUID]]] = field(default_factory=dict)

    def nomination(self, nomination_id: UUID) -> NominationFacts | None:
        return self.nominations.get(nomination_id)

    def unit_of_person(self, person_id: UUID, on: date) -> UUID | None:
        history = self.person_units.get(person_id, [])
        i = bisect.bisect_right(history, on, key=lambda entry: entry[0])
        return history[i - 1][1] if i else None

    def name(self, id: UUID) -> str | None:
        return self.names.get(id)

    def add_person(self, person_id: UUID, unit_id: UUID, valid_from: date = date.min) -> None:
        history = [e for e in self.person_units.get(person_id, []) if e[0] != valid_from]
        bisect.insort(history, (valid_from, unit_id), key=lambda entry: entry[0])
        self.person_units[person_id] = history

    def learn(self, event: Event) -> None:
        """Take in what an event tells: the read model's update rules in one place."""
        match event:
            case awards.NominationSubmitted():
                self.nominations[event.nomination_id] = NominationFacts(
                    nominee=event.nominee,
                    proposer_unit_id=event.proposer_unit_id,
                    award_code=event.award_code,
                    campaign_id=event.campaign_id,
                )
            case registry.PersonRegistered() | registry.PersonChanged():
                self.add_person(event.person_id, event.unit_id, event.valid_from)
                self.names[event.person_id] = event.full_name
            case registry.UnitRegistered() | registry.UnitChanged():
                self.names[event.unit_id] = event.name
            case registry.CampaignLaunched():
                self.names[event.campaign_id] = event.title
                for t in event.targets:
                    self.names[t.target_id] = t.name
            case registry.TargetAssigned() | registry.TargetRevised():
                self.names[event.target_id] = event.name
            case _:
                pass


class _NothingKnown:
    def nomination(self, nomination_id: UUID) -> NominationFacts | None:
        return None

    def unit_of_person(self, person_id: UUID, on: date) -> UUID | None:
        return None

    def name(self, id: UUID) -> str | None:
        return None


NOTHING_KNOWN: Directory = _NothingKnown()
"""A directory that knows nothing: events are routed on their own fields alone."""
