"""The emulation office's nomination pipeline: a campaign's or a year's nominations by stage, and
one nomination with its screening (every rule's verdict, reason and citation), its public notice
and objections, the council's session and vote, and the decision with its money.

Each step is a form (CSRF-checked) that calls awards with the office's own token; awards decides
whether the step is allowed and in order, and its refusal is shown next to the field it names.
Awards owns the procedure: these pages never judge a nomination themselves, they only choose
which forms to offer (`domain/pipeline.next_steps`)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekit.auth import Role
from servicekit.labels import AWARD_NAMES
from services.web.adapters.backend import BackendError
from services.web.domain import formats, pipeline
from services.web.pages.common import NotForThisAccount, Viewer, backend, form, render, viewer
from services.web.pages.officer import NOMINATION_STATUS, VERDICTS

router = APIRouter()

BASE = "/xet-khen-thuong"


async def office_viewer(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """Dependency: the emulation office (the board acts on the procedure)."""
    if not v.principal.has_role(Role.PROVINCE_ADMIN):
        raise NotForThisAccount("Trang này dành cho Ban Thi đua – Khen thưởng tỉnh.")
    return v


Office = Annotated[Viewer, Depends(office_viewer)]
# the words the procedure's pages show for awards' codes (the council's pages too)
LABELS: dict[str, Any] = {
    "awards": AWARD_NAMES,
    "statuses": NOMINATION_STATUS,
    "verdicts": VERDICTS,
    "objection_status": pipeline.OBJECTION_STATUS,
    "session_status": pipeline.SESSION_STATUS,
    "authorities": pipeline.AUTHORITIES,
    "choices": pipeline.CHOICES,
    "rule_name": pipeline.rule_name,
}
Fields = Annotated[dict, Depends(form)]
ONLY_TOGETHER = (
    "Hồ sơ này phải được xét cùng đợt với các hồ sơ chờ thẩm định cùng năm có chung hạn mức: "
    "hãy dùng “Xét duyệt cả đợt” ở trang danh sách."
)


def today() -> Any:
    return datetime.now(formats.VIETNAM).date()


def refused(exc: BackendError, names: dict[str, str] | None = None) -> dict[str, str]:
    """A 409 or 422 of a service as errors by form field: each field the problem names (its
    JSON pointer's last part, renamed by `names`), else the problem's detail for the whole form.
    Any other refusal is not the form's to show: it goes on to the error page."""
    if exc.status not in (409, 422):
        raise exc
    names = names or {}
    errors = {names.get(k, k): d for k, d in exc.field_errors.items()}
    if not errors or exc.status == 409:
        errors["form"] = str(exc.problem.get("detail") or exc.problem.get("title") or "")
    return errors


def text_field(fields: dict, name: str, errors: dict[str, str], missing: str) -> str:
    """A text the step needs: stripped; `missing` is said by the field when it is empty."""
    text = fields.get(name, "").strip()
    if not text:
        errors[name] = missing
    return text


def day_field(fields: dict, name: str, errors: dict[str, str], required: bool = False) -> Any:
    """A dd/mm/yyyy field read back as an ISO date (None when left empty and optional)."""
    text = fields.get(name, "").strip()
    if not text:
        if required:
            errors[name] = "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 20/11/2026."
        return None
    d = formats.parse_day(text)
    if d is None:
        errors[name] = "Nhập ngày theo dạng ngày/tháng/năm, ví dụ 20/11/2026."
        return None
    return d.isoformat()


async def listed_nominations(
    request: Request, v: Viewer, chien_dich: str, nam: str
) -> dict[str, Any]:
    """The campaigns, the filter chosen (a campaign, a year) and the nominations it selects."""
    api = backend(request)
    campaigns = (await api.get("registry", "/campaigns", v.token, limit=100))["items"]
    year = int(nam) if nam.isdigit() and 1945 <= int(nam) <= 2100 else None
    campaign_id = chien_dich if chien_dich in {c["campaign_id"] for c in campaigns} else None
    page = await api.get(
        "awards", "/nominations", v.token, campaign_id=campaign_id, year=year, limit=500
    )
    return {
        "campaigns": campaigns,
        "campaign_id": campaign_id,
        "year": year,
        "items": page["items"],
        "more": bool(page.get("next_cursor")),
    }


def list_page(
    request: Request, v: Viewer, listed: dict, status: int = 200, **context: Any
) -> Response:
    """The list with its forms: the batch's screening, and one notice or one decision for the
    nominations ticked (`pages/pipeline_many.py`)."""
    items = listed.pop("items")
    for key, default in (("errors", {}), ("values", {}), ("failed", None), ("ticked", [])):
        context.setdefault(key, default)
    return render(
        request,
        "pipeline.html",
        status=status,
        viewer=v,
        stages=pipeline.by_stage(items),
        screenable=[n for n in items if n["status"] in pipeline.SCREENABLE],
        for_notice=[n for n in items if n["status"] == "screened" and n["verdict"] == "eligible"],
        approved=[n for n in items if n["status"] == "approved"],
        signer_units=pipeline.nominee_units(n for n in items if n["status"] == "approved"),
        **listed,
        **LABELS,
        **context,
    )


@router.get(BASE, response_class=HTMLResponse, summary="Nominations by stage")
async def pipeline_page(
    request: Request, v: Office, chien_dich: str = "", nam: str = "", xong: str = "", so: int = 0
) -> Response:
    listed = await listed_nominations(request, v, chien_dich, nam)
    return list_page(request, v, listed, done=xong, done_count=so)


@router.post(BASE + "/tham-dinh-ca-dot", summary="Screen the listed nominations together")
async def screen_batch(request: Request, v: Office, fields: Fields) -> Response:
    """The nominations the list selects that await screening, in one call to awards: they share
    the quotas and the titles conferred together, as the law counts them. The answer is shown
    on this page (awards keeps each screening; the nomination's page shows it again)."""
    listed = await listed_nominations(
        request, v, fields.get("chien_dich", ""), fields.get("nam", "")
    )
    errors: dict[str, str] = {}
    chosen = [n for n in listed["items"] if n["status"] in pipeline.SCREENABLE]
    waiting: list[dict] = []
    for year in sorted({n["year"] for n in chosen}):  # those of its years sharing its quotas
        waiting += await _waiting(request, v, year)
    batch = pipeline.batch_of(chosen, waiting)
    ids = [n["nomination_id"] for n in batch]
    if listed["campaign_id"] is None and listed["year"] is None:
        errors["form"] = "Chọn phong trào thi đua hoặc năm thành tích của đợt xét."
    elif not ids:
        errors["form"] = "Không có hồ sơ nào chờ thẩm định trong đợt này."
    body = {
        "nomination_ids": ids,
        "considered_on": day_field(fields, "considered_on", errors),
        "screened_on": day_field(fields, "screened_on", errors),
    }
    body = {k: x for k, x in body.items() if x is not None}
    outcome = None
    if not errors:
        try:
            answer = await backend(request).post("awards", "/screenings", v.token, body)
        except BackendError as exc:
            errors = refused(exc)
        else:
            outcome = pipeline.batch_outcome(answer["results"], batch)
            listed = await listed_nominations(
                request, v, fields.get("chien_dich", ""), fields.get("nam", "")
            )
    status = 422 if errors else 200
    return list_page(
        request,
        v,
        listed,
        status=status,
        errors=errors,
        values=fields,
        outcome=outcome,
        added=len(batch) - len(chosen),
        failed="tham-dinh-ca-dot",
    )


async def sessions_holding(request: Request, v: Viewer, statuses: tuple[str, ...]) -> list[dict]:
    """The sessions the viewer may read whose agenda holds (or held) nominations of these
    statuses, latest first. Awards lists no sessions by themselves: they are found through the
    nominations on their agenda; a session awards refuses this reader (another council's) is
    left out."""
    api = backend(request)
    ids: dict[str, None] = {}
    for status in statuses:
        page = await api.get("awards", "/nominations", v.token, status=status, limit=500)
        ids.update((n["session_id"], None) for n in page["items"] if n.get("session_id"))
    found = []
    for sid in ids:
        try:
            found.append(await api.get("awards", f"/sessions/{sid}", v.token))
        except BackendError as exc:
            if exc.status != 403:
                raise
    return sorted(found, key=lambda s: s["held_on"], reverse=True)


async def _signer_units(request: Request, v: Viewer, n: dict) -> list[dict]:
    """The units whose head or chairman may sign for this nominee: the unit answerable for it
    (a person's unit; a collective itself) and the units above it, nearest first."""
    units: list[dict] = []
    unit_id = n["nominee"].get("unit_id") or (
        n["nominee"]["id"] if n["nominee"]["kind"] == "collective" else None
    )
    while unit_id and len(units) < 10:
        unit = await backend(request).get("registry", f"/units/{unit_id}", v.token)
        units.append(unit)
        unit_id = unit.get("parent_id")
    return units


async def _waiting(request: Request, v: Viewer, year: int) -> list[dict]:
    """The nominations of the year awaiting screening (sent, or screened and not on notice)."""
    waiting: list[dict] = []
    for status in pipeline.SCREENABLE:
        page = await backend(request).get(
            "awards", "/nominations", v.token, year=year, status=status, limit=500
        )
        waiting += page["items"]
    return waiting


async def _batch_mates(request: Request, v: Viewer, n: dict) -> list[dict]:
    """The nominations of its year awaiting screening whose batch would judge this one
    otherwise than alone (`domain/pipeline.screened_with`): then it is screened with them."""
    return pipeline.screened_with(n, await _waiting(request, v, n["year"]))


def _of(items: list[dict], nomination_id: UUID) -> dict | None:
    """The entry of a list (a decision's lines, a session's agenda) for this nomination."""
    return next((x for x in items if x["nomination_id"] == str(nomination_id)), None)


async def nomination_page(
    request: Request, v: Viewer, nomination_id: UUID, status: int = 200, **context: Any
) -> Response:
    api = backend(request)
    n = await api.get("awards", f"/nominations/{nomination_id}", v.token)

    async def read(path: str, key: str) -> dict | None:
        return await api.get("awards", f"{path}/{n[key]}", v.token) if n[key] else None

    notice = await read("/notices", "notice_id")
    session = await read("/sessions", "session_id")
    decision = await read("/decisions", "decision_id")
    steps = pipeline.next_steps(n, notice, today())
    extra: dict[str, Any] = {"batch": []}
    if "agenda" in steps:
        held = await sessions_holding(request, v, ("on_agenda",))
        extra["sessions"] = [s for s in held if s["status"] == "planned"]
    if "decision" in steps:
        extra["units"] = await _signer_units(request, v, n)
    if "screen" in steps:
        extra["batch"] = await _batch_mates(request, v, n)
    context.setdefault("errors", {})
    context.setdefault("values", {})
    context.setdefault("failed", None)
    objections = (notice or {}).get("objections", [])
    return render(
        request,
        "pipeline_nomination.html",
        status=status,
        viewer=v,
        n=n,
        notice=notice,
        objections=[o for o in objections if o["nomination_id"] == n["nomination_id"]],
        session=session,
        decision=decision,
        line=_of((decision or {}).get("lines", []), nomination_id),
        result=_of((session or {}).get("agenda", []), nomination_id),
        steps=steps,
        today=today(),
        **LABELS,
        **extra,
        **context,
    )


@router.get(BASE + "/{nomination_id}", response_class=HTMLResponse, summary="One nomination")
async def nomination(request: Request, nomination_id: UUID, v: Office, xong: str = "") -> Response:
    return await nomination_page(request, v, nomination_id, done=xong)


async def _step(
    request: Request,
    v: Viewer,
    nomination_id: UUID,
    step: str,
    fields: dict,
    errors: dict[str, str],
    call: Any,
    names: dict[str, str] | None = None,
) -> Response:
    """Run one step's call unless the form already failed; then back to the nomination (a GET,
    so a reload does not repeat the step), or the form again with awards' reasons."""
    if not errors:
        try:
            await call()
        except BackendError as exc:
            errors = refused(exc, names)
        else:
            return RedirectResponse(f"{BASE}/{nomination_id}?xong={step}", status_code=303)
    return await nomination_page(
        request, v, nomination_id, status=422, errors=errors, values=fields, failed=step
    )


@router.post(BASE + "/{nomination_id}/tham-dinh", summary="Screen the nomination")
async def screen(request: Request, nomination_id: UUID, v: Office, fields: Fields) -> Response:
    errors: dict[str, str] = {}
    body = {
        "nomination_ids": [str(nomination_id)],
        "considered_on": day_field(fields, "considered_on", errors),
        "screened_on": day_field(fields, "screened_on", errors),
    }
    body = {k: x for k, x in body.items() if x is not None}
    n = await backend(request).get("awards", f"/nominations/{nomination_id}", v.token)
    if await _batch_mates(request, v, n):
        errors["form"] = ONLY_TOGETHER

    async def call() -> None:
        await backend(request).post("awards", "/screenings", v.token, body)

    return await _step(request, v, nomination_id, "tham-dinh", fields, errors, call)


@router.post(BASE + "/{nomination_id}/cong-khai", summary="Post the nomination on public notice")
async def post_notice(request: Request, nomination_id: UUID, v: Office, fields: Fields) -> Response:
    errors: dict[str, str] = {}
    title = text_field(fields, "title", errors, "Nhập tiêu đề của thông báo công khai.")
    body = {
        "title": title,
        "nomination_ids": [str(nomination_id)],
        "start_on": day_field(fields, "start_on", errors),
    }

    async def call() -> None:
        await backend(request).post("awards", "/notices", v.token, body)

    # a refusal about the nomination (not eligible, screened after this start) is the start's
    names = {"0": "start_on", "nomination_ids": "start_on"}
    return await _step(request, v, nomination_id, "cong-khai", fields, errors, call, names)


@router.post(BASE + "/{nomination_id}/y-kien", summary="Record an objection to the nomination")
async def objection(request: Request, nomination_id: UUID, v: Office, fields: Fields) -> Response:
    errors: dict[str, str] = {}
    content = text_field(fields, "content", errors, "Nhập nội dung ý kiến phản ánh.")
    n = await backend(request).get("awards", f"/nominations/{nomination_id}", v.token)

    async def call() -> None:
        body = {"nomination_id": str(nomination_id), "content": content}
        path = f"/notices/{n['notice_id']}/objections"
        await backend(request).post("awards", path, v.token, body)

    return await _step(request, v, nomination_id, "y-kien", fields, errors, call)


@router.post(
    BASE + "/{nomination_id}/y-kien/{objection_id}/ket-luan", summary="Resolve an objection"
)
async def resolve(
    request: Request, nomination_id: UUID, objection_id: UUID, v: Office, fields: Fields
) -> Response:
    errors: dict[str, str] = {}
    outcome = fields.get("outcome", "")
    if outcome not in ("upheld", "dismissed"):
        errors["outcome"] = "Chọn kết luận: có cơ sở hoặc không có cơ sở."
    text = text_field(fields, "resolution", errors, "Nhập nội dung kết luận.")
    body = {"outcome": outcome, "resolution": text}

    async def call() -> None:
        await backend(request).post(
            "awards", f"/objections/{objection_id}/resolution", v.token, body
        )

    return await _step(request, v, nomination_id, "ket-luan", fields, errors, call)


@router.post(BASE + "/{nomination_id}/hoi-dong", summary="Put the nomination on a session's agenda")
async def agenda(request: Request, nomination_id: UUID, v: Office, fields: Fields) -> Response:
    """An existing planned session, or a new one of a council planned here first. A new session
    whose agenda awards then refuses stays planned: the form keeps its id, so sending it again
    does not plan another."""
    api = backend(request)
    errors: dict[str, str] = {}
    session_id = fields.get("session_id", "").strip()
    new = None
    if not session_id:
        council_id = fields.get("council_id", "").strip()
        title = text_field(fields, "session_title", errors, "Nhập tên phiên họp.")
        try:
            UUID(council_id)
        except ValueError:
            errors["council_id"] = "Nhập mã hội đồng (36 ký tự, như hệ thống cấp khi lập hội đồng)."
        held_on = day_field(fields, "held_on", errors, required=True)
        new = (council_id, {"title": title, "held_on": held_on})

    async def call() -> None:
        nonlocal session_id
        if new is not None:
            s = await api.post("awards", f"/councils/{new[0]}/sessions", v.token, new[1])
            session_id = s["session_id"]
            fields["session_id"] = session_id  # shown again if the agenda is refused
        body = {"nomination_ids": [str(nomination_id)]}
        await api.post("awards", f"/sessions/{session_id}/agenda", v.token, body)

    names = {"title": "session_title", "0": "session_id", "nomination_ids": "session_id"}
    return await _step(request, v, nomination_id, "hoi-dong", fields, errors, call, names)


def decision_body(fields: dict, errors: dict[str, str]) -> dict[str, Any]:
    """A decision's number, day and signer as the form gives them (one nomination or several)."""
    return {
        "number": text_field(fields, "number", errors, "Nhập số quyết định, ví dụ 125/QĐ-UBND."),
        "signed_on": day_field(fields, "signed_on", errors, required=True),
        "signer_name": text_field(fields, "signer_name", errors, "Nhập họ và tên người ký."),
        "signer_title": text_field(fields, "signer_title", errors, "Nhập chức vụ người ký."),
        "signer_authority": fields.get("signer_authority", "province_chairman"),
        "signer_unit_id": fields.get("signer_unit_id") or None,
    }


@router.post(BASE + "/{nomination_id}/quyet-dinh", summary="Issue the decision")
async def decide(request: Request, nomination_id: UUID, v: Office, fields: Fields) -> Response:
    errors: dict[str, str] = {}
    body = {**decision_body(fields, errors), "nomination_ids": [str(nomination_id)]}

    async def call() -> None:
        await backend(request).post("awards", "/decisions", v.token, body)

    # a line the signer may not decide names the nominations: it is the signer's choice at fault
    names = {"0": "signer_authority", "nomination_ids": "signer_authority"}
    return await _step(request, v, nomination_id, "quyet-dinh", fields, errors, call, names)
