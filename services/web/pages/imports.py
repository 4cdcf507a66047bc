"""Imports from a file (.xlsx, .csv), as `./thidua import` does them (infra/import_cli.py): units,
people, bloc memberships and targets to the registry's `POST /imports/{kind}`, reports to
progress's `POST /imports/reports`, with the person's token, then the row-by-row report in
Vietnamese.

The browser sends the file here; the page that follows shows the import's progress, live (the
same event stream and script as the dashboards). A service imports a file in one request and one
transaction (all or nothing, the same file again answers its first report), so what can be
measured is the file going to the service — the bar fills with the bytes sent — and then the
service's work, shown as under way without a share, until its report arrives.

The import in progress is kept in this process's memory for an hour (it is no business data: the
service keeps the import itself), readable only by the session that started it."""

from __future__ import annotations

import asyncio
import secrets
import time
from dataclasses import dataclass, field
from email import policy
from email.parser import BytesParser
from pathlib import PurePath
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekit.auth import Role, is_officer_only
from services.web.adapters.backend import Backend, BackendError
from services.web.pages import live_stream
from services.web.pages.common import (
    FormRefused,
    NotForThisAccount,
    Viewer,
    backend,
    render,
    sessions,
    templates,
    viewer,
)
from services.web.session import Sessions

router = APIRouter()

KINDS = {
    "units": ("registry", "Đơn vị"),
    "people": ("registry", "Cá nhân"),
    "bloc-memberships": ("registry", "Thành viên khối, cụm thi đua"),
    "targets": ("registry", "Chỉ tiêu"),
    "reports": ("progress", "Báo cáo kết quả thực hiện chỉ tiêu"),
}
# The columns a row error names (the APIs' field names) under the Vietnamese headers the import
# files carry (services/progress/commands/imports.py, services/registry/commands/imports/rows.py)
COLUMNS = {
    "value": "Giá trị",
    "as_of": "Số liệu đến ngày",
    "submitted_on": "Ngày gửi",
    "note": "Ghi chú",
    "evidence": "Tài liệu",
    "report_ref": "Số hiệu báo cáo",
    "campaign_code": "Mã đợt thi đua",
    "unit_code": "Mã đơn vị",
    "target_name": "Tên chỉ tiêu",
    "indicator_code": "Mã chỉ số",
    "parent_code": "Mã đơn vị cấp trên",
    "valid_from": "Hiệu lực từ",
    "valid_to": "Hiệu lực đến",
    "full_name": "Họ và tên",
    "target_value": "Giá trị",
    "deadline": "Hạn",
}
templates.env.globals["import_columns"] = COLUMNS
MAX_BYTES = 20 << 20
KEEP_S = 3600.0
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Job:
    """One import under way or done: what the page shows."""

    owner: str
    kind: str
    name: str
    size: int
    mode: str
    dry_run: bool
    sent: int = 0
    phase: str = "sending"
    """sending → working (the service validates and writes) → done."""
    status: int | None = None
    answer: dict[str, Any] = field(default_factory=dict)
    started: float = field(default_factory=time.monotonic)

    @property
    def share(self) -> float:
        return self.sent / self.size if self.size else 1.0

    @property
    def report(self) -> dict[str, Any] | None:
        """The row-by-row report (a refused import carries it in its problem)."""
        if self.status == 200:
            return self.answer
        return self.answer.get("report")


class Jobs:
    def __init__(self) -> None:
        self._jobs: dict[str, Job] = {}
        self._tasks: set[asyncio.Task] = set()

    def add(self, job: Job) -> str:
        now = time.monotonic()
        for key in [k for k, j in self._jobs.items() if now - j.started > KEEP_S]:
            del self._jobs[key]
        key = secrets.token_urlsafe(12)
        self._jobs[key] = job
        return key

    def get(self, key: str, owner: str) -> Job | None:
        job = self._jobs.get(key)
        return job if job is not None and job.owner == owner else None

    def run(self, coro) -> None:
        task = asyncio.create_task(coro)
        self._tasks.add(task)  # held until done: a task nobody references may be collected
        task.add_done_callback(self._tasks.discard)


def _jobs(request: Request) -> Jobs:
    if not hasattr(request.app.state, "import_jobs"):
        request.app.state.import_jobs = Jobs()
    return request.app.state.import_jobs


def _kinds_for(v: Viewer) -> dict[str, str]:
    """What the viewer may import: the province everything, a unit officer its reports."""
    if v.principal.has_role(Role.PROVINCE_ADMIN):
        return {k: label for k, (_, label) in KINDS.items()}
    if is_officer_only(v.principal):
        return {"reports": KINDS["reports"][1]}
    return {}


