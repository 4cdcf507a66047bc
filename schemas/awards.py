"""Events published by awards: nominations, their screening and votes, decisions."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Literal
from uuid import UUID

from pydantic import Field, StringConstraints, model_validator

from schemas.base import Event
from schemas.types import (
    AwardCode,
    CitedRef,
    Code,
    DatePeriod,
    DecidingAuthority,
    DocumentRef,
    DocumentType,
    LongText,
    MoneyVnd,
    Part,
    Regime,
    SubjectKind,
    Text,
    Verdict,
    Year,
    check_cited,
)

FactName = Annotated[str, StringConstraints(min_length=1, max_length=64)]


class Nominee(Part):
    """Who is nominated: a person (by person id) or a collective (by unit id)."""

    kind: SubjectKind
    id: UUID


class Document(Part):
    type: DocumentType
    ref: DocumentRef
    """Spaces as %20 when the reference was written with them (`ref_as_written`)."""
    ref_as_written: CitedRef | None = None
    """The reference as the person wrote it ("Tờ trình số 15/TTr-SKHCN"), when it holds a space;
    what a reader shows. Missing: as in `ref`."""

    @model_validator(mode="after")
    def _cited(self) -> Document:
        check_cited([self.ref], None if self.ref_as_written is None else [self.ref_as_written])
        return self


class RuleResult(Part):
    """One eligibility rule as evaluated, pass or fail, with what it looked at."""

    rule_id: Code
    """E.g. "R02" or "R02-2013"."""
    passed: bool
    citation: Text
    """Document, article and clause, e.g. "Luật 06/2022/QH15, Điều 23"."""
    facts: dict[FactName, str | int | float | bool | None] = Field(default_factory=dict)
    """The facts the rule was evaluated on, e.g. {"rating_2024": "HTXSNV"}."""
    reason: Text | None = None
    """Why it passed or failed, in Vietnamese, for the council secretary."""


class VoteTally(Part):
    """The council's vote on a nomination."""

    council_id: UUID
    members_total: int = Field(ge=1)
    votes_for: int = Field(ge=0)
    votes_against: int = Field(ge=0)
    abstained: int = Field(ge=0)
    threshold: float = Field(gt=0, le=1)
    """Share of all members whose votes in favour are needed, e.g. 0.9."""
    secret_ballot: bool

    @model_validator(mode="after")
    def _check(self) -> VoteTally:
        if self.votes_for + self.votes_against + self.abstained > self.members_total:
            raise ValueError("more votes than council members")
        return self


# Nominations (awards.nominations.v1, key nomination_id)


class NominationSubmitted(Event, owner="awards", key="nomination_id"):
    """A unit proposed a person or a collective for an award, with the dossier."""

    nomination_id: UUID
    nominee: Nominee
    award_code: AwardCode
    year: Year | None = None
    """For yearly emulation titles."""
    period: DatePeriod | None = None
    """For awards of an achievement period (e.g. two consecutive years)."""
    proposer_unit_id: UUID
    campaign_id: UUID | None = None
    documents: list[Document] = Field(default_factory=list)
    initiative_ids: list[UUID] = Field(default_factory=list)
    """The initiatives the nomination relies on; each may support one award only."""
    occasion_id: UUID | None = None
    """The occasion (registry OccasionDefined) the achievement is dedicated to."""

    @model_validator(mode="after")
    def _check(self) -> NominationSubmitted:
        if self.year is None and self.period is None:
            raise ValueError("a nomination needs a year or a period")
        return self


class NominationScreened(Event, owner="awards", key="nomination_id"):
    """The emulation board checked a nomination against every applicable rule."""

    nomination_id: UUID
    verdict: Verdict
    regime: Regime
    rule_results: list[RuleResult] = Field(min_length=1)
    considered_on: date | None = None
    """The consideration date (ngày xét) every rule read statuses, titles and periods as of.
    None in events from before this field."""


class NominationApproved(Event, owner="awards", key="nomination_id"):
    """The council approved a nomination; it goes into a decision."""

    nomination_id: UUID
    decided_on: date
    vote: VoteTally
    """How the council voted; the threshold is the regime's, applied by awards."""


class NominationRejected(Event, owner="awards", key="nomination_id"):
    """A nomination was turned down, by the council's vote or without one (e.g. by the board)."""

    nomination_id: UUID
    decided_on: date
    vote: VoteTally | None = None
    reason: LongText


class NominationWithdrawn(Event, owner="awards", key="nomination_id"):
    """The proposing unit or the province withdrew a nomination before the council's vote. It
    leaves the public notice and the agenda; the initiatives it claimed are free again."""

    nomination_id: UUID
    withdrawn_on: date
    reason: LongText
    by_province: bool = False
    """True when the province withdrew it, false when its proposing unit did."""


class NominationProposed(Event, owner="awards", key="nomination_id"):
    """The province submitted a nomination its council approved to the central level (tờ trình
    đề nghị): the award is decided there (Thủ tướng Chính phủ, Chủ tịch nước), not by the
    province, and is not conferred yet."""

    nomination_id: UUID
    proposal_id: UUID
    number: Text
    """The submission's number, e.g. "45/TTr-UBND"."""
    submitted_on: date
    to_authority: DecidingAuthority
    """Who decides it: "prime_minister" or "president"."""
    signer_name: Text
    signer_title: Text


