"""Request and response bodies of the awards API. Input is strict about shape (unknown fields
are refused) and uses the event contracts' field types (`schemas.types`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, BeforeValidator, Field, model_validator

from schemas.types import (
    AwardCode,
    CitedRef,
    DecidingAuthority,
    DocumentType,
    LongText,
    Regime,
    SubjectKind,
    Text,
    Verdict,
    Year,
)
from servicekit.text import In, cited_problem

# ---- nominations ------------------------------------------------------------------------------


class NomineeIn(In):
    kind: SubjectKind
    """person, or collective (a unit)."""
    id: UUID
    """The person id or the unit id."""


class PeriodIn(In):
    start: date
    end: date

    @model_validator(mode="after")
    def _ordered(self) -> PeriodIn:
        if self.end < self.start:
            raise ValueError("end is before start")
        return self


def _cited(value: Any) -> Any:
    problem = cited_problem(value) if isinstance(value, str) else None
    if problem is not None:
        raise ValueError(problem)
    return value


Cited = Annotated[CitedRef, BeforeValidator(_cited)]
"""A document's reference as people write it ("Tờ trình số 15/TTr-SKHCN", "QĐ 15/QĐ-SKHCN"),
a URI or a storage key; its problems said in the reader's language."""


class DocumentIn(In):
    type: DocumentType
    """submission (tờ trình), achievement_report (báo cáo thành tích), review_minutes (biên bản
    bình xét), initiative_certificate (giấy chứng nhận sáng kiến), other."""
    ref: Cited
    """The document's number as written ("Tờ trình số 15/TTr-SKHCN"), or where it is kept (a
    URI or storage key), never the document itself."""


class NominationIn(In):
    nominee: NomineeIn
    award_code: AwardCode
    year: Year | None = None
    """The achievement year; for a multi-year award, its last year."""
    period: PeriodIn | None = None
    """The achievement period, for awards of a period (the year is then the year it ends)."""
    proposer_unit_id: UUID
    campaign_id: UUID | None = None
    """The campaign the achievement belongs to; its regime overrides the date's."""
    documents: list[DocumentIn] = Field(default_factory=list, max_length=100)
    initiative_ids: list[UUID] = Field(default_factory=list, max_length=50)
    """The initiatives (sáng kiến) the nomination relies on; each supports one award only."""
    occasion_id: UUID | None = None
    """The occasion the achievement is dedicated to (lập thành tích chào mừng), one the
    registry defined."""

    @model_validator(mode="after")
    def _year_or_period(self) -> NominationIn:
        if self.year is None and self.period is None:
            raise ValueError("a nomination needs a year or a period")
        return self


class DocumentsIn(In):
    documents: list[DocumentIn] = Field(min_length=1, max_length=100)


class WithdrawalIn(In):
    reason: LongText
    """Why the nomination is withdrawn (lý do rút hồ sơ)."""


class RuleResultOut(BaseModel):
    rule_id: str
    passed: bool
    citation: str
    facts: dict[str, Any]
    reason: str
    effect: str | None = None
    """What the failure does to the verdict (none when passed)."""


class ScreeningOut(BaseModel):
    screening_id: UUID
    screened_on: date
    considered_on: date
    """The consideration date (ngày xét) every rule read statuses, titles and periods as of."""
    regime: Regime
    verdict: Verdict
    failing: list[str]
    initiative_ids: list[UUID]
    rule_results: list[RuleResultOut]
    batch_size: int = 1
    """How many nominations were screened together with this one, itself included: a batch
    shares quotas and the titles it confers (`POST /screenings`)."""


class NomineeOut(BaseModel):
    kind: SubjectKind
    id: UUID
    name: str | None = None
    unit_id: UUID | None = None
    unit_name: str | None = None


class NominationOut(BaseModel):
    nomination_id: UUID
    nominee: NomineeOut
    award_code: AwardCode
    year: int
    period: PeriodIn | None = None
    proposer_unit_id: UUID
    campaign_id: UUID | None = None
    status: str
    verdict: Verdict | None = None
    regime: Regime | None = None
    regime_override: Regime | None = None
    notice_id: UUID | None = None
    session_id: UUID | None = None
    decision_id: UUID | None = None
    proposal_id: UUID | None = None
    submitted_on: date
    occasion_id: UUID | None = None


class LogEntryOut(BaseModel):
    at: datetime
    actor: str
    action: str
    status: str
    detail: str | None = None


class NominationDetail(NominationOut):
    documents: list[DocumentIn]
    initiative_ids: list[UUID]
    screening: ScreeningOut | None = None
    history: list[LogEntryOut]


class NominationPage(BaseModel):
    items: list[NominationOut]
    next_cursor: str | None = None


# ---- screening --------------------------------------------------------------------------------


