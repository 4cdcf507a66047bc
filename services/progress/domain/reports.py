"""Checks on a progress report before anything is stored.

`check_report` lists every problem found (each naming its field); an empty list means the report
may be stored. `new_report` checks and builds in one step, raising `Rejected`. "today" is a
parameter, the caller's date in Asia/Ho_Chi_Minh: the domain never reads a clock.
"""

from __future__ import annotations

import math
import unicodedata
from collections.abc import Collection, Sequence
from datetime import date, datetime
from uuid import UUID

from schemas.types import one_line
from servicekit.closures import UnitEnd, closed_unit_problem
from servicekit.messages import Msg
from servicekit.text import MAX_CITED, cited_problem
from services.progress.domain.decimals import MAX_ABS_VALUE, as_decimal
from services.progress.domain.errors import FieldProblem, reject_if
from services.progress.domain.model import Campaign, Report, Target

MAX_NOTE = 4000  # the contract's LongText
MAX_EVIDENCE_REF = MAX_CITED  # the contract's CitedRef
MAX_EVIDENCE = 50


def check_report(
    target: Target | None,
    campaign: Campaign | None,
    reporter_unit: UUID,
    value: object,
    as_of: date,
    today: date,
    *,
    note: str | None = None,
    evidence: Sequence[str] = (),
    unit_end: tuple[UnitEnd, str] | None = None,
    occasion_id: UUID | None = None,
    dedicated_to: Collection[UUID] = (),
) -> list[FieldProblem]:
    """`target` and `campaign` are the read model's records, None when unknown. A target of
    another unit is answered like an unknown one: an officer learns nothing about other units'
    targets by probing ids. `unit_end`: the target's unit's closure and name, if it closed.
    `occasion_id`: the occasion the report is dedicated to, one of the campaign's
    (`dedicated_to`)."""
    problems: list[FieldProblem] = []
    if target is None or target.unit_id != reporter_unit:
        problems.append(FieldProblem("target_id", "unknown_target", "no such target for your unit"))
    elif campaign is None or campaign.id != target.campaign_id:
        problems.append(
            FieldProblem("target_id", "unknown_campaign", "the target's campaign is unknown")
        )
    problems += _check_value(value, target)
    problems += _check_date(as_of, today, campaign if _campaign_ok(target, campaign) else None)
    if campaign is not None and _campaign_ok(target, campaign):
        if campaign.state == "draft":
            problems.append(
                FieldProblem(
                    "target_id", "campaign_not_launched", "the campaign is not launched yet"
                )
            )
        elif campaign.state == "closed":
            problems.append(
                FieldProblem("target_id", "campaign_closed", "the campaign is closed to reports")
            )
    if target is not None and target.unit_id == reporter_unit:
        problems += check_unit_open(as_of, unit_end)
    problems += _check_note(note)
    problems += _check_evidence(evidence)
    if occasion_id is not None and _campaign_ok(target, campaign):
        problems += check_occasion(occasion_id, dedicated_to)
    return problems


def check_occasion(occasion_id: UUID, dedicated_to: Collection[UUID]) -> list[FieldProblem]:
    """A report names an occasion its campaign is dedicated to, or none: an achievement is
    dedicated (chào mừng) to what the campaign that asked for it names."""
    if occasion_id in dedicated_to:
        return []
    return [
        FieldProblem(
            "occasion_id",
            "not_dedicated",
            Msg(
                "the campaign is not dedicated to occasion {occasion_id}; a report names one of"
                " the occasions its campaign is dedicated to",
                occasion_id=occasion_id,
            ),
        )
    ]


def check_unit_open(as_of: date, unit_end: tuple[UnitEnd, str] | None) -> list[FieldProblem]:
    """A unit closed on D (its first day of not existing) reports nothing dated on or after D:
    its successors report from then, so such a report never completes a target nor counts as
    an early finish."""
    if unit_end is None or not isinstance(as_of, date) or not unit_end[0].covers(as_of):
        return []
    end, name = unit_end
    return [FieldProblem("as_of", "unit_closed", closed_unit_problem(end, name, "báo cáo"))]


def check_correction(
    target: Target, supersedes: UUID, original: Report | None, already_superseded: bool
) -> list[FieldProblem]:
    """A correction names the report it supersedes: a report of the same target that no other
    correction has superseded yet (correct the latest correction, so history stays a chain)."""
    if original is None or original.target_id != target.id:
        return [FieldProblem("supersedes", "unknown_report", "no such report on this target")]
    if already_superseded:
        return [
            FieldProblem(
                "supersedes",
                "already_superseded",
                "that report was already corrected; correct the latest correction instead",
            )
        ]
    return []


