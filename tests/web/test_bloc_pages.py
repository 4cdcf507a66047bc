"""A bloc head's standings page, end to end in chromium on the real stack: the scoring explained,
the page updating itself when a member reports, and the head's acts (a tie refused, then the
leader determined)."""

from __future__ import annotations

from collections.abc import Callable
from uuid import uuid4

import pytest
from playwright.sync_api import Page, expect

from demo.client import Platform, poll
from infra.profile import Profile
from tests.web.conftest import screenshot, sign_in

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


def registrar(pf: Platform, sfx: str) -> Callable[..., str]:
    """unit(code, name, kind, level, parent) registers a unit from 2015, its code suffixed."""

    def unit(code: str, name: str, kind: str, level: str, parent: str | None) -> str:
        body = {"code": f"{code}.{sfx}", "name": name, "kind": kind, "level": level,
                "valid_from": "2015-01-01", "parent_id": parent}  # fmt: skip
        return pf.post("registry", "/units", body, pf.admin)["unit_id"]

    return unit


def a_cluster(p: Profile) -> dict[str, str]:
    """A cluster of three communes for 2025, Tân Hưng its head, each with a year target in a
    launched campaign, known to progress. Returns the ids by name."""
    pf = Platform(p)
    sfx = uuid4().hex[:6].upper()
    unit = registrar(pf, sfx)

    ids = {"province": unit("T97", "Ủy ban nhân dân tỉnh Cà Mau", "provincial_committee",
                            "province", None)}  # fmt: skip
    for key, name in (("a", "Xã Tân Hưng"), ("b", "Xã Tân Hưng Đông"), ("d", "Xã Phú Tân")):
        ids[key] = unit(f"X-{key.upper()}", name, "commune", "commune", ids["province"])
    ids["bloc"] = pf.post(
        "registry",
        "/blocs",
        {"code": f"CUM-W.{sfx}", "name": "Cụm thi đua các xã số 2", "kind": "cluster",
         "year": 2025, "member_unit_ids": [ids["a"], ids["b"], ids["d"]],
         "formed_on": "2025-01-01", "head_unit_id": ids["a"]},
        pf.admin,
    )["bloc_id"]  # fmt: skip
    campaign = pf.post(
        "registry",
        "/campaigns",
        {"code": f"TD-W-2025.{sfx}", "title": "Phong trào thi đua năm 2025",
         "theme": "Về đích sớm", "kind": "regular", "start": "2025-01-01",
         "end": "2025-12-31", "launched_by": ids["province"], "bloc_ids": [ids["bloc"]]},
        pf.admin,
    )["campaign_id"]  # fmt: skip
    for key in ("a", "b", "d"):
        body = {"unit_id": ids[key], "name": "Thu ngân sách năm 2025", "metric": "Thu ngân sách",
                "unit_of_measure": "tỷ đồng", "target_value": 100,
                "direction": "higher_is_better", "deadline": "2025-12-31"}  # fmt: skip
        t = pf.post("registry", f"/campaigns/{campaign}/targets", body, pf.admin)
        ids[f"target_{key}"] = t["target_id"]
    pf.post("registry", f"/campaigns/{campaign}/launch", {}, pf.admin)
    standings = f"/blocs/{ids['bloc']}/years/2025/standings"

    def known() -> bool:
        r = pf.call("progress", "GET", standings, who=pf.admin, ok=(200, 404))
        return r.status_code == 200 and len(r.json()["ranking"]) == 3

    poll("progress to rank the cluster's three communes", known, timeout=120)
    return ids