class NominationCentrallyDecided(Event, owner="awards", key="nomination_id"):
    """The central level's answer to a proposal, as the province recorded it: conferred by its
    decision (number and date), or not."""

    nomination_id: UUID
    proposal_id: UUID
    conferred: bool
    decision_number: Text | None = None
    decided_on: date
    """The central decision's date, or the day the province learnt of the refusal."""


# Decisions (awards.decisions.v1, key decision_id)


class AwardLine(Part):
    nomination_id: UUID
    nominee: Nominee
    award_code: AwardCode
    amount_vnd: MoneyVnd
    """Award money in đồng, from the base salary at the decision date."""


class AwardDecisionIssued(Event, owner="awards", key="decision_id"):
    """A competent person signed a decision (quyết định) conferring awards."""

    decision_id: UUID
    number: Text
    """E.g. "1234/QĐ-UBND"."""
    signed_on: date
    signer_name: Text
    signer_title: Text
    """E.g. "Chủ tịch UBND tỉnh"."""
    signer_authority: DecidingAuthority | None = None
    """The authority the signer decided as (checked line by line against who is competent)."""
    base_salary_vnd: MoneyVnd | None = None
    """The base salary (lương cơ sở) the amounts were computed from."""
    awards: list[AwardLine] = Field(min_length=1)

    @model_validator(mode="after")
    def _check(self) -> AwardDecisionIssued:
        ids = [a.nomination_id for a in self.awards]
        if len(set(ids)) != len(ids):
            raise ValueError("a nomination appears twice in the decision")
        return self


class AwardRevoked(Event, owner="awards", key="decision_id"):
    """Awards of a decision were revoked (e.g. obtained by fraud); money is to be recovered."""

    decision_id: UUID
    nomination_ids: list[UUID] = Field(min_length=1)
    """The awards of the decision that are revoked."""
    revoked_on: date
    revocation_number: Text | None = None
    """The number of the revoking decision."""
    reason: LongText
    amount_to_recover_vnd: MoneyVnd = 0


# ---- supervision by the Fatherland Front -------------------------------------------------------

FindingSubject = Literal["campaign", "unit", "nomination", "decision"]


class SupervisionFindingRaised(Event, owner="awards", key="finding_id"):
    """The Fatherland Front (Ủy ban MTTQ tỉnh or a member organisation) raised a supervision
    finding (kiến nghị giám sát) on the emulation and commendation work: against a campaign, a
    unit, a nomination or a decision. The unit concerned and the province answer it."""

    finding_id: UUID
    subject_kind: FindingSubject
    subject_id: UUID
    raised_on: date
    supervisor_unit_id: UUID
    """The Front body that raised it (a unit of the registry)."""
    unit_id: UUID | None = None
    """The unit concerned, which may answer it (a campaign's or a decision's: none, the
    province answers)."""
    province_unit_id: UUID | None = None
    """The province's own unit (Ủy ban nhân dân tỉnh) as the read model knows it, told too."""
    content: LongText
    documents: list[DocumentRef] = Field(default_factory=list, max_length=50)
    """References of the Front's documents (its letter, minutes of the supervision); spaces as
    %20 when written with them (`documents_as_written`)."""
    documents_as_written: list[CitedRef] | None = Field(None, max_length=50)
    """The references as the person wrote them, in `documents`' order, when one holds a space;
    what a reader shows. Missing: as in `documents`."""
    objection_id: UUID | None = None
    """Raised against a nomination on public notice: the objection it became, which the board
    resolves before the council takes the nomination up."""

    @model_validator(mode="after")
    def _cited(self) -> SupervisionFindingRaised:
        check_cited(self.documents, self.documents_as_written)
        return self


class SupervisionFindingAnswered(Event, owner="awards", key="finding_id"):
    """The unit concerned or the province answered a supervision finding."""

    finding_id: UUID
    subject_kind: FindingSubject
    subject_id: UUID
    answered_on: date
    supervisor_unit_id: UUID
    """The Front body that raised it, told of the answer."""
    unit_id: UUID | None = None
    by_province: bool
    """True when the province answered, false when the unit concerned did."""
    answer: LongText
    documents: list[DocumentRef] = Field(default_factory=list, max_length=50)
    documents_as_written: list[CitedRef] | None = Field(None, max_length=50)
    """As on SupervisionFindingRaised."""

    @model_validator(mode="after")
    def _cited(self) -> SupervisionFindingAnswered:
        check_cited(self.documents, self.documents_as_written)
        return self


EVENTS: tuple[type[Event], ...] = (
    NominationSubmitted,
    NominationScreened,
    NominationApproved,
    NominationRejected,
    NominationWithdrawn,
    NominationProposed,
    NominationCentrallyDecided,
    AwardDecisionIssued,
    AwardRevoked,
    SupervisionFindingRaised,
    SupervisionFindingAnswered,
)
