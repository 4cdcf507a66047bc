"""From the service's records to the published event payloads (schemas/awards.py). Publishing is
the unit of work's (`uow.publish`), in the transaction that changes the state."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

from schemas import awards as a
from schemas.types import cited_refs
from services.awards.domain import ScreeningResult


def document(kind: str, ref: str) -> a.Document:
    """A dossier document as the event carries it: its v1 `ref` (spaces as %20) and, when the
    person wrote it with spaces, `ref_as_written`."""
    (v1,), written = cited_refs([ref])
    return a.Document(type=kind, ref=v1, ref_as_written=written[0] if written else None)


def cited_documents(refs: Sequence[str]) -> dict[str, list[str] | None]:
    """A finding's `documents` and `documents_as_written` (schemas.types.cited_refs)."""
    v1, written = cited_refs(list(refs))
    return {"documents": v1, "documents_as_written": written}


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
