"""The procedure from submission to decision, driven through the HTTP API: used by the API test
(read model fed directly) and by the test on the real bus."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

from tests.awards.conftest import Awards
from tests.awards.world import World, history_csv, nominations

MEMBERS = [
    ("chu-tich", "Nguyễn Văn Chủ", "Chủ tịch UBND tỉnh", "chair"),
    ("pho-chu-tich", "Trần Thị Phó", "Phó Chủ tịch UBND tỉnh", "vice_chair"),
    ("thu-ky", "Lê Văn Ký", "Giám đốc Sở Nội vụ", "secretary"),
    ("uy-vien-1", "Phạm Văn Một", "Chủ tịch Liên đoàn Lao động tỉnh", "member"),
    ("uy-vien-2", "Võ Thị Hai", "Chủ tịch Hội Liên hiệp Phụ nữ tỉnh", "member"),
]

# expected award money, by the base salary at the decision date
MONEY = {
    "2013": {"base": 1_490_000, "CSTDCS": 1_490_000, "TTLDXS": 2_240_000, "CO_TINH": 11_920_000},
    "2022": {"base": 2_340_000, "CSTDCS": 2_340_000, "TTLDXS": 3_510_000, "CO_TINH": 18_720_000},
}


@dataclass
class Flow:
    world: World
    ids: dict[str, str] = field(default_factory=dict)
    verdicts: dict[str, str] = field(default_factory=dict)
    council_id: str = ""
    session_id: str = ""
    decision: dict[str, Any] = field(default_factory=dict)
    """The province's decision (chairman of the provincial committee)."""
    unit_decision: dict[str, Any] = field(default_factory=dict)
    """Sở Tài chính's decision (its director): the grassroots titles of its people."""
    approved: set[str] = field(default_factory=set)
    rejected: set[str] = field(default_factory=set)


