"""Progress reports: one, or a batch from an integration client, and a target's history."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Request, Response
from pydantic import ValidationError

from servicekit.audit import audit_object
from servicekit.auth import Principal
from servicekit.errors import NotFound
from servicekit.messages import Msg
from servicekit.problems import field_errors as validation_errors
from services.progress import commands, store
from services.progress.api.common import (
    PROBLEMS,
    ReadCon,
    Reader,
    Reporter,
    Rt,
    Work,
    acting_unit,
    field_errors,
    is_officer_only,
    may_backdate,
    officer_unit,
    report_scope,
)
from services.progress.api.models import (
    BatchIn,
    BatchOut,
    HistoryItem,
    HistoryOut,
    ItemResult,
    ReportAccepted,
    ReportIn,
    SetAsideItem,
    progress_out,
    report_out,
    target_out,
)
from services.progress.domain import FieldProblem, Rejected

router = APIRouter(tags=["reports"], responses=PROBLEMS)


def _input(body: ReportIn, p: Principal) -> commands.reports.ReportInput | list[FieldProblem]:
    if body.submitted_on is not None and not may_backdate(p):
        return [commands.reports.BACKDATE_REFUSED]
    return commands.reports.ReportInput(
        target_id=body.target_id,
        value=body.value,
        as_of=body.as_of,
        note=body.note,
        evidence=body.evidence,
        supersedes=body.supersedes,
        submitted_on=body.submitted_on,
        occasion_id=body.occasion_id,
    )


@router.post(
    "/reports",
    status_code=201,
    response_model=ReportAccepted,
    summary="Report a target's value as of a day",
    description="A unit officer reports for their own unit's targets; an integration client or a "
    "province administrator for any. A correction names the report it `supersedes`. Publishes "
    "TargetReported, and TargetAchieved when the report first meets the target; a correction of "
    "the achieving report re-judges it (TargetAchieved anew, or TargetAchievementRetracted when "
    "no standing report meets the target). A province administrator or an integration client "
    "entering a past record gives its `submitted_on`. Refused "
    "reports (422 naming each field) store nothing and publish nothing. Send an "
    "`Idempotency-Key` to retry safely.",
)
async def post_report(
    body: ReportIn,
    uow: Work,
    p: Reporter,
    rt: Rt,
    request: Request,
    response: Response,
) -> ReportAccepted:
    (outcome,) = await commands.reports.submit(
        uow,
        rt.clock,
        [_input(body, p)],
        acting_unit=acting_unit(p),
        may_report_for=report_scope(p),
    )
    if not outcome.accepted:
        raise Rejected(outcome.problems)
    assert outcome.report is not None and outcome.state is not None
    audit_object(request, f"report:{outcome.report.id}")
    response.headers["Location"] = f"/targets/{outcome.report.target_id}/reports"
    return ReportAccepted(
        report=report_out(outcome.report, outcome.state.target.campaign_id),
        progress=progress_out(outcome.state),
        achieved_now=outcome.achieved is not None,
        retracted_now=outcome.retracted is not None,
    )


@router.post(
    "/reports/batch",
    response_model=BatchOut,
    summary="Report many values at once (e.g. from the province's statistics system)",
    description="Each item is checked on its own and answered in `results` (same index): the "
    "accepted ones are stored and published in one transaction, the refused ones name each "
    "field at fault (`#/reports/<index>/<field>`) and store nothing.",
)
async def post_batch(body: BatchIn, uow: Work, p: Reporter, rt: Rt) -> BatchOut:
    limit = rt.config.max_batch_reports
    if len(body.reports) > limit:
        raise Rejected(
            [
                FieldProblem(
                    "reports", "too_many", Msg("at most {limit} reports a batch", limit=limit)
                )
            ]
        )
    items: list[commands.reports.ReportInput | list[FieldProblem]] = []
    parse_errors: dict[int, list[dict[str, Any]]] = {}
    for i, raw in enumerate(body.reports):
        if not isinstance(raw, dict):
            parse_errors[i] = field_errors(
                [FieldProblem("", "not_an_object", "a report is a JSON object")], f"#/reports/{i}"
            )
            items.append([])
            continue
        try:
            items.append(_input(ReportIn.model_validate(raw), p))
        except ValidationError as e:
            errors = validation_errors([dict(err) for err in e.errors(include_url=False)])
            for err in errors:
                err["pointer"] = f"#/reports/{i}" + err["pointer"].removeprefix("#")
            parse_errors[i] = errors
            items.append([])
    outcomes = await commands.reports.submit(
        uow, rt.clock, items, acting_unit=acting_unit(p), may_report_for=report_scope(p)
    )
    results = []
    for i, o in enumerate(outcomes):
        if o.accepted:
            assert o.report is not None and o.state is not None
            results.append(
                ItemResult(
                    index=i,
                    status="accepted",
                    report=report_out(o.report, o.state.target.campaign_id),
                    achieved_now=o.achieved is not None,
                )
            )
        else:
            errors = parse_errors.get(i) or field_errors(o.problems, f"#/reports/{i}")
            results.append(ItemResult(index=i, status="rejected", errors=errors))
    accepted = sum(r.status == "accepted" for r in results)
    return BatchOut(accepted=accepted, rejected=len(results) - accepted, results=results)


@router.get(
    "/targets/{target_id}/reports",
    response_model=HistoryOut,
    summary="A target's reports (corrections included) and its progress",
)
async def target_history(
    target_id: UUID,
    con: ReadCon,
    p: Reader,
    occasion_id: Annotated[
        UUID | None,
        Query(description="Only the reports dedicated to this occasion (`reports`)"),
    ] = None,
) -> HistoryOut:
    found = await store.targets.load_targets(con, target_id=target_id)
    # another unit's target is answered like an unknown one: nothing learnt by probing ids
    if not found or (is_officer_only(p) and found[0].target.unit_id != officer_unit(p)):
        raise NotFound(Msg("no target {target_id}", target_id=target_id))
    x = found[0]
    reports = await store.occasions.with_occasions(con, await store.reports.history(con, target_id))
    superseded_by = {r.supersedes: r.id for r in reports if r.supersedes is not None}
    current = x.state.current.id if x.state.current else None
    return HistoryOut(
        target=target_out(x.target),
        progress=progress_out(x.state),
        reports=[
            HistoryItem(
                **report_out(r, x.target.campaign_id).model_dump(),
                current=r.id == current,
                superseded_by=superseded_by.get(r.id),
            )
            for r in reports
            if occasion_id is None or r.occasion_id == occasion_id
        ],
        set_aside=[
            SetAsideItem(
                **report_out(r, x.target.campaign_id).model_dump(), reason=why, detail=detail
            )
            for r, why, detail in await store.reports.set_aside_history(con, target_id)
        ],
    )
