"""The emulation office's pages beyond the dashboard, end to end in chromium on the real stack:
the campaign's progress over time (SVG and its table), exports, the unit tree around a merge,
and an import with its row-by-row report."""

from __future__ import annotations

import io
from uuid import uuid4

import pytest
from openpyxl import load_workbook
from playwright.sync_api import Page, expect

from demo.client import Platform
from infra.profile import Profile
from tests.web.conftest import campaign, screenshot, sign_in
from tests.web.test_bloc_pages import registrar
from tests.web.test_browser import wait_until_progress_knows

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


def test_the_office_sees_progress_over_time_and_exports_it(page: Page, platform: Profile):
    cid, unit, target = campaign(platform)
    wait_until_progress_knows(platform, target, unit)
    pf = Platform(platform)
    report = {"target_id": target, "value": 5300, "as_of": "2020-11-20"}
    pf.post("progress", "/reports", report, pf.officer("stc", unit))

    sign_in(page, role="province_admin", name="ban-tdkt-bieu-do")
    page.goto(f"/chien-dich/{cid}")
    page.get_by_role("link", name="Biểu đồ tiến độ, đơn vị về đích sớm và quá hạn").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tiến độ theo thời gian")
    chart = page.get_by_role("img", name="Tỷ lệ chỉ tiêu đã đạt (lũy kế) theo tháng")
    expect(chart).to_be_visible()
    expect(page.locator("svg desc")).to_contain_text("Đến 31/12/2020: 1/1 chỉ tiêu đã đạt")
    rows = page.get_by_role("region", name="Số liệu theo tháng, cuộn ngang được")
    expect(rows.get_by_role("row")).to_have_count(13)  # the header and the twelve months
    expect(rows.locator("[data-day='2020-10-31']")).to_contain_text("0/1")
    expect(rows.locator("[data-day='2020-11-30']")).to_contain_text("1/1")
    expect(rows.locator("[data-day='2020-11-30']")).to_contain_text("100 %")
    early = page.locator("section", has=page.get_by_role("heading", name="Đơn vị về đích sớm"))
    expect(early).to_contain_text("Sở Tài chính: đạt hết 1 chỉ tiêu ngày 20/11/2020")
    screenshot(page, "bieu-do-tien-do")

    with page.expect_download() as download:
        page.get_by_role("link", name="Tải bảng theo dõi (CSV)").click()
    text = download.value.path().read_text(encoding="utf-8-sig")
    header, *lines = text.splitlines()
    assert header.startswith("Mã đơn vị;Tên đơn vị;Số chỉ tiêu;Đã đạt")
    assert lines == [f"{lines[0].split(';')[0]};Sở Tài chính;1;1;1;100;Có"], lines

    # the registry's workbook of the campaign's targets, through the web application
    got = page.request.get(f"/xuat-du-lieu/targets.xlsx?phong_trao={cid}")
    assert got.status == 200, got.text()
    sheet = load_workbook(io.BytesIO(got.body())).active
    assert any(
        "Tổng thu ngân sách" in [str(c) for c in row] for row in sheet.iter_rows(values_only=True)
    )


def test_the_unit_tree_as_of_two_days_around_a_merge(page: Page, platform: Profile):
    pf = Platform(platform)
    sfx = uuid4().hex[:6].upper()
    unit = registrar(pf, sfx)

    province = unit("T98", "Ủy ban nhân dân tỉnh Cà Mau", "provincial_committee", "province", None)
    a = unit("X-A", "Xã Tân Hưng", "commune", "commune", province)
    b = unit("X-B", "Xã Tân Hưng Đông", "commune", "commune", province)
    merged = pf.post(
        "registry",
        "/units/merges",
        {"merged_unit_ids": [a, b], "effective_on": "2025-07-01",
         "reason": "Sắp xếp đơn vị hành chính",
         "successor": {"code": f"X-C.{sfx}", "name": "Xã Tân Hưng mới", "kind": "commune",
                       "level": "commune", "parent_id": province}},
        pf.admin,
    )  # fmt: skip
    (c,) = [u["unit_id"] for u in merged["registered"]]

    sign_in(page, role="province_admin", name="ban-tdkt-cay")
    page.get_by_role("link", name="Cây đơn vị").click()
    page.get_by_label("Xem cây đơn vị ngày").fill("30/06/2025")
    page.get_by_label("So với ngày").fill("01/01/2025")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cây đơn vị ngày 30/06/2025")
    tree = page.get_by_role("region", name="Cây đơn vị, cuộn ngang được")
    expect(tree.locator(f"[data-unit='{a}']")).to_contain_text("Xã Tân Hưng")
    expect(tree.locator(f"[data-unit='{b}']")).to_be_visible()
    expect(tree.locator(f"[data-unit='{c}']")).to_have_count(0)

    page.get_by_label("Xem cây đơn vị ngày").fill("01/07/2025")
    page.get_by_label("So với ngày").fill("30/06/2025")
    page.get_by_role("button", name="Xem").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Cây đơn vị ngày 01/07/2025")
    expect(tree.locator(f"[data-unit='{c}']")).to_contain_text("Xã Tân Hưng mới")
    expect(tree.locator(f"[data-unit='{a}']")).to_have_count(0)
    changes = page.locator("[data-changes]")
    expect(changes.locator(f"[data-unit='{c}']")).to_contain_text("Mới: Xã Tân Hưng mới")
    expect(changes.locator(f"[data-unit='{c}']")).to_contain_text(
        "hình thành từ Xã Tân Hưng, Xã Tân Hưng Đông"
    )
    expect(changes.locator(f"[data-unit='{a}']")).to_contain_text("Không còn: Xã Tân Hưng")
    expect(changes.locator(f"[data-unit='{a}']")).to_contain_text(
        "hợp nhất ngày 01/07/2025 vào Xã Tân Hưng mới"
    )
    screenshot(page, "cay-don-vi")

    page.get_by_label("Xem cây đơn vị ngày").fill("31/02/2025")
    page.get_by_role("button", name="Xem").click()
    expect(page.locator("#ngay-error")).to_contain_text("ngày/tháng/năm")