async def run(awards: Awards, w: World, dedications: dict[str, str] | None = None) -> Flow:
    """Submission → screening → public notice → council vote → decision, as the unit, the board,
    the council and its secretary would do it. Returns what happened. `dedications`: the occasion
    id some nominations (by key) are dedicated to."""
    f = Flow(w)
    y = w.year
    awards.today(date(y, 12, 10))
    res = await awards.client.post(
        "/award-history/imports", content=history_csv(w), headers=awards.admin
    )
    assert res.status_code == 200, res.text

    # 1. the unit submits its nominations; the province proposes its bloc leader for the flag
    for key, body in nominations(w).items():
        if dedications and key in dedications:
            body = {**body, "occasion_id": dedications[key]}
        headers = awards.admin if key == "stc_co_tinh" else awards.officer(w.stc)
        res = await awards.post("/nominations", body, headers=headers, expect=201)
        f.ids[key] = res.json()["nomination_id"]

    # 2. the board screens the year's nominations together
    res = await awards.post("/screenings", {"year": y}, expect=200)
    for x in res.json()["results"]:
        key = next(k for k, v in f.ids.items() if v == x["nomination_id"])
        f.verdicts[key] = x["verdict"]
    eligible = [f.ids[k] for k, v in f.verdicts.items() if v == "eligible"]

    # 3. public notice of the eligible ones; an objection comes in and is dismissed
    notice = await awards.post(
        "/notices",
        {"title": f"Công khai danh sách đề nghị khen thưởng năm {y}", "nomination_ids": eligible},
        expect=201,
    )
    notice = notice.json()
    assert notice["running"] and notice["working_days"] == 10
    objection = await awards.post(
        f"/notices/{notice['notice_id']}/objections",
        {"nomination_id": eligible[0], "content": "Đề nghị xác minh lại số liệu báo cáo."},
        expect=201,
    )
    await awards.post(
        f"/objections/{objection.json()['id']}/resolution",
        {"outcome": "dismissed", "resolution": "Đã xác minh: số liệu đúng."},
        expect=204,
    )

    # 4. the council, a session after the notice, the agenda
    res = await awards.post(
        "/councils",
        {
            "name": "Hội đồng Thi đua – Khen thưởng tỉnh Cà Mau",
            "term_start": f"{y - 1}-01-01",
            "term_end": f"{y + 4}-12-31",
            "members": [
                {"subject": s, "full_name": n, "title": t, "role": r} for s, n, t, r in MEMBERS
            ],
        },
        expect=201,
    )
    council = res.json()
    f.council_id = council["council_id"]
    member_ids = {m["subject"]: m["member_id"] for m in council["members"]}
    after = date.fromisoformat(notice["end_on"]) + timedelta(days=1)
    awards.today(after)
    secretary = awards.secretary(f.council_id)
    res = await awards.post(
        f"/councils/{f.council_id}/sessions",
        {"title": f"Phiên họp xét khen thưởng năm {y}", "held_on": after.isoformat()},
        headers=secretary,
        expect=201,
    )
    f.session_id = res.json()["session_id"]
    res = await awards.post(
        f"/sessions/{f.session_id}/agenda",
        {"nomination_ids": eligible},
        headers=secretary,
        expect=200,
    )
    thresholds = {i["nomination_id"]: i["threshold"] for i in res.json()["agenda"]}
    assert thresholds[f.ids["an_cstd_tinh"]] == 0.9
    # the second member is absent: marked so before the vote, their ballot is a written one
    await awards.put(
        f"/sessions/{f.session_id}/attendance",
        {"absent": [member_ids["uy-vien-2"]]},
        headers=secretary,
        expect=200,
    )
    await awards.post(f"/sessions/{f.session_id}/open", headers=secretary, expect=200)

    # 5. the secret ballot: one member votes against CSTĐ cấp tỉnh (4 of 5 < 90 %); the
    #    absent second member's written ballot is recorded by the secretary
    for subject in ("chu-tich", "pho-chu-tich", "thu-ky", "uy-vien-1"):
        against = subject == "uy-vien-1"
        choices = [
            {
                "nomination_id": n,
                "choice": "no" if against and n == f.ids["an_cstd_tinh"] else "yes",
            }
            for n in eligible
        ]
        headers = secretary if subject == "thu-ky" else awards.member(f.council_id, subject)
        await awards.put(
            f"/sessions/{f.session_id}/ballot", {"choices": choices}, headers=headers, expect=204
        )
    await awards.put(
        f"/sessions/{f.session_id}/written-ballots/{member_ids['uy-vien-2']}",
        {"choices": [{"nomination_id": n, "choice": "yes"} for n in eligible]},
        headers=secretary,
        expect=204,
    )
    res = await awards.post(f"/sessions/{f.session_id}/close", headers=secretary, expect=200)
    for item in res.json()["agenda"]:
        (f.approved if item["approved"] else f.rejected).add(item["nomination_id"])

    # 6. the decisions, signed a few days later, each by whoever decides its awards (Luật
    #    06/2022 Điều 79–80): the province's chairman the provincial titles, the department's
    #    director the grassroots titles of its people
    signed = after + timedelta(days=5)
    awards.today(signed)
    grassroots = {f.ids[k] for k in ("hoa_cstdcs", "minh_cstdcs")} & f.approved
    res = await awards.post(
        "/decisions",
        {
            "number": f"{100 + y % 100}/QĐ-UBND",
            "signed_on": signed.isoformat(),
            "signer_name": "Nguyễn Văn Chủ",
            "signer_title": "Chủ tịch Ủy ban nhân dân tỉnh",
            "signer_authority": "province_chairman",
            "nomination_ids": sorted(f.approved - grassroots),
        },
        expect=201,
    )
    f.decision = res.json()
    res = await awards.post(
        "/decisions",
        {
            "number": f"{200 + y % 100}/QĐ-STC",
            "signed_on": signed.isoformat(),
            "signer_name": "Trần Văn Tài",
            "signer_title": "Giám đốc Sở Tài chính",
            "signer_authority": "unit_head",
            "signer_unit_id": str(w.stc),
            "nomination_ids": sorted(grassroots),
        },
        expect=201,
    )
    f.unit_decision = res.json()
    return f
