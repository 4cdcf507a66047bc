"""Webhook subscription filters: which events an integration subscriber receives.

A filter has three lists; an empty list means any. An event matches when it matches every
non-empty list:

- `event_types`: exact CloudEvents types ("vn.thidua.progress.TargetAchieved.v1") or short names
  ("TargetAchieved", any major version). An event that takes back another (FOLLOWS) goes to
  whoever takes the one it takes back: a subscriber told of an achievement is told of its
  retraction without having named it.
- `campaign_ids`: the event concerns one of these campaigns.
- `unit_ids`: the event concerns one of these units.

What an event concerns is read from its own fields (any `campaign_id`; `unit_id`, `*_unit_id`,
`*_unit_ids`, `launched_by`, a collective nominee or rated subject, nested parts included) and
from the directory: for a nomination named by id, what NominationSubmitted said (campaign,
proposing unit, a collective nominee); for a decision, the units its awarded people worked in.
An event that concerns no campaign never matches a filter on campaigns.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, field_validator

from schemas import awards, progress
from schemas.base import Event
from schemas.envelope import Envelope
from schemas.events import ALL_EVENTS
from services.notify.domain.directory import NOTHING_KNOWN, Directory

KNOWN_TYPES = frozenset(cls.ce_type() for cls in ALL_EVENTS)
KNOWN_NAMES = frozenset(cls.event_name for cls in ALL_EVENTS)
MAX_ENTRIES = 200  # per list: a filter is a selection, not a data set


class SubscriptionFilter(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    event_types: list[str] = Field(default_factory=list, max_length=MAX_ENTRIES)
    campaign_ids: list[UUID] = Field(default_factory=list, max_length=MAX_ENTRIES)
    unit_ids: list[UUID] = Field(default_factory=list, max_length=MAX_ENTRIES)

    @field_validator("event_types")
    @classmethod
    def _known_types(cls, value: list[str]) -> list[str]:
        for i, t in enumerate(value):
            if t not in KNOWN_TYPES and t not in KNOWN_NAMES:
                raise ValueError(
                    f"entry {i} ({t!r}) is not a known event type: give a CloudEvents type such "
                    "as 'vn.thidua.progress.TargetAchieved.v1' or a name such as 'TargetAchieved'"
                )
        return value


@dataclass(frozen=True)
class Concerned:
    campaign_ids: frozenset[UUID]
    unit_ids: frozenset[UUID]


def matches(
    filter: SubscriptionFilter,
    envelope_or_event: Envelope | Event,
    directory: Directory = NOTHING_KNOWN,
) -> bool:
    if isinstance(envelope_or_event, Envelope):
        event, ce_type = envelope_or_event.data, envelope_or_event.type
    else:
        event, ce_type = envelope_or_event, envelope_or_event.ce_type()
    if filter.event_types and not _type_matches(filter.event_types, ce_type, event):
        return False
    if not (filter.campaign_ids or filter.unit_ids):
        return True
    c = concerned(event, directory)
    if filter.campaign_ids and c.campaign_ids.isdisjoint(filter.campaign_ids):
        return False
    return not (filter.unit_ids and c.unit_ids.isdisjoint(filter.unit_ids))


FOLLOWS: dict[type[Event], type[Event]] = {
    progress.TargetAchievementRetracted: progress.TargetAchieved,
}
"""An event type → the one it takes back."""


def _type_matches(event_types: list[str], ce_type: str, event: Event) -> bool:
    if ce_type in event_types or event.event_name in event_types:
        return True
    followed = FOLLOWS.get(type(event))
    return followed is not None and (
        followed.ce_type() in event_types or followed.event_name in event_types
    )


def concerned(event: Event, directory: Directory = NOTHING_KNOWN) -> Concerned:
    campaigns: set[UUID] = set()
    units: set[UUID] = set()
    nominations: set[UUID] = set()
    for kind, id in _walk(event):
        {"campaign": campaigns, "unit": units, "nomination": nominations}[kind].add(id)
    for nomination_id in nominations:
        facts = directory.nomination(nomination_id)
        if facts is None:
            continue
        units.add(facts.proposer_unit_id)
        if facts.nominee.kind == "collective":
            units.add(facts.nominee.id)
        if facts.campaign_id is not None:
            campaigns.add(facts.campaign_id)
    if isinstance(event, awards.AwardDecisionIssued):
        for line in event.awards:
            if line.nominee.kind == "person":
                unit = directory.unit_of_person(line.nominee.id, event.signed_on)
                if unit is not None:
                    units.add(unit)
    return Concerned(frozenset(campaigns), frozenset(units))


_UNIT_FIELDS = ("unit_id", "launched_by")


def _walk(model: BaseModel) -> Iterator[tuple[str, UUID]]:
    if isinstance(model, awards.Nominee) and model.kind == "collective":
        yield "unit", model.id
    # The subject of a rating is a unit when the rating is of a collective.
    if isinstance(model, progress.PerformanceRated) and model.subject_kind == "collective":
        yield "unit", model.subject_id
    for name, value in model:
        if value is None:
            continue
        if name == "campaign_id":
            yield "campaign", value
        elif name in _UNIT_FIELDS or name.endswith("_unit_id"):
            yield "unit", value
        elif name.endswith("_unit_ids"):
            for v in value:
                yield "unit", v
        elif name == "nomination_id":
            yield "nomination", value
        elif name == "nomination_ids":
            for v in value:
                yield "nomination", v
        elif isinstance(value, BaseModel):
            yield from _walk(value)
        elif isinstance(value, list):
            for item in value:
                if isinstance(item, BaseModel):
                    yield from _walk(item)