def test_an_import_shows_its_row_by_row_report(page: Page, platform: Profile):
    cid, unit, target = campaign(platform)
    wait_until_progress_knows(platform, target, unit)
    pf = Platform(platform)
    code = pf.get("registry", f"/campaigns/{cid}", pf.admin)["code"]
    unit_code = pf.get("registry", f"/units/{unit}", pf.admin)["code"]
    csv = (
        "Mã đợt thi đua;Mã đơn vị;Tên chỉ tiêu;Giá trị;Số liệu đến ngày;Số hiệu báo cáo\n"
        f"{code};{unit_code};Tổng thu ngân sách;5300;20/11/2020;BC-01/{unit_code}\n"
        f"{code};{unit_code};Tổng thu ngân sách;năm nghìn;30/11/2020;BC-02/{unit_code}\n"
    ).encode()

    sign_in(page, role="province_admin", name="ban-tdkt-nhap")
    page.get_by_role("link", name="Nhập dữ liệu").click()
    page.get_by_role("button", name="Nhập dữ liệu").click()  # nothing chosen: both named
    expect(page.locator("#kind-error")).to_have_text("Hãy chọn loại dữ liệu cần nhập.")
    expect(page.locator("#file-error")).to_contain_text("Hãy chọn tệp")

    page.get_by_label("Loại dữ liệu").select_option("reports")
    page.get_by_label("Tệp cần nhập").set_input_files(
        {"name": "bao-cao.csv", "mimeType": "text/csv", "buffer": csv}
    )
    page.get_by_role("button", name="Nhập dữ liệu").click()
    state = page.locator("[data-import-state]")
    expect(state).to_have_attribute("data-import-state", "refused", timeout=30_000)
    expect(state).to_contain_text("Không nhập")
    expect(page.locator("[data-figure=rows]")).to_have_text("2")
    expect(page.locator("[data-figure=invalid]")).to_have_text("1")
    expect(page.locator("[data-figure=imported]")).to_have_text("0")
    bad = page.locator("[data-row='3']")
    expect(bad.get_by_role("cell").first).to_have_text("Giá trị")
    expect(bad.get_by_role("cell").nth(1)).to_have_text("Phải là số")
    screenshot(page, "nhap-du-lieu-loi")

    page.get_by_role("link", name="Nhập tệp khác").click()
    page.get_by_label("Loại dữ liệu").select_option("reports")
    page.get_by_label("Tệp cần nhập").set_input_files(
        {"name": "bao-cao.csv", "mimeType": "text/csv", "buffer": csv}
    )
    page.get_by_label("Nhập các dòng hợp lệ, bỏ qua dòng lỗi").check()
    page.get_by_role("button", name="Nhập dữ liệu").click()
    expect(state).to_have_attribute("data-import-state", "ok", timeout=30_000)
    expect(state).to_have_text("Đã nhập xong.")
    expect(page.locator("[data-figure=imported]")).to_have_text("1")
    expect(page.locator("[data-row='3']")).to_be_visible()  # the bad row is still reported
    history = pf.get("progress", f"/targets/{target}/reports", pf.admin)
    assert [r["value"] for r in history["reports"]] == [5300]
    screenshot(page, "nhap-du-lieu")