class ScreeningIn(In):
    nomination_ids: list[UUID] | None = Field(default=None, min_length=1, max_length=5000)
    """Screen these together; or give `year`."""
    year: Year | None = None
    screened_on: date | None = None
    """The screening's date when it is entered after the fact (default today); a notice
    cannot start before it."""
    """Screen every nomination of the year that awaits screening (or was screened and is not
    yet on notice), together."""
    considered_on: date | None = None
    """The consideration date (ngày xét): the day the proposals are considered, e.g. the council
    session's for a procedure entered after the fact. Not in the future, not before the
    achievement period ends. A nomination on a session's agenda is considered on the session's
    date; otherwise, without this field, today."""

    @model_validator(mode="after")
    def _one(self) -> ScreeningIn:
        if (self.nomination_ids is None) == (self.year is None):
            raise ValueError("give either nomination_ids or year")
        return self


class ScreenedOut(BaseModel):
    nomination_id: UUID
    verdict: Verdict
    regime: Regime
    considered_on: date
    failing: list[str]
    rule_results: list[RuleResultOut]


class ScreeningBatchOut(BaseModel):
    screened: int
    verdicts: dict[str, int]
    results: list[ScreenedOut]


class AnnualIn(In):
    year: Year
    scope_unit_id: UUID | None = None
    """A unit and every unit below it; none: the whole province (administrators only)."""
    as_of: date | None = None
    """The consideration date (ngày xét): pending statuses are checked on it (R14) and titles
    on record count if decided by it. Not in the future, not before the year ends; default
    today."""
    campaign_id: UUID | None = None
    """A campaign whose regime overrides the year's."""


class AnnualRunOut(BaseModel):
    run_id: UUID
    year: int
    scope_unit_id: UUID | None
    regime: Regime
    as_of: date
    people: int
    collectives: int
    screened: int
    candidates: dict[str, int]
    over_quota: dict[str, int] = Field(default_factory=dict)
    timings: dict[str, int]


class CandidateOut(BaseModel):
    award_code: AwardCode
    position: int
    subject_kind: SubjectKind
    subject_id: UUID
    name: str | None = None
    unit_id: UUID | None = None
    over_quota: bool
    quota_rank: int | None = None
    verdict: Verdict
    initiative_ids: list[UUID]
    rule_results: list[dict[str, Any]] | None = None


class CandidatePage(BaseModel):
    items: list[CandidateOut]
    next_cursor: str | None = None


# ---- notice -----------------------------------------------------------------------------------


class NoticeIn(In):
    title: Text
    nomination_ids: list[UUID] = Field(min_length=1, max_length=5000)
    start_on: date | None = None
    """Default today."""


class ObjectionIn(In):
    nomination_id: UUID
    content: LongText
    """What is objected (ý kiến phản ánh). Do not put the objector's identity here."""


class ResolutionIn(In):
    outcome: Literal["upheld", "dismissed"]
    resolution: LongText


class ObjectionOut(BaseModel):
    objection_id: UUID
    nomination_id: UUID
    received_on: date
    content: str
    status: str
    resolution: str | None = None
    resolved_on: date | None = None
    finding_id: UUID | None = None
    """Raised by the Fatherland Front as a supervision finding (GET /findings/{id})."""


class NoticeOut(BaseModel):
    notice_id: UUID
    title: str
    start_on: date
    end_on: date
    """The last day of the notice; the council may take it up from the next working day."""
    working_days: int
    running: bool
    nomination_ids: list[UUID]
    objections: list[ObjectionOut]


# ---- council ----------------------------------------------------------------------------------


class MemberIn(In):
    subject: Text
    """The subject (`sub`) of the member's token."""
    full_name: Text
    title: Text
    """E.g. "Phó Chủ tịch UBND tỉnh"."""
    role: Literal["chair", "vice_chair", "secretary", "member"] = "member"


class CouncilIn(In):
    name: Text
    term_start: date
    term_end: date
    members: list[MemberIn] = Field(default_factory=list, max_length=200)


class MembersIn(In):
    members: list[MemberIn] = Field(min_length=1, max_length=200)


class MemberOut(BaseModel):
    member_id: UUID
    subject: str
    full_name: str
    title: str
    role: str


class CouncilOut(BaseModel):
    council_id: UUID
    name: str
    term_start: date
    term_end: date
    members: list[MemberOut]


class SessionIn(In):
    title: Text
    held_on: date
    ends_on: date | None = None
    """The last day of a session held over several days (default: one day)."""


class AgendaIn(In):
    nomination_ids: list[UUID] = Field(min_length=1, max_length=1000)


class Choice(In):
    nomination_id: UUID
    choice: Literal["yes", "no", "abstain"]


class BallotIn(In):
    choices: list[Choice] = Field(min_length=1, max_length=1000)
    cast_on: date | None = None
    """The day the ballot was cast, a day of the session (default today); checked, not kept."""


class AttendanceIn(In):
    absent: list[UUID] = Field(max_length=1000)
    """The council's members absent from the session; the others are present."""


class VoteDayIn(In):
    on: date | None = None
    """The day the vote was opened or closed, a day of the session (default today)."""


class AgendaItemOut(BaseModel):
    nomination_id: UUID
    position: int
    award_code: str
    nominee: NomineeOut
    threshold: float
    objections: list[ObjectionOut] = Field(default_factory=list)
    """Objections received during its public notice, with the board's resolution."""
    # only once the vote is closed
    approved: bool | None = None
    votes_for: int | None = None
    votes_against: int | None = None
    abstained: int | None = None
    required: int | None = None