def new_report(
    *,
    id: UUID,
    target: Target | None,
    campaign: Campaign | None,
    reporter_unit: UUID,
    value: object,
    as_of: date,
    reported_at: datetime,
    today: date,
    note: str | None = None,
    evidence: Sequence[str] = (),
    supersedes: UUID | None = None,
    submitted_on: date | None = None,
    original: Report | None = None,
    already_superseded: bool = False,
    unit_end: tuple[UnitEnd, str] | None = None,
    occasion_id: UUID | None = None,
    dedicated_to: Collection[UUID] = (),
) -> Report:
    """Check, then build the Report to store. Raises `Rejected` listing every problem."""
    problems = check_report(
        target,
        campaign,
        reporter_unit,
        value,
        as_of,
        today,
        note=note,
        evidence=evidence,
        unit_end=unit_end,
        occasion_id=occasion_id,
        dedicated_to=dedicated_to,
    )
    if supersedes is not None and target is not None and target.unit_id == reporter_unit:
        problems += check_correction(target, supersedes, original, already_superseded)
    problems += check_submitted_on(submitted_on, as_of, today)
    reject_if(problems)
    assert target is not None  # for the type checker: check_report refused None
    return Report(
        id=id,
        target_id=target.id,
        unit_id=reporter_unit,
        value=as_decimal(value),
        as_of=as_of,
        reported_at=reported_at,
        note=_clean(note) or None,
        evidence=tuple(_ref(e) for e in evidence),
        supersedes=supersedes,
        submitted_on=submitted_on,
        occasion_id=occasion_id,
    )


def check_submitted_on(submitted_on: date | None, as_of: date, today: date) -> list[FieldProblem]:
    """A past record's submission date: a day, not after today (it was submitted already) and
    not before the day the report describes (a value is reported after it is known)."""
    if submitted_on is None:
        return []
    if isinstance(submitted_on, datetime) or not isinstance(submitted_on, date):
        return [FieldProblem("submitted_on", "wrong_type", "submitted_on must be a date")]
    if submitted_on > today:
        return [FieldProblem("submitted_on", "future_date", "submitted_on is in the future")]
    if isinstance(as_of, date) and submitted_on < as_of:
        return [
            FieldProblem("submitted_on", "before_as_of", "submitted_on is before the day reported")
        ]
    return []


def _campaign_ok(target: Target | None, campaign: Campaign | None) -> bool:
    return target is not None and campaign is not None and campaign.id == target.campaign_id


def _check_value(value: object, target: Target | None) -> list[FieldProblem]:
    if isinstance(value, float) and math.isnan(value):
        return [FieldProblem("value", "not_a_number", "the value must be a number, not NaN")]
    try:
        number = as_decimal(value)
    except TypeError:
        return [FieldProblem("value", "wrong_type", "the value must be a number")]
    except ValueError:
        return [FieldProblem("value", "not_finite", "the value must be a finite number")]
    if abs(number) >= MAX_ABS_VALUE:
        return [FieldProblem("value", "too_large", "the value is implausibly large")]
    if number < 0 and target is not None and not target.allow_negative:
        return [FieldProblem("value", "negative", "this target does not take negative values")]
    return []


def _check_date(as_of: date, today: date, campaign: Campaign | None) -> list[FieldProblem]:
    if isinstance(as_of, datetime) or not isinstance(as_of, date):
        return [FieldProblem("as_of", "wrong_type", "as_of must be a date")]
    if as_of > today:
        return [FieldProblem("as_of", "future_date", "as_of is in the future")]
    if campaign is not None and not (campaign.start <= as_of <= campaign.end):
        return [
            FieldProblem(
                "as_of",
                "outside_campaign",
                Msg(
                    "as_of must fall within the campaign, {start} to {end}",
                    start=campaign.start,
                    end=campaign.end,
                ),
            )
        ]
    return []


def _check_note(note: str | None) -> list[FieldProblem]:
    if note is None:
        return []
    if not isinstance(note, str):
        return [FieldProblem("note", "wrong_type", "the note must be text")]
    if len(_clean(note)) > MAX_NOTE:
        return [
            FieldProblem(
                "note",
                "too_long",
                Msg("the note is longer than {limit} characters", limit=MAX_NOTE),
            )
        ]
    return []


def _check_evidence(evidence: Sequence[str]) -> list[FieldProblem]:
    if isinstance(evidence, str):
        return [FieldProblem("evidence", "wrong_type", "evidence is a list of references")]
    if len(evidence) > MAX_EVIDENCE:
        return [
            FieldProblem(
                "evidence",
                "too_many",
                Msg("at most {limit} references", limit=MAX_EVIDENCE),
            )
        ]
    problems = []
    for i, ref in enumerate(evidence):
        field = f"evidence[{i}]"
        problem = cited_problem(ref)
        if problem is not None:
            long = isinstance(ref, str) and len(ref.strip()) > MAX_EVIDENCE_REF
            problems.append(FieldProblem(field, "too_long" if long else "bad_reference", problem))
    cleaned = [_ref(r) for r in evidence if isinstance(r, str)]
    if not problems and len(set(cleaned)) != len(cleaned):
        problems.append(FieldProblem("evidence", "duplicate", "a reference is listed twice"))
    return problems


def _ref(text: str) -> str:
    """A reference as written, on one line (the contract's CitedRef)."""
    return one_line(text)


def _clean(text: str | None) -> str:
    return unicodedata.normalize("NFC", text).strip() if text else ""
