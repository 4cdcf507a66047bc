"""From the service's records to the published event payloads (schemas/awards.py). Publishing is
the unit of work's (`uow.publish`), in the transaction that changes the state."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from schemas import awards as a
from services.awards.domain import ScreeningResult


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