class VoterOut(BaseModel):
    member_id: UUID
    mode: Literal["in_person", "written"]


class SessionOut(BaseModel):
    session_id: UUID
    council_id: UUID
    title: str
    held_on: date
    ends_on: date | None = None
    opened_on: date | None = None
    closed_on: date | None = None
    """The day of the session the vote closed: the date of the council's approval."""
    status: Literal["planned", "voting", "closed"]
    members_total: int | None = None
    voted: int
    """How many members have voted (for the quorum); who, in `voters`. Never what."""
    voters: list[VoterOut]
    absent: list[UUID] = []
    """Members marked absent by the secretary: they vote in writing."""
    agenda: list[AgendaItemOut]


# ---- decisions --------------------------------------------------------------------------------


class DecisionIn(In):
    number: Text
    """E.g. "1234/QĐ-UBND"."""
    signed_on: date
    signer_name: Text
    signer_title: Text
    signer_authority: DecidingAuthority = "province_chairman"
    """Who the signer decides as; every line must be theirs to decide (by award, regime, date
    and the nominee's unit)."""
    signer_unit_id: UUID | None = None
    """The unit the signer heads: required for a unit's head or a locality's chairman, who
    decide only for their own unit and those below it."""
    nomination_ids: list[UUID] = Field(min_length=1, max_length=5000)


class DecisionLineOut(BaseModel):
    position: int
    nomination_id: UUID
    nominee: NomineeOut
    award_code: AwardCode
    award_name: str
    year: int
    period: PeriodIn | None = None
    multiplier: float
    amount_vnd: int
    revoked_on: date | None = None


class DecisionOut(BaseModel):
    decision_id: UUID
    number: str
    signed_on: date
    signer_name: str
    signer_title: str
    signer_authority: DecidingAuthority
    signer_unit_id: UUID | None = None
    base_salary_vnd: int
    total_vnd: int
    lines: list[DecisionLineOut]


class ProposalIn(In):
    number: Text
    """The submission's number, e.g. "45/TTr-UBND"."""
    submitted_on: date
    signer_name: Text
    signer_title: Text
    nomination_ids: list[UUID] = Field(min_length=1, max_length=5000)


class ProposalLineOut(BaseModel):
    position: int
    nomination_id: UUID
    nominee: NomineeOut
    award_code: AwardCode
    award_name: str
    to_authority: DecidingAuthority
    conferred: bool | None = None
    """None until the central level's answer is recorded."""
    decision_number: str | None = None
    decided_on: date | None = None


class ProposalOut(BaseModel):
    proposal_id: UUID
    number: str
    submitted_on: date
    signer_name: str
    signer_title: str
    lines: list[ProposalLineOut]


class OutcomeIn(In):
    nomination_id: UUID
    conferred: bool
    decided_on: date
    """The central decision's date (or the day the refusal was learnt)."""
    decision_number: Text | None = None
    """The central decision's number, e.g. "123/QĐ-TTg"; required when conferred."""


class RevocationIn(In):
    reason: LongText
    revoked_on: date | None = None
    revocation_number: Text | None = None
    nomination_ids: list[UUID] | None = Field(default=None, min_length=1)
    """Default: every award of the decision not yet revoked."""


class RevocationOut(BaseModel):
    revocation_id: UUID
    decision_id: UUID
    nomination_ids: list[UUID]
    revoked_on: date
    amount_to_recover_vnd: int


# ---- award history ----------------------------------------------------------------------------


class AwardRecordOut(BaseModel):
    award_id: UUID
    subject_kind: SubjectKind
    subject_id: UUID
    award_code: str
    period_start: date
    period_end: date
    decided_on: date | None = None
    decision_number: str | None = None
    source: Literal["decision", "import", "central"]
    """central: conferred by the central level on the province's proposal."""
    revoked_on: date | None = None


class Created(BaseModel):
    id: UUID


# ---- supervision findings -------------------------------------------------------------------


class FindingIn(In):
    subject_kind: Literal["campaign", "unit", "nomination", "decision"]
    subject_id: UUID
    content: LongText
    """What the Front found and recommends (kiến nghị)."""
    documents: list[Cited] = Field(default_factory=list, max_length=50)
    """References of its documents as written ("Công văn số 05/MTTQ-BTT"), or storage keys."""


class FindingAnswerIn(In):
    answer: LongText
    documents: list[Cited] = Field(default_factory=list, max_length=50)


class FindingOut(BaseModel):
    finding_id: UUID
    subject_kind: str
    subject_id: UUID
    unit_id: UUID | None
    """The unit concerned, which may answer; none: the province answers."""
    supervisor_unit_id: UUID
    raised_on: date
    content: str
    documents: list[str]
    objection_id: UUID | None
    """Raised during the nomination's public notice: the objection it became."""
    status: Literal["open", "answered"]
    answer: str | None = None
    answer_documents: list[str] = Field(default_factory=list)
    answered_by_province: bool | None = None
    answered_on: date | None = None


class FindingPage(BaseModel):
    items: list[FindingOut]
    """Newest first, at most `limit`."""
