"""From the service's records to the published event payloads (schemas/awards.py), and publishing
them through the unit of work's outbox, on the catalog's topic or the one `topic_map` puts in its
place (tests route the catalog topics to fresh ones)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping
from datetime import date
from uuid import UUID

from schemas import awards as a
from schemas.base import Event
from schemas.catalog import topic_for
from schemas.envelope import Message, source_for, to_message
from servicekit.unit_of_work import UnitOfWork
from services.awards.domain import ScreeningResult

SOURCE = source_for("awards")


class Bus:
    def __init__(self, topic_map: Mapping[str, str] | None = None) -> None:
        self.topic_map = dict(topic_map or {})

    def topic(self, name: str) -> str:
        return self.topic_map.get(name, name)

    async def publish(self, uow: UnitOfWork, event: Event) -> Message:
        message = to_message(event, source=uow.source or SOURCE)
        topic = self.topic(topic_for(event).name)
        if topic != message.topic:
            message = dataclasses.replace(message, topic=topic)
        return await uow.publish(message)  # adds the current trace context

    async def publish_all(self, uow: UnitOfWork, events: Iterable[Event]) -> None:
        for event in events:
            await self.publish(uow, event)


def screened(nomination_id: UUID, result: ScreeningResult) -> a.NominationScreened:
    return a.NominationScreened(
        nomination_id=nomination_id,
        verdict=result.verdict,
        regime=str(result.regime),
        considered_on=result.considered_on,
        rule_results=[
            a.RuleResult(
                rule_id=r.rule_id,
                passed=r.passed,
                citation=r.citation,
                facts={k[:64]: v for k, v in r.facts.items()},
                reason=r.reason or None,
            )
            for r in result.results
        ],
    )


def tally(
    council_id: UUID,
    members_total: int,
    yes: int,
    no: int,
    abstain: int,
    threshold: float,
) -> a.VoteTally:
    return a.VoteTally(
        council_id=council_id,
        members_total=members_total,
        votes_for=yes,
        votes_against=no,
        abstained=abstain,
        threshold=threshold,
        secret_ballot=True,
    )


def approved(nomination_id: UUID, on: date, vote: a.VoteTally) -> a.NominationApproved:
    return a.NominationApproved(nomination_id=nomination_id, decided_on=on, vote=vote)


def rejected(
    nomination_id: UUID, on: date, reason: str, vote: a.VoteTally | None = None
) -> a.NominationRejected:
    return a.NominationRejected(
        nomination_id=nomination_id, decided_on=on, vote=vote, reason=reason
    )


def withdrawn(
    nomination_id: UUID, on: date, reason: str, by_province: bool
) -> a.NominationWithdrawn:
    return a.NominationWithdrawn(
        nomination_id=nomination_id, withdrawn_on=on, reason=reason, by_province=by_province
    )
