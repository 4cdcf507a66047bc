"""axe-core (WCAG 2 A and AA) over the bloc head's, the office's and the supervisor's pages, at a
desktop's width and at a phone's, where nothing may be wider than the screen but the tables'
own scrolling boxes."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page

from demo.client import Platform
from infra import browser
from infra.profile import ROOT, Profile
from tests.web.conftest import PHONE, campaign, guarded_page, screenshot, sign_in
from tests.web.test_accessibility import violations
from tests.web.test_bloc_pages import a_cluster
from tests.web.test_supervision_pages import front_unit, screened_nomination

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


def check(page: Page, axe: str, paths: dict[str, str], found: dict[str, list[str]]) -> None:
    """Each page (`paths`: a name for the report and the screenshot → its path) at the current
    width; at a phone's, its width checked and a screenshot kept."""
    phone = page.viewport_size == PHONE
    for name, path in paths.items():
        page.goto(path)
        key = f"{name}-dien-thoai" if phone else name
        found[key] = violations(page, axe)
        if phone:
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                found[key].append(f"{width}px wide on a {PHONE['width']}px phone")
            screenshot(page, key)


def test_the_new_pages_pass_axe_at_both_widths(chromium: Browser, web_url: str, platform: Profile):
    axe = str(browser.ensure_axe(ROOT / ".state" / "vendor"))
    pf = Platform(platform)
    ids = a_cluster(platform)
    cid, unit, _ = campaign(platform)
    front = front_unit(pf)
    nomination = screened_nomination(platform, unit)
    supervisor = pf.token("axe-giam-sat", "supervisor", unit_id=front)
    body = {"subject_kind": "nomination", "subject_id": nomination, "content": "Kiểm tra lại."}
    finding = pf.post("awards", "/findings", body, supervisor)["id"]

    found: dict[str, list[str]] = {}
    # axe is injected as an inline script, which the pages' CSP refuses: bypassed for the check
    pages = {role: guarded_page(chromium, web_url, bypass_csp=True) for role in ("h", "o", "s")}
    head, office, sup = (pages[r][0] for r in ("h", "o", "s"))
    try:
        sign_in(head, role="unit_officer", name="axe-khoi-truong", unit_id=ids["a"])
        sign_in(office, role="province_admin", name="axe-ban-tdkt-2")
        sign_in(sup, role="supervisor", name="axe-mttq", unit_id=front)
        for width in ("desktop", "phone"):
            if width == "phone":
                for page in (head, office, sup):
                    page.set_viewport_size(PHONE)
            check(head, axe, {"khoi": "/khoi?nam=2025",
                              "khoi-bang-diem": f"/khoi/{ids['bloc']}/2025"}, found)  # fmt: skip
            check(
                office,
                axe,
                {
                    "bieu-do": f"/chien-dich/{cid}/bieu-do",
                    "cay-don-vi": "/cay-don-vi?ngay=01/07/2025&so_voi=30/06/2025",
                    "nhap-du-lieu": "/nhap-du-lieu",
                    "xuat-du-lieu": "/xuat-du-lieu",
                    "kien-nghi-tinh": f"/kien-nghi/{finding}",
                },
                found,
            )
            check(
                sup,
                axe,
                {
                    "giam-sat-de-nghi": "/giam-sat/de-nghi",
                    "giam-sat-mot-de-nghi": f"/giam-sat/de-nghi/{nomination}",
                    "giam-sat-quyet-dinh": "/giam-sat/quyet-dinh",
                    "kien-nghi": "/kien-nghi",
                    "kien-nghi-moi": f"/kien-nghi/moi?loai=nomination&doi_tuong={nomination}",
                },
                found,
            )
        # a form with its errors shown
        sup.goto("/kien-nghi/moi")
        sup.get_by_role("button", name="Gửi kiến nghị").click()
        sup.locator("#content-error").wait_for()
        found["kien-nghi-moi-loi-nhap"] = violations(sup, axe)
    finally:
        for page, _ in pages.values():
            page.context.close()
    assert [g.foreign for _, g in pages.values()] == [[], [], []]
    assert len(found) == 2 * 12 + 1, sorted(found)  # every page checked at both widths
    assert {page: v for page, v in found.items() if v} == {}
