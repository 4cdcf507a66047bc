"""The office screens a campaign's nominations together in chromium on the real stack, where a
quota makes the difference: under the 2013 rules a unit's Chiến sĩ thi đua cơ sở may be at most
15 % of its people who attained Lao động tiên tiến (R02-2013). Seven people of a fresh unit are
proposed for LĐTT 2023 under the campaign, an eighth outside it, and two of the seven for
CSTĐCS with an initiative each: the campaign's batch takes in the eighth (the same unit's cap),
the eight LĐTT conferred in the batch give the unit 8 × 15 % = 1 place, the first CSTĐCS takes
it and the second is refused by the quota. Screened alone, a CSTĐCS would count no LĐTT (none
on record yet) and get no place at all: the one-nomination page does not offer that screening.

The people, ratings, initiatives and nominations are set up through the public APIs (a unit's
work); every page is watched by the no-other-host guard and checked by axe-core."""

from __future__ import annotations

import time
from datetime import timedelta
from uuid import uuid4

import pytest
from playwright.sync_api import Browser, Page, expect

from infra.profile import Profile
from tests.web.conftest import bearer, campaign, guarded_page, screenshot, sign_in
from tests.web.test_council import (
    Axe,
    call,
    constitute_council,
    rated_person,
    today,
    until_created,
    vn,
)

pytestmark = [pytest.mark.infra, pytest.mark.timeout(420)]

DOCUMENTS = ("submission", "achievement_report", "review_minutes")
NAMES = (
    "Lê Thị An",
    "Phạm Thị Bình",
    "Võ Thị Cúc",
    "Đặng Thị Dung",
    "Hồ Thị Giang",
    "Bùi Thị Hạnh",
    "Ngô Thị Khánh",
)
OUTSIDE = "Trương Thị Lụa"


def proposals(p: Profile, campaign_id: str, unit: str) -> dict[str, dict[str, str]]:
    """Seven people of the unit rated HTTNV in 2023, each proposed for LĐTT; the first two also
    for CSTĐCS with an initiative of theirs recognised in 2023. Returns name → award → id."""
    officer = bearer(p, sub="web-test-officer", roles=["unit_officer"], unit_id=unit)
    ids: dict[str, dict[str, str]] = {}
    for i, name in enumerate(NAMES):
        pid = rated_person(p, unit, name, 2023)

        def nominate(code: str, extra: tuple[str, ...] = (), **more: object) -> str:
            body = {
                "nominee": {"kind": "person", "id": pid},  # noqa: B023
                "award_code": code,
                "year": 2023,
                "proposer_unit_id": unit,
                "campaign_id": campaign_id,
                "documents": [
                    {"type": kind, "ref": f"urn:stc:{code.lower()}-2023:{pid[:8]}:{kind}"}  # noqa: B023
                    for kind in (*DOCUMENTS, *extra)
                ],
                **more,
            }
            return until_created(p, "awards", "/nominations", officer, body)["nomination_id"]

        ids[name] = {"LDTT": nominate("LDTT")}
        if i < 2:
            initiative = until_created(
                p, "progress", "/initiatives", officer,
                {"title": f"Sáng kiến của {name}", "level": "grassroots",
                 "recognised_on": "2023-05-20", "author_ids": [pid], "unit_id": unit},
            )  # fmt: skip
            ids[name]["CSTDCS"] = nominate(
                "CSTDCS",
                ("initiative_certificate",),
                initiative_ids=[initiative["initiative_id"]],
            )
    # an eighth, proposed outside the campaign: the same unit's LĐTT of the year all the same
    pid = rated_person(p, unit, OUTSIDE, 2023)
    body = {
        "nominee": {"kind": "person", "id": pid},
        "award_code": "LDTT",
        "year": 2023,
        "proposer_unit_id": unit,
        "documents": [{"type": k, "ref": f"urn:stc:ldtt-2023:{pid[:8]}:{k}"} for k in DOCUMENTS],
    }
    ids[OUTSIDE] = {
        "LDTT": until_created(p, "awards", "/nominations", officer, body)["nomination_id"]
    }
    return ids


def screen_the_batch_until_the_ratings_are_in(page: Page, ldtt: list[str]) -> None:
    """The office screens the batch on a day 45 days ago (entered after the fact); awards may
    still be reading the ratings from Kafka (R01 then finds none): it screens again, as a clerk
    would once they are in."""
    deadline = time.monotonic() + 90
    while True:
        page.get_by_label("Ngày xét").fill(vn(today() - timedelta(days=45)))
        page.get_by_role("button", name="Xét duyệt cả đợt").click()
        results = page.get_by_role("region", name="Kết quả xét duyệt cả đợt, cuộn ngang được")
        expect(results).to_be_visible()
        verdicts = [
            results.locator(f"tr[data-nomination='{n}'] [data-field=verdict]").inner_text()
            for n in ldtt
        ]
        if verdicts == ["Đủ điều kiện"] * len(ldtt):
            return
        assert time.monotonic() < deadline, results.inner_text()
        time.sleep(1)


