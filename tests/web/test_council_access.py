"""Who reaches the nomination pipeline and the council's pages, over HTTP against the running web
application: the office's pages refuse other roles, the council's pages need a council, the
development sign-in asks a council member for their council, and every step's form is
CSRF-checked."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from uuid import uuid4

import httpx
import pytest

from infra.profile import Profile
from tests.web.test_session import csrf_of

pytestmark = pytest.mark.infra


@contextmanager
def signed_in(web_url: str, **form: str) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=web_url) as browser:
        csrf = csrf_of(browser.get("/dang-nhap").text)
        r = browser.post("/dang-nhap", data={**form, "csrf": csrf, "next": "/"})
        assert r.status_code == 303, r.text
        yield browser


def test_a_council_member_names_their_council_to_sign_in(web_url: str, platform: Profile):
    with httpx.Client(base_url=web_url) as browser:
        csrf = csrf_of(browser.get("/dang-nhap").text)
        form = {"role": "council_member", "name": "hd-khong-ma", "csrf": csrf}
        r = browser.post("/dang-nhap", data=form)
        assert r.status_code == 422
        assert "Thành viên Hội đồng cần nhập mã hội đồng của mình (36 ký tự)." in r.text
        r = browser.post("/dang-nhap", data={**form, "council_id": "hoi-dong-tinh"})
        assert r.status_code == 422  # not a council's code: awards would refuse every page
        council = str(uuid4())
        r = browser.post("/dang-nhap", data={**form, "council_id": council})
        assert r.status_code == 303
        assert browser.get("/").headers["location"] == "/hoi-dong"


def test_the_office_pages_are_the_offices(web_url: str, platform: Profile):
    council = str(uuid4())
    with signed_in(web_url, role="council_member", name="hd-to-mo", council_id=council) as b:
        r = b.get("/xet-khen-thuong")
        assert r.status_code == 403
        assert "Trang này dành cho Ban Thi đua – Khen thưởng tỉnh." in r.text
    with signed_in(web_url, role="province_admin", name="ban-tdkt-hd") as b:
        r = b.get("/hoi-dong")
        assert r.status_code == 403
        assert "Tài khoản không gắn với Hội đồng Thi đua – Khen thưởng nào." in r.text


def test_a_step_without_the_forms_csrf_token_is_refused(web_url: str, platform: Profile):
    nid, sid = uuid4(), uuid4()
    with signed_in(web_url, role="province_admin", name="ban-tdkt-csrf") as b:
        r = b.post(f"/xet-khen-thuong/{nid}/tham-dinh", data={"considered_on": "01/12/2026"})
        assert r.status_code == 403
        assert "Biểu mẫu đã hết hạn" in r.text
    council = str(uuid4())
    with signed_in(web_url, role="council_member", name="hd-csrf", council_id=council) as b:
        r = b.post(f"/hoi-dong/phien/{sid}/phieu", data={f"chon-{nid}": "yes", "xac_nhan": "1"})
        assert r.status_code == 403
        assert "Biểu mẫu đã hết hạn" in r.text
