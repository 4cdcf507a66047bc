"""Who an event concerns: the people and units whose inbox (and mailbox) it goes to.

- ReportDueSoon, ReportOverdue, TargetAchieved, TargetAchievementRetracted: the target's unit
  (the retraction goes to whoever the achievement went to).
- NominationScreened, NominationApproved, NominationRejected, NominationWithdrawn: the nominee (a
  person, or a unit for a collective) and the proposing unit, as NominationSubmitted named them
  (from the directory).
- NominationProposed, NominationCentrallyDecided (an award the central level decides): the
  nominee, the unit a nominated person works in on the submission's or the decision's day, and
  the proposing unit.
- AwardDecisionIssued: every awardee, the unit each person worked in on the signing day, and the
  proposing unit of each nomination.
- CampaignLaunched: each participating unit, and any unit given a target at launch.
- SupervisionFindingRaised: the unit concerned (which may answer) and the province's unit.
- SupervisionFindingAnswered: the Front body that raised the finding.
- Anything else: nobody. Among them PersonStatusChanged and UnitStatusChanged: a pending
  investigation, inspection or complaint is the authorities' business, and the awards procedure
  tells the nominee what it blocks (NominationScreened, with R14).

Each recipient appears once, with the first reason found; the order is stable.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Literal
from uuid import UUID

from schemas import awards, progress, registry
from schemas.base import Event
from schemas.envelope import Envelope
from services.notify.domain.directory import NOTHING_KNOWN, Directory

RecipientKind = Literal["person", "unit"]
Why = Literal[
    "target_unit",  # the unit a target is assigned to
    "nominee",  # the person or collective nominated
    "proposer",  # the unit that proposed the nomination
    "nominee_unit",  # the unit a nominated person works in
    "awardee",  # named in a decision
    "awardee_unit",  # the unit an awarded person works in
    "participant",  # a unit taking part in a campaign
    "finding_unit",  # the unit a supervision finding concerns
    "province",  # the province's own unit, which answers for the province
    "supervisor",  # the Fatherland Front body that raised a finding
]


@dataclass(frozen=True)
class Recipient:
    kind: RecipientKind
    id: UUID
    why: Why


def recipients(
    envelope_or_event: Envelope | Event, directory: Directory = NOTHING_KNOWN
) -> list[Recipient]:
    event = envelope_or_event.data if isinstance(envelope_or_event, Envelope) else envelope_or_event
    seen: set[tuple[str, UUID]] = set()
    out: list[Recipient] = []
    for r in _candidates(event, directory):
        if (r.kind, r.id) not in seen:
            seen.add((r.kind, r.id))
            out.append(r)
    return out


def nominee_recipient(nominee: awards.Nominee, why: Why) -> Recipient:
    # A collective nominee is a unit of the registry.
    return Recipient("person" if nominee.kind == "person" else "unit", nominee.id, why)


def _candidates(event: Event, directory: Directory) -> Iterator[Recipient]:
    match event:
        case (
            progress.ReportDueSoon()
            | progress.ReportOverdue()
            | progress.TargetAchieved()
            | progress.TargetAchievementRetracted()
        ):
            yield Recipient("unit", event.unit_id, "target_unit")
        case (
            awards.NominationScreened()
            | awards.NominationApproved()
            | awards.NominationRejected()
            | awards.NominationWithdrawn()
        ):
            facts = directory.nomination(event.nomination_id)
            if facts is not None:
                yield nominee_recipient(facts.nominee, "nominee")
                yield Recipient("unit", facts.proposer_unit_id, "proposer")
        case awards.NominationProposed() | awards.NominationCentrallyDecided():
            facts = directory.nomination(event.nomination_id)
            if facts is not None:
                yield nominee_recipient(facts.nominee, "nominee")
                if facts.nominee.kind == "person":
                    if isinstance(event, awards.NominationProposed):
                        on = event.submitted_on
                    else:
                        on = event.decided_on
                    unit = directory.unit_of_person(facts.nominee.id, on)
                    if unit is not None:
                        yield Recipient("unit", unit, "nominee_unit")
                yield Recipient("unit", facts.proposer_unit_id, "proposer")
        case awards.AwardDecisionIssued():
            for line in event.awards:
                yield nominee_recipient(line.nominee, "awardee")
            for line in event.awards:
                if line.nominee.kind == "person":
                    unit = directory.unit_of_person(line.nominee.id, event.signed_on)
                    if unit is not None:
                        yield Recipient("unit", unit, "awardee_unit")
                facts = directory.nomination(line.nomination_id)
                if facts is not None:
                    yield Recipient("unit", facts.proposer_unit_id, "proposer")
        case registry.CampaignLaunched():
            for unit in event.participating_unit_ids:
                yield Recipient("unit", unit, "participant")
            for target in event.targets:
                yield Recipient("unit", target.unit_id, "target_unit")
        case awards.SupervisionFindingRaised():
            if event.unit_id is not None:
                yield Recipient("unit", event.unit_id, "finding_unit")
            if event.province_unit_id is not None:
                yield Recipient("unit", event.province_unit_id, "province")
        case awards.SupervisionFindingAnswered():
            yield Recipient("unit", event.supervisor_unit_id, "supervisor")
        case _:
            return