def test_the_office_screens_a_batch_and_the_quota_refuses_the_second_cstdcs(
    chromium: Browser, web_url: str, platform: Profile
):
    campaign_id, unit, _ = campaign(platform)
    ids = proposals(platform, campaign_id, unit)
    first, second = ids[NAMES[0]]["CSTDCS"], ids[NAMES[1]]["CSTDCS"]
    axe = Axe()
    office, guard = guarded_page(chromium, web_url, bypass_csp=True)
    try:
        sign_in(office, role="province_admin", name="ban-tdkt-ca-dot")
        office.goto("/xet-khen-thuong")
        office.get_by_label("Phong trào thi đua").select_option(campaign_id)
        office.get_by_role("button", name="Xem").click()
        batch = office.locator(
            "section", has=office.get_by_role("heading", name="Xét duyệt cả đợt")
        )
        expect(batch).to_contain_text("Thẩm định cùng một lần 9 hồ sơ đang chờ thẩm định")
        axe.check(office, "xét cả đợt")

        # alone, a CSTĐCS would count none of the LĐTT screened with it: not offered
        office.locator(f"a[href='/xet-khen-thuong/{second}']").click()
        expect(office.locator("[data-field=only-batch]")).to_contain_text(
            "9 hồ sơ khác cùng năm đang chờ thẩm định"
        )
        expect(office.get_by_role("button", name="Thẩm định hồ sơ")).to_have_count(0)
        axe.check(office, "hồ sơ chỉ xét cả đợt")
        # nor taken if sent anyway (an old tab's form): the page says why, nothing is screened
        csrf = office.locator("input[name=csrf]").first.input_value()
        sent = office.request.post(f"/xet-khen-thuong/{second}/tham-dinh", form={"csrf": csrf})
        assert sent.status == 422 and "phải được xét cùng đợt" in sent.text()
        office.reload()
        expect(office.locator("[data-field=status]")).to_have_text("Đã gửi, chờ thẩm định")
        # an LĐTT's own verdict depends on no other nomination: it may still be screened alone
        office.goto(f"/xet-khen-thuong/{ids[NAMES[6]]['LDTT']}")
        expect(office.get_by_role("button", name="Thẩm định hồ sơ")).to_be_visible()
        office.go_back()
        office.go_back()

        ldtt = [ids[name]["LDTT"] for name in (*NAMES, OUTSIDE)]
        screen_the_batch_until_the_ratings_are_in(office, ldtt)
        expect(office.locator("[data-field=added]")).to_contain_text("Đã xét cùng 1 hồ sơ")
        results = office.get_by_role("region", name="Kết quả xét duyệt cả đợt, cuộn ngang được")
        won = results.locator(f"tr[data-nomination='{first}']")
        lost = results.locator(f"tr[data-nomination='{second}']")
        expect(won.locator("[data-field=verdict]")).to_have_text("Đủ điều kiện")
        expect(won.locator("[data-field=quota]")).to_have_text(
            "Trong hạn mức Tiêu chuẩn Chiến sĩ thi đua cơ sở (R02-2013): 1 suất = 15 % của 8 "
            "Lao động tiên tiến của đơn vị (8 đạt trong đợt này), đã có 0 trên hồ sơ, "
            "thứ tự xét 1."
        )
        expect(lost.locator("[data-field=verdict]")).to_have_text("Chưa đủ điều kiện")
        expect(lost.locator("[data-field=quota]")).to_contain_text(
            "Vượt hạn mức Tiêu chuẩn Chiến sĩ thi đua cơ sở (R02-2013): 1 suất"
        )
        expect(lost.locator("[data-field=quota]")).to_contain_text("thứ tự xét 2.")
        expect(lost.locator("p")).to_have_count(1)  # the quota, said once
        axe.check(office, "kết quả xét cả đợt")
        screenshot(office, "xet-ca-dot")
        axe.at_phone_width(office, "xet-ca-dot")

        # the refused one's page says its verdict came from the batch, and which quota decided
        office.goto(f"/xet-khen-thuong/{second}")
        expect(office.locator("[data-field=verdict]")).to_have_text("Chưa đủ điều kiện")
        expect(office.locator("[data-field=batch]")).to_contain_text(
            "hồ sơ được thẩm định cùng 9 hồ sơ khác"
        )
        expect(office.locator("[data-field=quota]")).to_contain_text(
            "Vượt hạn mức Tiêu chuẩn Chiến sĩ thi đua cơ sở (R02-2013): 1 suất, "
            "đã có 0 trên hồ sơ, thứ tự xét 2."
        )
        axe.check(office, "hồ sơ xét cả đợt")

        # one notice for the eight eligible, ticked on the list (none ticked is refused)
        office.goto(f"/xet-khen-thuong?chien_dich={campaign_id}")
        office.get_by_role("button", name="Đưa các hồ sơ đã chọn ra công khai").click()
        expect(office.get_by_role("alert")).to_have_text("Chọn ít nhất một hồ sơ trong danh sách.")
        eligible = [(name, "Lao động tiên tiến") for name in NAMES]
        eligible.append((NAMES[0], "Chiến sĩ thi đua cơ sở"))
        for name, award in eligible:
            office.get_by_label(f"Chọn hồ sơ của {name} ({award})").check()
        expect(
            office.get_by_label(f"Chọn hồ sơ của {NAMES[1]} (Chiến sĩ thi đua cơ sở)")
        ).to_have_count(0)
        office.get_by_label("Ngày bắt đầu công khai").fill(vn(today() - timedelta(days=40)))
        axe.check(office, "công khai nhiều hồ sơ")
        office.get_by_role("button", name="Đưa các hồ sơ đã chọn ra công khai").click()
        expect(office.get_by_role("status")).to_have_text(
            "Đã đưa 8 hồ sơ ra công khai trong một thông báo."
        )
        chosen = [ids[name]["LDTT"] for name in NAMES] + [first]
        approve(platform, chosen)

        # one decision for the eight: the province's chairman may not sign it, the unit's head does
        office.reload()
        approved = office.get_by_role("region", name="Hội đồng đã thông qua, cuộn ngang được")
        expect(approved.get_by_role("checkbox")).to_have_count(8)
        for box in approved.get_by_role("checkbox").all():
            box.check()
        office.get_by_label("Số quyết định").fill(f"{uuid4().int % 10_000}/QĐ-STC")
        office.get_by_label("Ngày ký").fill(vn(today()))
        office.get_by_label("Họ và tên người ký").fill("Lê Văn Hùng")
        office.get_by_label("Chức vụ người ký").fill("Giám đốc Sở Tài chính")
        office.get_by_role("button", name="Ban hành quyết định cho các hồ sơ đã chọn").click()
        expect(office.get_by_role("alert").first).to_contain_text("không có thẩm quyền")
        axe.check(office, "quyết định nhiều hồ sơ, lỗi")
        office.get_by_label("Thẩm quyền ký").select_option("unit_head")
        office.get_by_label("Đơn vị của người ký").select_option(unit)
        office.get_by_role("button", name="Ban hành quyết định cho các hồ sơ đã chọn").click()
        expect(office.get_by_role("status")).to_have_text(
            "Đã ban hành một quyết định khen thưởng cho 8 hồ sơ."
        )
        decided = office.get_by_role("region", name="Đã có quyết định khen thưởng, cuộn ngang được")
        expect(decided.get_by_role("row")).to_have_count(9)  # the header and the eight
        office.goto(f"/xet-khen-thuong/{first}")
        expect(office.locator("[data-field=status]")).to_have_text("Đã có quyết định khen thưởng")
    finally:
        office.context.close()
    axe.assert_clean()
    assert not guard.foreign, f"pages requested other hosts: {guard.foreign}"


