"""The Fatherland Front's supervision, end to end in chromium on the real stack: a supervisor reads
a nomination's screening with its reasons and raises a finding on it; the province answers it;
each reads the other's text. A unit answers a finding about itself from its side."""

from __future__ import annotations

import time
from uuid import uuid4

import pytest
from playwright.sync_api import Browser, Page, expect

from demo.client import Platform
from infra.profile import Profile
from tests.web.conftest import campaign, guarded_page, nominate, screenshot, sign_in

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


def front_unit(pf: Platform) -> str:
    body = {
        "code": f"MTTQ.{uuid4().hex[:6]}",
        "name": "Ủy ban MTTQ Việt Nam tỉnh Cà Mau",
        "kind": "mass_organisation",
        "level": "province",
        "valid_from": "2015-01-01",
    }
    return pf.post("registry", "/units", body, pf.admin)["unit_id"]


def screened_nomination(p: Profile, unit: str) -> str:
    """The unit's nomination for Tập thể lao động tiên tiến 2020, screened by the province."""
    nomination = nominate(p, unit)
    pf = Platform(p)
    pf.post("awards", "/screenings", {"nomination_ids": [nomination]}, pf.admin)
    return nomination


def test_a_supervisor_raises_a_finding_and_the_province_answers_it(
    chromium: Browser, web_url: str, platform: Profile
):
    pf = Platform(platform)
    cid, unit, _ = campaign(platform)
    front = front_unit(pf)
    nomination = screened_nomination(platform, unit)
    sup, sup_guard = guarded_page(chromium, web_url)
    province, province_guard = guarded_page(chromium, web_url)
    try:
        sign_in(sup, role="supervisor", name="giam-sat-mttq", unit_id=front)
        # what a council reads: the campaigns, their dashboards and charts, read only
        sup.goto(f"/chien-dich/{cid}")
        expect(sup.get_by_role("heading", level=1)).to_have_text("Đợt thi đua đặc biệt năm 2020")
        sup.get_by_role("link", name="Biểu đồ tiến độ, đơn vị về đích sớm và quá hạn").click()
        expect(sup.get_by_role("heading", level=1)).to_have_text("Tiến độ theo thời gian")
        expect(sup.locator("form")).to_have_count(1)  # signing out: nothing to write here
        sup.get_by_role("link", name="Đề nghị khen thưởng").click()
        expect(sup.get_by_role("heading", level=1)).to_have_text("Đề nghị khen thưởng")
        sup.goto(f"/giam-sat/de-nghi/{nomination}")
        expect(sup.get_by_role("heading", level=1)).to_contain_text("Tập thể lao động tiên tiến")
        rules = sup.get_by_role("region", name="Kết quả từng tiêu chí, cuộn ngang được")
        expect(rules.get_by_role("row").nth(1)).to_be_visible()  # at least one rule, with reason
        reason = rules.get_by_role("row").nth(1).get_by_role("cell").nth(1)
        expect(reason).not_to_be_empty()
        screenshot(sup, "giam-sat-de-nghi")

        sup.get_by_role("link", name="Gửi kiến nghị về đề nghị này").click()
        expect(sup.get_by_text("Tập thể lao động tiên tiến năm 2020")).to_be_visible()
        sup.get_by_role("button", name="Gửi kiến nghị").click()  # nothing written yet
        expect(sup.locator("#content-error")).to_have_text("Hãy nhập nội dung kiến nghị.")
        raised = "Đề nghị xem xét lại biên bản bình xét của Sở Tài chính năm 2020."
        sup.get_by_label("Nội dung kiến nghị").fill(raised)
        sup.get_by_label("Tài liệu kèm theo").fill("BB-12/MTTQ")
        sup.get_by_role("button", name="Gửi kiến nghị").click()
        expect(sup.get_by_role("status")).to_have_text("Đã gửi kiến nghị giám sát.")
        expect(sup.locator("[data-text=content]")).to_have_text(raised)
        expect(sup.get_by_text("Chưa trả lời")).to_be_visible()
        finding_url = sup.url

        sign_in(province, role="province_admin", name="ban-tdkt-tra-loi")
        province.get_by_role("link", name="Kiến nghị giám sát").click()
        finding = finding_url.rsplit("/", 1)[-1].split("?")[0]
        province.locator(f"[data-finding='{finding}']").get_by_role("link").click()
        expect(province.locator("[data-text=content]")).to_have_text(raised)
        answered = "Sở Tài chính đã tổ chức bình xét lại ngày 15/01/2021; biên bản gửi kèm."
        province.get_by_label("Nội dung trả lời").fill(answered)
        province.get_by_role("button", name="Gửi trả lời").click()
        expect(province.get_by_role("status")).to_have_text("Đã gửi trả lời kiến nghị.")
        expect(province.locator("[data-text=answer]")).to_have_text(answered)
        screenshot(province, "kien-nghi-tra-loi")

        sup.reload()
        expect(sup.get_by_role("heading", name="Trả lời của tỉnh")).to_be_visible()
        expect(sup.locator("[data-text=answer]")).to_have_text(answered)
        sup.goto("/kien-nghi?tinh_trang=answered")
        expect(sup.locator(f"[data-finding='{finding}']")).to_contain_text("Đã trả lời")
        screenshot(sup, "kien-nghi")
    finally:
        sup.context.close()
        province.context.close()
    assert sup_guard.foreign == province_guard.foreign == []


def test_a_unit_answers_a_finding_about_itself(page: Page, platform: Profile):
    pf = Platform(platform)
    _, unit, _ = campaign(platform)
    front = front_unit(pf)
    supervisor = pf.token("giam-sat", "supervisor", unit_id=front)
    raised = "Đơn vị chậm công khai kết quả bình xét thi đua năm 2020."
    deadline = time.monotonic() + 60
    while True:  # awards learns the unit from the registry's events on Kafka
        r = pf.call(
            "awards",
            "POST",
            "/findings",
            who=supervisor,
            ok=(201, 422),
            json={"subject_kind": "unit", "subject_id": unit, "content": raised},
        )
        if r.status_code == 201:
            break
        assert time.monotonic() < deadline, r.text
        time.sleep(0.5)
    finding = r.json()["id"]

    sign_in(page, role="unit_officer", name="can-bo-tra-loi", unit_id=unit)
    page.get_by_role("link", name="Kiến nghị giám sát").click()
    page.locator(f"[data-finding='{finding}']").get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Kiến nghị về đơn vị")
    expect(page.locator("[data-text=content]")).to_have_text(raised)
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.locator("#answer-error")).to_have_text("Hãy nhập nội dung trả lời.")
    page.get_by_label("Nội dung trả lời").fill("Đơn vị đã niêm yết kết quả ngày 20/01/2021.")
    page.get_by_role("button", name="Gửi trả lời").click()
    expect(page.get_by_role("heading", name="Trả lời của đơn vị")).to_be_visible()
    answered = pf.get("awards", f"/findings/{finding}", pf.admin)
    assert answered["answer"] == "Đơn vị đã niêm yết kết quả ngày 20/01/2021."
    assert answered["answered_by_province"] is False