async def importer(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    if not _kinds_for(v):
        raise NotForThisAccount("Tài khoản của bạn không nhập dữ liệu từ tệp.")
    return v


def _owner(v: Viewer) -> str:
    return v.session.csrf or v.principal.sub  # this browser's session, not just the person


@router.get("/nhap-du-lieu", response_class=HTMLResponse, summary="Import a file (form)")
async def import_form(request: Request, v: Annotated[Viewer, Depends(importer)]) -> Response:
    return render(request, "import_form.html", viewer=v, kinds=_kinds_for(v), errors={}, values={})


def _multipart(
    content_type: str, body: bytes
) -> tuple[dict[str, str], dict[str, tuple[str, bytes]]]:
    """(text fields, files as (file name, bytes)) of a multipart/form-data body, read
    with the standard library's MIME parser (the form has a handful of fields and one file)."""
    head = f"Content-Type: {content_type}\r\nMIME-Version: 1.0\r\n\r\n".encode()
    message = BytesParser(policy=policy.HTTP).parsebytes(head + body)
    fields: dict[str, str] = {}
    files: dict[str, tuple[str, bytes]] = {}
    for part in message.iter_parts() if message.is_multipart() else []:
        name = part.get_param("name", header="content-disposition")
        data = part.get_payload(decode=True) or b""
        if not isinstance(name, str) or not isinstance(data, bytes):
            continue
        filename = part.get_filename()
        if filename is not None:
            files[name] = (PurePath(filename).name, data)
        else:
            fields[name] = data.decode("utf-8", errors="replace")
    return fields, files


async def _capped_body(request: Request) -> bytes | None:
    """The form's body, or None past MAX_BYTES (and the form's other fields): read as it comes,
    so that a body without a Content-Length cannot grow without bound."""
    limit = MAX_BYTES + 64 * 1024
    if int(request.headers.get("content-length") or 0) > limit:
        return None
    chunks, size = [], 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


@router.post("/nhap-du-lieu", summary="Import a file")
async def start_import(request: Request, v: Annotated[Viewer, Depends(importer)]) -> Response:
    kinds = _kinds_for(v)
    body = await _capped_body(request)
    if body is None:
        return render(
            request,
            "import_form.html",
            status=413,
            viewer=v,
            kinds=kinds,
            values={},
            errors={"file": "Tệp lớn quá 20 MB. Hãy chia thành nhiều tệp nhỏ hơn."},
        )
    fields, files = _multipart(request.headers.get("content-type", ""), body)
    if not Sessions.csrf_ok(sessions(request).read(request), fields.get("csrf")):
        raise FormRefused
    kind = fields.get("kind", "")
    name, data = files.get("file") or ("", b"")
    errors = {}
    if kind not in kinds:
        errors["kind"] = "Hãy chọn loại dữ liệu cần nhập."
    if not data:
        errors["file"] = "Hãy chọn tệp .xlsx hoặc .csv có dữ liệu."
    elif not name.lower().endswith((".xlsx", ".csv")):
        errors["file"] = "Chỉ nhận tệp Excel (.xlsx) hoặc CSV (.csv)."
    if errors:
        return render(
            request,
            "import_form.html",
            status=422,
            viewer=v,
            kinds=kinds,
            values=fields,
            errors=errors,
        )
    job = Job(
        owner=_owner(v),
        kind=kind,
        name=name,
        size=len(data),
        mode="valid" if fields.get("valid_only") else "all",
        dry_run=bool(fields.get("dry_run")),
    )
    key = _jobs(request).add(job)
    hub = request.app.state.hub
    mime = XLSX if name.lower().endswith(".xlsx") else "text/csv"
    _jobs(request).run(_run(backend(request), v, job, key, data, mime, hub))
    return RedirectResponse(f"/nhap-du-lieu/{key}", status_code=303)


async def _run(api: Backend, v: Viewer, job: Job, key: str, data: bytes, mime: str, hub) -> None:
    """Send the file, then wait for the report; every step nudges the job's open page."""
    service = KINDS[job.kind][0]
    last = 0.0

    def sent(n: int) -> None:
        nonlocal last
        job.sent += n
        if job.sent >= job.size:
            job.phase = "working"
        if time.monotonic() - last > 0.2 or job.phase == "working":
            last = time.monotonic()
            hub.moved(f"import:{key}")

    try:
        job.status, job.answer = await api.upload(
            service,
            f"/imports/{job.kind}",
            v.token,
            data,
            mime,
            sent,
            mode=job.mode,
            dry_run=str(job.dry_run).lower(),
        )
    except BackendError as exc:
        job.status, job.answer = exc.status, {"detail": exc.problem.get("detail", "")}
    except Exception as exc:  # the page must end, whatever happened
        job.status, job.answer = 0, {"detail": str(exc)}
        raise
    finally:
        job.phase = "done"
        hub.moved(f"import:{key}")


def _job(request: Request, v: Viewer, key: str) -> Job:
    job = _jobs(request).get(key, _owner(v))
    if job is None:
        raise NotForThisAccount("Không tìm thấy lần nhập này (hoặc đã quá một giờ).")
    return job


@router.get("/nhap-du-lieu/{key}", response_class=HTMLResponse, summary="An import's progress")
async def import_page(
    request: Request, key: str, v: Annotated[Viewer, Depends(importer)]
) -> Response:
    job = _job(request, v, key)
    return render(request, "import_job.html", viewer=v, job=job, key=key, kinds=KINDS)


@router.get("/nhap-du-lieu/{key}/tien-do", summary="An import's progress, live (SSE)")
async def import_live(
    request: Request, key: str, v: Annotated[Viewer, Depends(importer)]
) -> Response:
    job = _job(request, v, key)
    template = templates.get_template("import_body.html")

    async def fragment() -> str:
        return template.render(job=job, kinds=KINDS)

    return live_stream.stream(request, [f"import:{key}"], fragment, send_first=True)
