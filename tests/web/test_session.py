"""The session cookie and the forms' CSRF token, over HTTP against the running web application
(and in process for a request that arrived over TLS)."""

from __future__ import annotations

import re
import socket

import httpx
import pytest
from fastapi.testclient import TestClient

from infra import tokens
from infra.profile import SERVICES, Profile
from services.web.app import create
from services.web.config import WebSettings
from services.web.session import COOKIE

pytestmark = pytest.mark.infra


def csrf_of(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the page has no CSRF field"
    return found[1]


def test_the_cookie_is_httponly_and_samesite_lax(web_url: str):
    r = httpx.get(f"{web_url}/dang-nhap")
    assert r.status_code == 200
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{COOKIE}=")
    assert "HttpOnly" in cookie
    assert "SameSite=lax" in cookie
    assert "Secure" not in cookie  # plain http on the local stack
    assert "default-src 'self'" in r.headers["content-security-policy"]


def test_a_form_without_its_csrf_token_is_refused(web_url: str, platform: Profile):
    with httpx.Client(base_url=web_url) as browser:
        csrf = csrf_of(browser.get("/dang-nhap").text)
        form = {"role": "province_admin", "name": "ke-la", "next": "/"}
        for sent in ({}, {"csrf": "doan-bua"}):
            r = browser.post("/dang-nhap", data={**form, **sent})
            assert r.status_code == 403
            assert "Biểu mẫu đã hết hạn" in r.text
            assert browser.get("/chien-dich").status_code == 303  # still not signed in
        r = browser.post("/dang-nhap", data={**form, "csrf": csrf})
        assert r.status_code == 303
        assert browser.get("/chien-dich").status_code == 200


def test_a_changed_cookie_is_not_a_session(web_url: str, platform: Profile):
    with httpx.Client(base_url=web_url) as browser:
        csrf = csrf_of(browser.get("/dang-nhap").text)
        form = {"role": "province_admin", "name": "ban-tdkt", "csrf": csrf}
        assert browser.post("/dang-nhap", data=form).status_code == 303
        payload, mac = browser.cookies[COOKIE].split(".")
        forged = payload[:-2] + ("AA" if payload[-2:] != "AA" else "BB")
        browser.cookies.set(COOKIE, f"{forged}.{mac}")
        r = browser.get("/chien-dich")
        assert r.status_code == 303
        assert r.headers["location"] == "/dang-nhap?next=/chien-dich"


def test_signing_in_goes_back_only_to_a_page_of_this_site(web_url: str, platform: Profile):
    with httpx.Client(base_url=web_url) as browser:
        csrf = csrf_of(browser.get("/dang-nhap").text)
        form = {"role": "province_admin", "name": "ban-tdkt", "csrf": csrf}
        r = browser.post("/dang-nhap", data={**form, "next": "//evil.example/x"})
        assert r.headers["location"] == "/"


def test_the_cookie_is_secure_over_tls():
    # in process, without its lifespan (no live feed needed); sync, beside Playwright's loop
    app = create(WebSettings(web_session_key="k" * 40, web_dev_state=None))
    r = TestClient(app, base_url="https://web.example").get("/dang-nhap")
    assert r.status_code == 200
    assert "Chưa cấu hình cách đăng nhập" in r.text
    assert "Secure" in r.headers["set-cookie"]


def test_the_development_sign_in_names_what_is_missing(web_url: str, platform: Profile):
    with httpx.Client(base_url=web_url) as browser:
        csrf = csrf_of(browser.get("/dang-nhap").text)
        r = browser.post("/dang-nhap", data={"role": "unit_officer", "name": " ", "csrf": csrf})
        assert r.status_code == 422
        assert "Hãy nhập tên đăng nhập." in r.text
        assert "Cán bộ thi đua cần chọn đơn vị của mình." in r.text
        # a system's role, not a person's: not offered (the operator's is, since the console)
        r = browser.post(
            "/dang-nhap", data={"role": "integration_client", "name": "x", "csrf": csrf}
        )
        assert r.status_code == 422 and "Hãy chọn một vai trò." in r.text
        assert browser.get("/don-vi").status_code == 303  # nobody signed in


def test_a_service_out_of_reach_is_said_plainly(platform: Profile):
    """Every service URL a closed port: the pages say which service cannot be reached."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{s.getsockname()[1]}"
    settings = WebSettings(
        web_session_key="k" * 40,
        web_dev_state=platform.state,
        jwks_file=tokens.jwks_file(platform.state),
        kafka_bootstrap=platform.kafka_bootstrap,
        **{f"web_{name}_url": closed for name in SERVICES},
    )
    with TestClient(create(settings), follow_redirects=False) as client:
        page = client.get("/dang-nhap")
        assert "Chưa đọc được danh sách đơn vị (registry: 0)." in page.text
        form = {"role": "province_admin", "name": "ban-tdkt", "csrf": csrf_of(page.text)}
        assert client.post("/dang-nhap", data=form).status_code == 303
        r = client.get("/chien-dich")
        assert r.status_code == 502
        assert "Không kết nối được dịch vụ registry." in r.text


def test_an_account_without_a_unit_is_told_the_units_pages_are_not_its(
    web_url: str, platform: Profile
):
    with httpx.Client(base_url=web_url) as browser:
        csrf = csrf_of(browser.get("/dang-nhap").text)
        form = {"role": "province_admin", "name": "ban-tdkt", "csrf": csrf}
        assert browser.post("/dang-nhap", data=form).status_code == 303
        for page in ("/don-vi", "/de-nghi", "/hop-thu"):
            r = browser.get(page)
            assert r.status_code == 403 and "Tài khoản không gắn với đơn vị." in r.text, page
