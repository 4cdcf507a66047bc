"""Withdrawing a nomination (rút hồ sơ) before the council's vote: by its proposing unit or the
province; it leaves the public notice and the agenda, its initiatives are free again (R11), and
NominationWithdrawn is published. Once the vote has opened or the nomination was decided: 409,
nothing changed."""

from __future__ import annotations

from datetime import date

import pytest

from tests.awards.conftest import Awards
from tests.awards.test_nominations import populate, rules
from tests.awards.world import nominations

pytestmark = pytest.mark.timeout(120)

MEMBERS = [{"subject": "thu-ky", "full_name": "Lê Văn Ký", "title": "GĐ Sở Nội vụ",
            "role": "secretary"}]  # fmt: skip


def giay_khen(w, key: str) -> dict:
    """A Giấy khen for a person (the council weighs it): eligible, no initiative. (LĐTT would
    not do: the department already conferred it on lan, see `world.history_csv`.)"""
    person = {"kind": "person", "id": str(w.person(key))}
    return {**nominations(w)["hoa_cstdcs"], "nominee": person, "award_code": "GIAY_KHEN"}


async def test_withdrawal_before_the_vote_frees_the_notice_the_agenda_and_the_initiatives(
    awards: Awards,
) -> None:
    w = await populate(awards, 2020, "2013")
    stc = awards.officer(w.stc)
    minh = nominations(w)["minh_cstdcs"]  # claims Minh's initiative
    lan = giay_khen(w, "lan")
    ids = [
        (await awards.post("/nominations", body, headers=stc, expect=201)).json()["nomination_id"]
        for body in (minh, lan)
    ]
    res = (await awards.post("/screenings", {"nomination_ids": ids}, expect=200)).json()
    assert [x["verdict"] for x in res["results"]] == ["eligible", "eligible"]
    notice = (
        await awards.post("/notices", {"title": "Công khai", "nomination_ids": ids}, expect=201)
    ).json()
    assert await awards.count("initiative_uses") == 1

    # only its proposer (or the province) may withdraw it; a reason is required
    other = awards.officer(w.unit("CM-SNV"))
    why = {"reason": "Đơn vị rút hồ sơ để bổ sung thành tích"}
    await awards.post(f"/nominations/{ids[0]}/withdrawal", why, headers=other, expect=403)
    await awards.post(f"/nominations/{ids[0]}/withdrawal", {"reason": " "}, headers=stc, expect=422)
    assert await awards.outbox("NominationWithdrawn") == []

    detail = (
        await awards.post(f"/nominations/{ids[0]}/withdrawal", why, headers=stc, expect=200)
    ).json()
    assert detail["status"] == "withdrawn" and detail["notice_id"] is None
    assert detail["history"][-1]["action"] == "withdrawn"
    (event,) = await awards.outbox("NominationWithdrawn")
    assert event["topic"] == "awards.nominations.v1"
    assert (event["nomination_id"], event["reason"], event["by_province"]) == (
        ids[0],
        why["reason"],
        False,
    )
    assert event["withdrawn_on"] == "2020-12-10"
    # it left the notice; its initiative is free for another award (R11)
    shown = (await awards.get(f"/notices/{notice['notice_id']}")).json()
    assert shown["nomination_ids"] == [ids[1]]
    assert await awards.count("initiative_uses") == 0
    bk = {**minh, "award_code": "BK_TINH"}
    bk_id = (await awards.post("/nominations", bk, headers=stc, expect=201)).json()["nomination_id"]
    res = (await awards.post("/screenings", {"nomination_ids": [bk_id]}, expect=200)).json()
    r11 = rules(res["results"][0])["R11"]
    assert r11["passed"] and not r11["facts"].get("initiatives_used_by_other_award"), r11
    # a withdrawn nomination no longer holds the nominee's place: it may be nominated again
    await awards.post("/nominations", minh, headers=stc, expect=201)
    # and it cannot be withdrawn twice
    res = await awards.post(f"/nominations/{ids[0]}/withdrawal", why, headers=stc, expect=409)
    assert res.json()["code"] == "not_withdrawable"

    # on a planned session's agenda it leaves the agenda; once the vote opened: 409
    council = (
        await awards.post(
            "/councils",
            {"name": "Hội đồng", "term_start": "2020-01-01", "term_end": "2025-12-31",
             "members": MEMBERS},
            expect=201,
        )
    ).json()  # fmt: skip
    secretary = awards.secretary(council["council_id"])
    awards.today(date(2020, 12, 24))  # the notice ended on 2020-12-23
    session = (
        await awards.post(
            f"/councils/{council['council_id']}/sessions",
            {"title": "Phiên 1", "held_on": "2020-12-24"},
            headers=secretary,
            expect=201,
        )
    ).json()
    sid = session["session_id"]
    await awards.post(
        f"/sessions/{sid}/agenda", {"nomination_ids": [ids[1]]}, headers=secretary, expect=200
    )
    await awards.post(f"/nominations/{ids[1]}/withdrawal", why, expect=200)  # the province
    assert (await awards.get(f"/sessions/{sid}")).json()["agenda"] == []
    assert (await awards.outbox("NominationWithdrawn"))[-1]["by_province"] is True


