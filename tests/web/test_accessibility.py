"""axe-core (WCAG 2 A and AA rules: labels, contrast, landmarks, names) over the main pages, as
each role sees them, a form with its errors shown included."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from infra import browser
from infra.profile import ROOT, Profile
from tests.web.conftest import PHONE, campaign, guarded_page, sign_in
from tests.web.test_browser import wait_until_progress_knows

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]

RULES = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}


def violations(page: Page, axe: str) -> list[str]:
    page.add_script_tag(path=axe)
    found = page.evaluate("options => axe.run(document, options)", RULES)["violations"]
    return [
        f"{v['id']} ({v['impact']}): {v['help']} at {[n['target'] for n in v['nodes']][:3]}"
        for v in found
    ]


def test_the_main_pages_pass_axe(chromium: Browser, web_url: str, platform: Profile):
    axe = str(browser.ensure_axe(ROOT / ".state" / "vendor"))
    cid, unit, target = campaign(platform)
    wait_until_progress_knows(platform, target, unit)
    # axe is injected as an inline script, which the pages' CSP refuses: bypassed for the check
    officer, officer_guard = guarded_page(chromium, web_url, bypass_csp=True)
    office, office_guard = guarded_page(chromium, web_url, bypass_csp=True)
    found: dict[str, list[str]] = {}
    try:
        officer.goto("/dang-nhap")
        found["đăng nhập"] = violations(officer, axe)
        sign_in(officer, role="unit_officer", name="axe-can-bo", unit_id=unit)
        found["đơn vị"] = violations(officer, axe)
        officer.goto(f"/chi-tieu/{target}")
        officer.get_by_label("Giá trị đạt được").fill("không phải số")
        officer.get_by_role("button", name="Gửi báo cáo").click()
        officer.locator("#value-error").wait_for()
        found["chỉ tiêu, lỗi nhập"] = violations(officer, axe)
        officer.goto("/hop-thu")
        found["hộp thư"] = violations(officer, axe)
        officer.goto("/de-nghi")
        found["đề nghị khen thưởng"] = violations(officer, axe)

        sign_in(office, role="province_admin", name="axe-ban-tdkt")
        found["phong trào"] = violations(office, axe)
        office.goto(f"/chien-dich/{cid}")
        found["bảng theo dõi"] = violations(office, axe)

        # at a phone's width the tables scroll in boxes the keyboard must reach too
        for page in (officer, office):
            page.set_viewport_size(PHONE)
        officer.goto("/don-vi")
        office.reload()
        found["đơn vị, điện thoại"] = violations(officer, axe)
        found["bảng theo dõi, điện thoại"] = violations(office, axe)
    finally:
        officer.context.close()
        office.context.close()
    assert officer_guard.foreign == office_guard.foreign == []
    assert {page: v for page, v in found.items() if v} == {}