def approve(p: Profile, nominations: list[str]) -> None:
    """The council (constituted through the API: the application has no page for it) puts the
    nominations on a session's agenda today, and two of its three members approve them."""
    council = constitute_council(p)
    admin = bearer(p, sub="web-test-admin", roles=["province_admin"])
    session = call(
        p, "awards", "POST", f"/councils/{council}/sessions", admin,
        json={"title": "Phiên họp xét cả đợt", "held_on": today().isoformat()},
    )  # fmt: skip
    assert session.status_code == 201, session.text
    sid = session.json()["session_id"]
    agenda = call(
        p, "awards", "POST", f"/sessions/{sid}/agenda", admin, json={"nomination_ids": nominations}
    )
    assert agenda.status_code in (200, 201), agenda.text
    secretary = bearer(p, sub="hd-thu-ky", roles=["council_secretary"], council_id=council)
    opened = call(p, "awards", "POST", f"/sessions/{sid}/open", secretary, json={})
    assert opened.status_code in (200, 204), opened.text
    for sub in ("hd-chu-tich", "hd-uy-vien"):
        member = bearer(p, sub=sub, roles=["council_member"], council_id=council)
        choices = [{"nomination_id": n, "choice": "yes"} for n in nominations]
        r = call(p, "awards", "PUT", f"/sessions/{sid}/ballot", member, json={"choices": choices})
        assert r.status_code == 204, r.text
    closed = call(p, "awards", "POST", f"/sessions/{sid}/close", secretary, json={})
    assert closed.status_code in (200, 204), closed.text