async def test_no_withdrawal_once_the_vote_opened_or_after_the_decision(awards: Awards) -> None:
    w = await populate(awards, 2020, "2013")
    stc = awards.officer(w.stc)
    lan = giay_khen(w, "lan")
    bodies = [lan, nominations(w)["minh_cstdcs"]]
    ids = [
        (await awards.post("/nominations", b, headers=stc, expect=201)).json()["nomination_id"]
        for b in bodies
    ]
    await awards.post("/screenings", {"nomination_ids": ids}, expect=200)
    notice = (
        await awards.post("/notices", {"title": "Công khai", "nomination_ids": ids}, expect=201)
    ).json()
    objection = (
        await awards.post(
            f"/notices/{notice['notice_id']}/objections",
            {"nomination_id": ids[1], "content": "Có đơn phản ánh."},
            expect=201,
        )
    ).json()
    await awards.post(
        f"/objections/{objection['id']}/resolution",
        {"outcome": "upheld", "resolution": "Có cơ sở."},
        expect=204,
    )
    council = (
        await awards.post(
            "/councils",
            {"name": "Hội đồng", "term_start": "2020-01-01", "term_end": "2025-12-31",
             "members": MEMBERS},
            expect=201,
        )
    ).json()  # fmt: skip
    secretary = awards.secretary(council["council_id"])
    awards.today(date(2020, 12, 24))
    sid = (
        await awards.post(
            f"/councils/{council['council_id']}/sessions",
            {"title": "Phiên 1", "held_on": "2020-12-24"},
            headers=secretary,
            expect=201,
        )
    ).json()["session_id"]
    await awards.post(
        f"/sessions/{sid}/agenda", {"nomination_ids": [ids[0]]}, headers=secretary, expect=200
    )
    await awards.post(f"/sessions/{sid}/open", headers=secretary, expect=200)
    why = {"reason": "Rút hồ sơ"}
    res = await awards.post(f"/nominations/{ids[0]}/withdrawal", why, headers=stc, expect=409)
    assert res.json()["code"] == "vote_opened"
    # rejected on the upheld objection: decided, so not withdrawable either
    res = await awards.post(f"/nominations/{ids[1]}/withdrawal", why, expect=409)
    assert res.json()["code"] == "not_withdrawable"
    assert "rejected" in res.json()["detail"]
    statuses = {
        str(r["nomination_id"]): r["status"]
        for r in await awards.pool.fetch("SELECT nomination_id, status FROM nominations")
    }
    assert statuses == {ids[0]: "on_agenda", ids[1]: "rejected"}
    assert len((await awards.get(f"/sessions/{sid}")).json()["agenda"]) == 1
    assert await awards.outbox("NominationWithdrawn") == []