def test_a_bloc_head_reads_the_standings_explained_live_and_determines_the_leader(
    page: Page, platform: Profile
):
    ids = a_cluster(platform)
    sign_in(page, role="unit_officer", name="khoi-truong", unit_id=ids["a"])
    page.goto("/khoi?nam=2025")
    item = page.get_by_role("listitem").filter(has_text="Cụm thi đua các xã số 2")
    expect(item).to_contain_text("Đơn vị của bạn là khối trưởng")
    item.get_by_role("link").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Cụm thi đua các xã số 2")
    rules = page.locator("section", has=page.get_by_role("heading", name="Cách tính điểm"))
    expect(rules).to_contain_text("Mức hoàn thành chỉ tiêu")
    expect(rules).to_contain_text("hệ số")
    expect(rules).to_contain_text("kết quả suy tôn của các thành viên quyết định")
    table = page.get_by_role("region", name="Bảng xếp hạng, cuộn ngang được")
    expect(table.get_by_role("row")).to_have_count(4)  # the header and three communes
    # nobody has reported: three communes share first place and no vote decides
    leader = page.locator("[data-figure=leader]")
    expect(leader).to_contain_text("3 đơn vị cùng hạng nhất")
    expect(leader).to_contain_text("chưa có phiếu suy tôn")
    page.get_by_role("button", name="Xác định đơn vị dẫn đầu").click()
    expect(page.get_by_role("alert")).to_contain_text("Chưa xác định được đơn vị dẫn đầu")
    expect(page.get_by_role("alert")).to_contain_text("ghi nhận kết quả suy tôn")
    # the members' vote: a count that is not a whole number is named, then the vote recorded
    page.get_by_label("Xã Phú Tân").fill("năm")
    page.get_by_role("button", name="Ghi nhận kết quả suy tôn").click()
    expect(page.get_by_role("alert")).to_contain_text("Số phiếu phải là số nguyên")
    expect(page.get_by_role("alert")).to_contain_text("Xã Phú Tân")
    page.get_by_label("Xã Phú Tân").fill("5")
    page.get_by_label("Xã Tân Hưng", exact=True).fill("3")
    page.get_by_role("button", name="Ghi nhận kết quả suy tôn").click()
    expect(page.get_by_role("status")).to_have_text("Đã ghi nhận kết quả suy tôn.")
    expect(page.get_by_text("Kết quả suy tôn:")).to_contain_text("Xã Phú Tân 5 phiếu")
    expect(leader).to_contain_text("Xã Phú Tân (5 phiếu suy tôn)")
    # bonus points, with their reason: a count that is no number is refused first
    page.get_by_label("Đơn vị", exact=True).select_option(ids["d"])
    page.get_by_label("Số điểm").fill("hai")
    page.get_by_role("button", name="Ghi điểm").click()
    expect(page.get_by_role("alert")).to_contain_text("nhập số điểm lớn hơn 0")
    expect(page.get_by_role("alert")).to_contain_text("ghi lý do")
    page.get_by_label("Đơn vị", exact=True).select_option(ids["d"])
    page.get_by_label("Số điểm").fill("1,5")
    page.get_by_label("Lý do").fill("Tổ chức tốt hội thi cấp cụm")
    page.get_by_role("button", name="Ghi điểm").click()
    expect(page.get_by_role("status")).to_contain_text("Đã ghi điểm thưởng")
    expect(
        page.get_by_text("Xã Phú Tân: thưởng 1,5 điểm — Tổ chức tốt hội thi cấp cụm")
    ).to_be_visible()
    screenshot(page, "khoi-bang-diem")

    board = page.locator("#standings")
    expect(board).to_have_attribute("data-live-state", "open")
    page.evaluate("window.__notReloaded = true")
    # Tân Hưng Đông reports its year target met, through the API as any client would
    pf = Platform(platform)
    pf.post(
        "progress",
        "/reports",
        {"target_id": ids["target_b"], "value": 120, "as_of": "2025-10-31",
         "submitted_on": "2025-11-03"},
        pf.admin,
    )  # fmt: skip
    first = table.get_by_role("row").nth(1)
    expect(first).to_contain_text("Xã Tân Hưng Đông", timeout=30_000)
    expect(first.get_by_role("cell").first).to_have_text("1")
    expect(leader).to_contain_text("Xã Tân Hưng Đông đứng hạng nhất một mình")
    second = table.get_by_role("row").nth(2)  # the bonus counts in Phú Tân's total
    expect(second).to_contain_text("Xã Phú Tân")
    expect(second.locator("[data-figure=score]")).to_have_text("1,5")
    assert page.evaluate("window.__notReloaded") is True, "the page was reloaded"
    screenshot(page, "khoi-cap-nhat")

    page.get_by_role("button", name="Xác định đơn vị dẫn đầu").click()
    expect(page.get_by_role("status")).to_have_text("Đã xác định đơn vị dẫn đầu.")
    expect(leader).to_contain_text("Đã xác định: Xã Tân Hưng Đông")


def test_a_member_that_is_not_the_head_reads_without_the_heads_acts(page: Page, platform: Profile):
    ids = a_cluster(platform)
    sign_in(page, role="unit_officer", name="thanh-vien", unit_id=ids["d"])
    page.goto(f"/khoi/{ids['bloc']}/2025")
    expect(page.get_by_role("heading", level=1)).to_have_text("Cụm thi đua các xã số 2")
    expect(page.get_by_role("button", name="Xác định đơn vị dẫn đầu")).to_have_count(0)
