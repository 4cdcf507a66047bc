"""The nomination procedure in chromium on the real stack: the emulation office runs a nomination
from sent to a decision with its money (screening with every rule, public notice, the council's
agenda, the decision), the council's secretary opens and closes the vote, and a member casts the
secret ballot once, confirming it, and cannot cast it twice.

The nominee, their rating and the nomination are set up through the public APIs (a unit's work,
not the office's); the council is constituted through the API too (the web application has no
page for it). Each page is checked by axe-core as it is shown, at a desktop's and a phone's
width (the pages' CSP is bypassed for axe's inline script; the no-other-host guard stays)."""

from __future__ import annotations

import time
from datetime import date, datetime, timedelta
from typing import Any
from uuid import uuid4

import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from infra import browser
from infra.profile import ROOT, Profile
from services.web.domain.formats import VIETNAM
from tests.web.conftest import PHONE, bearer, campaign, guarded_page, screenshot, sign_in
from tests.web.test_accessibility import violations

pytestmark = [pytest.mark.infra, pytest.mark.timeout(420)]

MEMBERS = {"hd-chu-tich": "chair", "hd-thu-ky": "secretary", "hd-uy-vien": "member"}


def vn(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def call(p: Profile, service: str, method: str, path: str, who: dict, **kw: Any) -> httpx.Response:
    return httpx.request(method, p.service_url(service) + path, headers=who, timeout=30, **kw)


def until_created(p: Profile, service: str, path: str, who: dict, body: dict) -> dict:
    """POST until the service knows what the body names (it learns it from Kafka)."""
    deadline = time.monotonic() + 60
    while (r := call(p, service, "POST", path, who, json=body)).status_code not in (200, 201):
        assert time.monotonic() < deadline, f"{service} {path}: {r.status_code} {r.text}"
        time.sleep(0.5)
    return r.json()


def rated_person(p: Profile, unit: str, name: str, year: int) -> str:
    """A woman of the unit (registry) rated HTTNV for the year by its officer (progress)."""
    admin = bearer(p, sub="web-test-admin", roles=["province_admin"])
    officer = bearer(p, sub="web-test-officer", roles=["unit_officer"], unit_id=unit)
    person = call(
        p, "registry", "POST", "/people", admin,
        json={"full_name": name, "gender": "female", "birth_year": 1985, "unit_id": unit,
              "position": "Chuyên viên", "valid_from": "2015-01-01"},
    )  # fmt: skip
    assert person.status_code == 201, person.text
    pid = str(person.json()["person_id"])
    rating = {"subject_kind": "person", "subject_id": pid, "year": year, "rating": "HTTNV"}
    until_created(p, "progress", "/ratings", officer, {"ratings": [rating]})
    return pid


def nominate(p: Profile, unit: str, name: str) -> str:
    """A person of the unit rated HTTNV in 2025, nominated by the unit for Lao động tiên tiến
    with the dossier: a nomination `submitted`, as the unit sends it."""
    officer = bearer(p, sub="web-test-officer", roles=["unit_officer"], unit_id=unit)
    pid = rated_person(p, unit, name, 2025)
    body = {
        "nominee": {"kind": "person", "id": pid},
        "award_code": "LDTT",
        "year": 2025,
        "proposer_unit_id": unit,
        "documents": [
            {"type": kind, "ref": f"urn:stc:ldtt-2025:{pid[:8]}:{kind}"}
            for kind in ("submission", "achievement_report", "review_minutes")
        ],
    }
    return until_created(p, "awards", "/nominations", officer, body)["nomination_id"]


def constitute_council(p: Profile) -> str:
    admin = bearer(p, sub="web-test-admin", roles=["province_admin"])
    body = {
        "name": f"Hội đồng Thi đua – Khen thưởng tỉnh ({uuid4().hex[:4]})",
        "term_start": "2026-01-01",
        "term_end": "2030-12-31",
        "members": [
            {"subject": sub, "full_name": f"Thành viên {sub}", "title": "Ủy viên", "role": role}
            for sub, role in MEMBERS.items()
        ],
    }
    r = call(p, "awards", "POST", "/councils", admin, json=body)
    assert r.status_code == 201, r.text
    return r.json()["council_id"]


class Axe:
    """axe-core over each page as the test reaches it; the findings are asserted at the end."""

    def __init__(self) -> None:
        self.script = str(browser.ensure_axe(ROOT / ".state" / "vendor"))
        self.found: dict[str, list[str]] = {}

    def check(self, page: Page, name: str) -> None:
        self.found[name] = violations(page, self.script)

    def at_phone_width(self, page: Page, name: str) -> None:
        size = page.viewport_size
        page.set_viewport_size(PHONE)
        page.reload()
        self.check(page, f"{name}, điện thoại")
        width = page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"], f"{name} is {width}px wide on a phone"
        screenshot(page, f"{name}-dien-thoai")
        if size:
            page.set_viewport_size(size)

    def assert_clean(self) -> None:
        assert {page: v for page, v in self.found.items() if v} == {}


def today() -> date:
    return datetime.now(VIETNAM).date()


def screen_until_eligible(page: Page, considered: date) -> None:
    """The office screens; awards may still be reading the unit's rating from Kafka (R01 then
    finds none): the office screens again, as a clerk would once the rating is in."""
    deadline = time.monotonic() + 60
    while True:
        page.get_by_label("Ngày xét").fill(vn(considered))
        page.get_by_role("button", name="Thẩm định").click()
        expect(page.get_by_role("status")).to_have_text("Đã thẩm định hồ sơ.")
        if page.locator("[data-field=verdict]").inner_text() == "Đủ điều kiện":
            return
        assert time.monotonic() < deadline, page.locator("table.rules").inner_text()
        time.sleep(1)


def test_the_office_runs_a_nomination_to_a_decision_and_the_council_votes(
    chromium: Browser, web_url: str, platform: Profile
):
    _, unit, _ = campaign(platform)
    nid = nominate(platform, unit, "Nguyễn Thị Lan")
    other = nominate(platform, unit, "Trần Văn Minh")
    council = constitute_council(platform)
    axe = Axe()
    t = today()
    office, office_guard = guarded_page(chromium, web_url, bypass_csp=True)
    pages, guards = [office], [office_guard]
    try:
        sign_in(office, role="province_admin", name="ban-tdkt-xet")
        office.get_by_role("link", name="Xét khen thưởng").click()
        office.get_by_label("Năm thành tích").fill("2025")
        office.get_by_role("button", name="Xem").click()
        waiting = office.get_by_role("region", name="Đã gửi, chờ thẩm định, cuộn ngang được")
        # the test stack keeps earlier runs' nominations: this one is found by its link
        link = office.locator(f"a[href='/xet-khen-thuong/{nid}']")
        row = waiting.get_by_role("row").filter(has=link)
        expect(row).to_contain_text("Nguyễn Thị Lan")
        expect(row).to_contain_text("Lao động tiên tiến")
        axe.check(office, "xét khen thưởng")
        screenshot(office, "xet-khen-thuong")
        axe.at_phone_width(office, "xet-khen-thuong")

        # 1. screening, entered after the fact: the board's day 45 days ago
        link.click()
        expect(office.get_by_role("heading", level=1)).to_have_text("Nguyễn Thị Lan")
        expect(office.locator("[data-field=status]")).to_have_text("Đã gửi, chờ thẩm định")
        screened = t - timedelta(days=45)
        office.get_by_label("Ngày thẩm định").fill("31/02/2026")
        office.get_by_role("button", name="Thẩm định hồ sơ").click()
        expect(office.locator("#f-screened_on-error")).to_contain_text("ngày/tháng/năm")
        office.get_by_label("Ngày thẩm định").fill("")
        screen_until_eligible(office, screened)
        expect(office.locator("[data-field=status]")).to_have_text("Đã thẩm định")
        r01 = office.locator("tr[data-rule=R01]")
        expect(r01.get_by_role("rowheader")).to_have_text("Tiêu chuẩn Lao động tiên tiến (R01)")
        expect(r01).to_contain_text("Đạt")
        expect(r01.locator("td").nth(1)).to_contain_text("xếp loại hoàn thành tốt nhiệm vụ")
        expect(r01.locator("td").nth(2)).to_contain_text("Luật Thi đua, khen thưởng 06/2022/QH15")
        expect(
            office.locator("section", has_text="1. Thẩm định hồ sơ").locator("p.sub")
        ).to_contain_text(f"Ngày xét {vn(screened)} · ngày thẩm định {vn(screened)}")
        axe.check(office, "hồ sơ, thẩm định")
        screenshot(office, "ho-so-tham-dinh")

        # 2. public notice: a start before the screening is refused next to the field
        office.get_by_label("Ngày bắt đầu công khai").fill(vn(screened - timedelta(days=1)))
        office.get_by_role("button", name="Đưa ra công khai").click()
        expect(office.get_by_label("Ngày bắt đầu công khai")).to_have_attribute(
            "aria-invalid", "true"
        )
        expect(office.locator("#f-start_on-error")).to_contain_text("trước ngày thẩm định")
        axe.check(office, "hồ sơ, lỗi công khai")
        started = t - timedelta(days=40)
        office.get_by_label("Ngày bắt đầu công khai").fill(vn(started))
        office.get_by_role("button", name="Đưa ra công khai").click()
        expect(office.get_by_role("status")).to_have_text("Đã đưa hồ sơ ra công khai.")
        period = office.locator("[data-field=notice-period]")
        expect(period).to_contain_text(f"Từ {vn(started)} đến ")
        expect(period).to_contain_text("(10 ngày làm việc)")
        expect(office.locator("[data-field=notice-state]")).to_have_text(
            "Đã hết thời gian công khai"
        )

        # 3. the council's agenda: a new session of the council, today
        office.get_by_label("Mã hội đồng").fill(council)
        office.get_by_label("Tên phiên họp").fill("Phiên họp xét khen thưởng cuối năm")
        office.get_by_label("Ngày họp").fill(vn(t))
        office.get_by_role("button", name="Đưa ra Hội đồng xét").click()
        expect(office.get_by_role("status")).to_have_text(
            "Đã đưa hồ sơ vào chương trình phiên họp của Hội đồng."
        )
        expect(office.locator("[data-field=status]")).to_have_text("Đưa ra Hội đồng xét")
        expect(office.locator("[data-field=session-status]")).to_have_text("Chưa mở biểu quyết")
        session_url = office.get_by_role("link", name="Phiên họp xét khen thưởng cuối năm")
        session_path = session_url.get_attribute("href")
        assert session_path and session_path.startswith("/hoi-dong/phien/")

        # the objection forms, on another nomination whose notice runs from today
        office.goto(f"/xet-khen-thuong/{other}")
        screen_until_eligible(office, screened)
        office.get_by_role("button", name="Đưa ra công khai").click()
        expect(office.locator("[data-field=notice-state]")).to_have_text("Đang công khai")
        office.get_by_label("Ghi nhận ý kiến phản ánh nhận được").fill(
            "Ông Minh chưa hoàn thành việc đào tạo bắt buộc trong năm."
        )
        office.get_by_role("button", name="Ghi nhận ý kiến").click()
        expect(office.get_by_role("status")).to_have_text("Đã ghi nhận ý kiến phản ánh.")
        office.get_by_role("button", name="Ghi kết luận").click()
        expect(office.get_by_role("alert")).to_have_count(0)
        expect(office.get_by_text("Chọn kết luận: có cơ sở hoặc không có cơ sở.")).to_be_visible()
        office.get_by_label("Không có cơ sở, tiếp tục trình Hội đồng").check()
        office.get_by_label("Nội dung kết luận").fill("Đã xác minh: đã hoàn thành ngày 10/10.")
        office.get_by_role("button", name="Ghi kết luận").click()
        expect(office.get_by_role("status")).to_have_text("Đã ghi kết luận về ý kiến phản ánh.")
        expect(office.locator(".objection")).to_contain_text("Không có cơ sở — Đã xác minh")
        axe.check(office, "hồ sơ, công khai và ý kiến")
        screenshot(office, "ho-so-cong-khai")

        # 4. the council votes: the secretary opens, a member votes in the browser
        secretary, secretary_guard = guarded_page(chromium, web_url, bypass_csp=True)
        member, member_guard = guarded_page(chromium, web_url, bypass_csp=True)
        pages += [secretary, member]
        guards += [secretary_guard, member_guard]
        sign_in_council(secretary, "council_secretary", "hd-thu-ky", council)
        secretary.goto(session_path)
        secretary.get_by_role("button", name="Mở biểu quyết").click()
        expect(secretary.get_by_role("status")).to_have_text("Đã mở biểu quyết.")
        expect(secretary.locator("[data-field=session-status]")).to_contain_text(
            f"Đang biểu quyết (mở ngày {vn(t)})"
        )

        sign_in_council(member, "council_member", "hd-uy-vien", council)
        cast_ballot(member, session_path, axe)
        # the chair votes through the API (another client of the same ballot)
        chair = bearer(platform, sub="hd-chu-tich", roles=["council_member"], council_id=council)
        r = call(
            platform, "awards", "PUT", f"/sessions/{session_path.rsplit('/', 1)[1]}/ballot", chair,
            json={"choices": [{"nomination_id": nid, "choice": "yes"}]},
        )  # fmt: skip
        assert r.status_code == 204, r.text
        member.reload()
        expect(member.locator("[data-field=voted]")).to_have_text("2/3 thành viên")
        expect(member.locator("[data-result]")).to_have_count(0)  # no totals while voting

        secretary.reload()
        secretary.get_by_role("button", name="Kết thúc biểu quyết").click()
        expect(secretary.get_by_role("status")).to_have_text("Đã kết thúc biểu quyết.")
        result = secretary.locator(f"[data-result='{nid}']")
        expect(result).to_have_text(
            "Thông qua: 2 đồng ý, 0 không đồng ý, 0 không biểu quyết (cần 2 phiếu đồng ý)."
        )
        axe.check(secretary, "phiên họp, kết quả")
        screenshot(secretary, "hoi-dong-ket-qua")

        # 5. the decision: the province's chairman does not decide a department's LĐTT
        office.goto(f"/xet-khen-thuong/{nid}")
        expect(office.locator("[data-field=status]")).to_have_text("Hội đồng đã thông qua")
        expect(office.locator("[data-field=vote-result]")).to_contain_text("Thông qua")
        number = f"{uuid4().int % 10_000}/QĐ-STC"  # the test stack keeps earlier runs' decisions
        office.get_by_label("Số quyết định").fill(number)
        office.get_by_label("Ngày ký").fill(vn(t))
        office.get_by_label("Họ và tên người ký").fill("Lê Văn Hùng")
        office.get_by_label("Chức vụ người ký").fill("Giám đốc Sở Tài chính")
        office.get_by_role("button", name="Ban hành quyết định").click()
        expect(office.get_by_label("Thẩm quyền ký")).to_have_attribute("aria-invalid", "true")
        expect(office.locator("#f-signer_authority-error")).to_contain_text(
            "Chủ tịch UBND tỉnh không có thẩm quyền quyết định tặng “Lao động tiên tiến”"
        )
        axe.check(office, "hồ sơ, lỗi quyết định")
        office.get_by_label("Thẩm quyền ký").select_option("unit_head")
        office.get_by_label("Đơn vị của người ký").select_option(unit)
        office.get_by_role("button", name="Ban hành quyết định").click()
        expect(office.get_by_role("status")).to_have_text("Đã ban hành quyết định khen thưởng.")
        expect(office.locator("[data-field=status]")).to_have_text("Đã có quyết định khen thưởng")
        decision = office.locator("[data-field=decision]")
        expect(decision).to_contain_text(number)
        expect(decision).to_contain_text(vn(t))
        # LĐTT: 0,3 × the base salary in force (2.340.000 đ since 01/07/2024, Nghị định
        # 73/2024) = 702.000 đ, rounded up to the next 10.000 đ
        expect(decision).to_contain_text("2.340.000 đ")
        expect(office.locator("[data-field=amount]")).to_contain_text("710.000 đ")
        expect(office.locator("[data-field=amount]")).to_contain_text("0,3 lần lương cơ sở")
        axe.check(office, "hồ sơ, quyết định")
        screenshot(office, "ho-so-quyet-dinh")
        axe.at_phone_width(office, "ho-so-quyet-dinh")
    finally:
        for pg in pages:
            pg.context.close()
    assert [g.foreign for g in guards] == [[]] * len(guards)
    axe.assert_clean()


def sign_in_council(page: Page, role: str, name: str, council: str) -> None:
    page.goto("/dang-nhap")
    page.check(f"input[name=role][value={role}]")
    page.get_by_label("Tên đăng nhập").fill(name)
    page.get_by_label("Mã hội đồng").fill(council)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()


def cast_ballot(member: Page, session_path: str, axe: Axe) -> None:
    """The member reads the agenda, chooses, confirms; a second ballot (from a second tab that
    had the form open) is refused and says why."""
    expect(member.get_by_role("heading", level=1)).to_contain_text("Hội đồng Thi đua")
    axe.check(member, "hội đồng")
    screenshot(member, "hoi-dong")
    member.get_by_role("link", name="Phiên họp xét khen thưởng cuối năm").click()
    item = member.locator("section.card").filter(has_text="Nguyễn Thị Lan")
    expect(item).to_contain_text("Lao động tiên tiến")
    expect(item).to_contain_text("Đủ điều kiện, đạt")
    expect(item).to_contain_text("Không có ý kiến phản ánh trong thời gian công khai.")
    expect(member.locator("[data-field=my-ballot]")).to_have_text("Chưa bỏ phiếu")
    axe.check(member, "phiên họp, phiếu")
    screenshot(member, "hoi-dong-phien-hop")
    axe.at_phone_width(member, "hoi-dong-phien-hop")

    # nothing chosen: the page says so, nothing is sent
    member.get_by_role("button", name="Xem lại phiếu trước khi gửi").click()
    expect(member.get_by_role("alert")).to_have_text("Phiếu chưa đủ: mỗi hồ sơ cần một ý kiến.")

    second = member.context.new_page()
    second.goto(session_path)
    for pg in (member, second):
        choice = pg.get_by_role("group", name="Ý kiến của bạn về hồ sơ 1")
        choice.get_by_label("Đồng ý", exact=True).check()
        pg.get_by_role("button", name="Xem lại phiếu trước khi gửi").click()
        expect(pg.get_by_role("heading", level=1)).to_have_text("Xác nhận phiếu biểu quyết")
    expect(member.get_by_role("row").filter(has_text="Nguyễn Thị Lan")).to_contain_text("Đồng ý")
    axe.check(member, "xác nhận phiếu")
    screenshot(member, "hoi-dong-xac-nhan-phieu")
    member.get_by_role("button", name="Xác nhận và gửi phiếu").click()
    expect(member.get_by_role("status")).to_have_text(
        "Phiếu của bạn đã được ghi nhận. Kết quả chỉ được công bố khi kết thúc biểu quyết."
    )
    expect(member.locator("[data-field=my-ballot]")).to_have_text("Đã bỏ phiếu")
    expect(member.locator("[data-field=voted]")).to_have_text("1/3 thành viên")
    expect(member.get_by_role("button", name="Xem lại phiếu trước khi gửi")).to_have_count(0)

    second.get_by_role("button", name="Xác nhận và gửi phiếu").click()
    expect(second.get_by_role("alert")).to_contain_text(
        "Phiếu không được gửi: bạn đã bỏ phiếu trong phiên họp này"
    )
    expect(second.locator("[data-field=voted]")).to_have_text("1/3 thành viên")
    axe.check(second, "phiên họp, phiếu bị từ chối")
    second.close()
