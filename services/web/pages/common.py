"""What every page needs: the signed-in viewer, the templates with the Vietnamese formats, the
checked form of a POST, and the answers to a missing sign-in or a service's refusal."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qs, quote

from fastapi import Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from servicekit.auth import InvalidToken, KeysUnavailable, Principal, Role
from services.web.adapters.backend import Backend, BackendError
from services.web.domain import formats
from services.web.session import Session, Sessions

templates = Jinja2Templates(directory=Path(__file__).parent.parent / "templates")
templates.env.filters.update(
    day=formats.day,
    moment=formats.moment,
    number=formats.number,
    money=formats.money,
    percent=formats.percent,
)

ROLE_NAMES = {
    Role.UNIT_OFFICER: "Cán bộ thi đua của đơn vị",
    Role.PROVINCE_ADMIN: "Ban Thi đua – Khen thưởng tỉnh",
    Role.COUNCIL_MEMBER: "Thành viên Hội đồng Thi đua – Khen thưởng",
    Role.COUNCIL_SECRETARY: "Thư ký Hội đồng Thi đua – Khen thưởng",
    Role.SUPERVISOR: "Giám sát của Mặt trận Tổ quốc",
    Role.OPERATOR: "Cán bộ vận hành hệ thống",
}
templates.env.globals["role_names"] = {str(k): v for k, v in ROLE_NAMES.items()}


class SignInNeeded(Exception):
    """Raised by a page for a visitor not signed in (or whose token a service refused)."""


class FormRefused(Exception):
    """A POST whose CSRF token does not match the session's."""


class NotForThisAccount(Exception):
    """A page of a role the signed-in account does not hold (403, the message in Vietnamese)."""


@dataclass(frozen=True)
class Viewer:
    session: Session
    principal: Principal
    token: str

    @property
    def unit_id(self) -> str | None:
        return self.principal.unit_id


def sessions(request: Request) -> Sessions:
    return request.app.state.sessions


def backend(request: Request) -> Backend:
    return request.app.state.backend


async def viewer(request: Request) -> Viewer:
    """Dependency: the signed-in person, their token verified as the services verify it."""
    session = sessions(request).read(request)
    if not session.signed_in or session.token is None:
        raise SignInNeeded
    try:
        principal = await request.app.state.verifier.verify(session.token)
    except (InvalidToken, KeysUnavailable) as exc:
        raise SignInNeeded from exc
    return Viewer(session=session, principal=principal, token=session.token)


async def unit_viewer(v: Annotated[Viewer, Depends(viewer)]) -> Viewer:
    """Dependency: the signed-in person acts for a unit (a unit officer's pages)."""
    if v.unit_id is None:
        raise NotForThisAccount("Tài khoản không gắn với đơn vị.")
    return v


async def form(request: Request) -> dict[str, str]:
    """Dependency: the POSTed form (urlencoded; the last value of a repeated field), refused
    unless its `csrf` field matches the session's."""
    body = (await request.body()).decode("utf-8", errors="replace")
    fields = {k: v[-1] for k, v in parse_qs(body, keep_blank_values=True).items()}
    if not Sessions.csrf_ok(sessions(request).read(request), fields.get("csrf")):
        raise FormRefused
    return fields


def render(request: Request, template: str, status: int = 200, **context: Any) -> HTMLResponse:
    """A page; the session cookie is (re)written so that every visitor has a CSRF token."""
    session = sessions(request).read(request)
    response = templates.TemplateResponse(
        request, template, {"csrf": session.csrf, "session": session, **context}, status_code=status
    )
    sessions(request).write(request, response, session)
    return response


def sign_in_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/dang-nhap?next={quote(target)}", status_code=303)


# What a service's refusal means to the person reading the page.
_REFUSALS = {
    0: "Không kết nối được dịch vụ {service}. Vui lòng thử lại sau ít phút.",
    403: "Tài khoản của bạn không có quyền xem hoặc làm việc này.",
    404: "Không tìm thấy nội dung này (hoặc nó không thuộc đơn vị của bạn).",
}


def refusal_page(request: Request, exc: BackendError) -> HTMLResponse:
    text = _REFUSALS.get(exc.status, "Dịch vụ {service} trả lời lỗi {status}: {detail}")
    message = text.format(
        service=exc.service, status=exc.status, detail=exc.problem.get("detail", "")
    )
    status = exc.status if exc.status in (403, 404) else 502
    return render(request, "error.html", status=status, message=message)
