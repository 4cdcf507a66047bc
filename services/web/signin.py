"""Signing in and out.

Two ways, chosen by the settings, behind one seam (`/dang-nhap`):
- development (no identity provider configured, a local profile's key at hand): the visitor picks
  a role, a unit and a name, and the page mints the token `./thidua token` would
  (`infra.tokens.mint`, the same code), verified by the services like any other;
- OpenID Connect (THIDUA_WEB_OIDC_ISSUER): the authorization code flow with PKCE at the
  province's identity provider (services/web/adapters/oidc.py); the services verify its access token
  through its JWKS.

Either way the session holds the token (services/web/session.py) and every page calls the
services with it."""

from __future__ import annotations

import time
from dataclasses import replace
from typing import Annotated
from urllib.parse import urlsplit
from uuid import UUID

import jwt
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from servicekit.auth import Role
from services.web.adapters.backend import BackendError
from services.web.adapters.oidc import Provider, SignInFailed
from services.web.pages.common import ROLE_NAMES, backend, form, render, sessions

router = APIRouter()

DEV_ROLES = tuple(ROLE_NAMES)


def _safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, no host, no `//`): no open redirect."""
    if not target or not target.startswith("/") or target.startswith("//"):
        return "/"
    parts = urlsplit(target)
    return "/" if parts.scheme or parts.netloc else target


def _is_id(text: str | None) -> bool:
    try:
        UUID(text or "")
    except ValueError:
        return False
    return True


def _dev_mint(request: Request, **claims) -> str:
    from infra import tokens  # development only: the key of a local profile, not in a deployment

    return tokens.mint(request.app.state.settings.web_dev_state, **claims)


def _mode(request: Request) -> str:
    s = request.app.state.settings
    if s.web_oidc_issuer:
        return "oidc"
    return "dev" if s.web_dev_state else "none"


async def _units(request: Request) -> list[dict]:
    """The units to pick from, read with a short-lived administrator's development token."""
    token = _dev_mint(request, sub="web-dev-sign-in", roles=[Role.PROVINCE_ADMIN], ttl=60)
    units: list[dict] = []
    cursor = None
    while len(units) < 1000:
        page = await backend(request).get("registry", "/units", token, limit=200, cursor=cursor)
        units += page["items"]
        cursor = page.get("next_cursor")
        if not cursor:
            return units
    return units


@router.get("/dang-nhap", response_class=HTMLResponse, summary="Sign in")
async def sign_in_page(request: Request, next: str = "/") -> Response:
    mode = _mode(request)
    units: list[dict] = []
    problem = None
    if mode == "dev":
        try:
            units = await _units(request)
        except BackendError as exc:
            problem = f"Chưa đọc được danh sách đơn vị ({exc.service}: {exc.status})."
    return render(
        request,
        "sign_in.html",
        mode=mode,
        units=units,
        roles=DEV_ROLES,
        next=_safe_next(next),
        problem=problem,
        errors={},
        values={},
    )


@router.post("/dang-nhap", summary="Development sign-in: mint a token like ./thidua token")
async def sign_in(request: Request, fields: Annotated[dict, Depends(form)]) -> Response:
    if _mode(request) != "dev":
        return render(request, "error.html", status=404, message="Không có đăng nhập thử ở đây.")
    role = fields.get("role", "")
    name = fields.get("name", "").strip()
    unit = fields.get("unit_id", "").strip() or None
    council = fields.get("council_id", "").strip() or None
    errors = {}
    if role not in DEV_ROLES:
        errors["role"] = "Hãy chọn một vai trò."
    if not name:
        errors["name"] = "Hãy nhập tên đăng nhập."
    elif len(name) > 100:
        errors["name"] = "Tên đăng nhập dài quá 100 ký tự."
    if role == Role.UNIT_OFFICER and not unit:
        errors["unit_id"] = "Cán bộ thi đua cần chọn đơn vị của mình."
    if role in (Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY) and not _is_id(council):
        errors["council_id"] = "Thành viên Hội đồng cần nhập mã hội đồng của mình (36 ký tự)."
    if role == Role.SUPERVISOR and not unit:
        errors["unit_id"] = "Người giám sát cần chọn cơ quan Mặt trận của mình."
    if errors:
        return render(
            request,
            "sign_in.html",
            status=422,
            mode="dev",
            units=await _units(request),
            roles=DEV_ROLES,
            next=_safe_next(fields.get("next")),
            problem=None,
            errors=errors,
            values=fields,
        )
    ttl = request.app.state.settings.web_session_seconds
    token = _dev_mint(
        request,
        sub=name,
        roles=[role],
        # a supervisor's token names the Front body raising its findings
        unit_id=unit if role in (Role.UNIT_OFFICER, Role.SUPERVISOR) else None,
        council_id=council if role in (Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY) else None,
        ttl=ttl,
    )
    return _start_session(request, token, _safe_next(fields.get("next")))


def _provider(request: Request) -> Provider:
    return request.app.state.oidc


def _callback_url(request: Request) -> str:
    configured = request.app.state.settings.web_oidc_redirect_url
    return configured or str(request.url_for("oidc_callback"))


@router.get("/dang-nhap/oidc/bat-dau", summary="Sign in at the identity provider")
async def oidc_start(request: Request, next: str = "/") -> Response:
    if _mode(request) != "oidc":
        return render(request, "error.html", status=404, message="Không có cổng định danh ở đây.")
    try:
        url, pending = await _provider(request).start(_callback_url(request), _safe_next(next))
    except SignInFailed as exc:
        return render(request, "error.html", status=502, message=str(exc))
    response = RedirectResponse(url, status_code=303)
    jar = sessions(request)
    jar.write(request, response, replace(jar.read(request), pending=pending))
    return response


@router.get("/dang-nhap/oidc", name="oidc_callback", summary="The identity provider's callback")
async def oidc_callback(
    request: Request, code: str = "", state: str = "", error: str = ""
) -> Response:
    jar = sessions(request)
    session = jar.read(request)
    if _mode(request) != "oidc":
        return render(request, "error.html", status=404, message="Không có cổng định danh ở đây.")
    try:
        if error or not code or not session.pending:
            raise SignInFailed("Đăng nhập không thành công hoặc đã bị hủy. Hãy đăng nhập lại.")
        token = await _provider(request).finish(session.pending, code, state)
    except SignInFailed as exc:
        response = render(request, "error.html", status=400, message=str(exc))
        jar.write(request, response, replace(session, pending=None))  # one try per start
        return response
    return _start_session(request, token, session.pending.get("next", "/"))


def _start_session(request: Request, token: str, target: str) -> Response:
    """Whatever signed the person in ends here: the token goes into a fresh session."""
    expires = int(jwt.decode(token, options={"verify_signature": False}).get("exp", time.time()))
    response = RedirectResponse(target, status_code=303)
    jar = sessions(request)
    jar.write(request, response, jar.read(request).sign_in(token, expires))
    return response


@router.post("/dang-xuat", summary="Sign out")
async def sign_out(request: Request, _: Annotated[dict, Depends(form)]) -> Response:
    response = RedirectResponse("/dang-nhap", status_code=303)
    jar = sessions(request)
    jar.write(request, response, jar.read(request).sign_out())
    return response
