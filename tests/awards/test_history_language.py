"""A nomination's history reads in its reader's language: the lines the service writes (a
screening's verdict under its regime, the notice's days, the session, the vote's count, the
decision) through the message catalogue, Vietnamese or English as `Accept-Language` asks."""

from __future__ import annotations

import re

import pytest

from tests.awards import procedure
from tests.awards.conftest import Awards
from tests.awards.world import build

pytestmark = pytest.mark.timeout(120)


async def test_a_nomination_s_history_in_vietnamese_and_in_english(awards: Awards) -> None:
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    f = await procedure.run(awards, w)
    vi = {**awards.admin, "Accept-Language": "vi"}
    en = {**awards.admin, "Accept-Language": "en"}

    async def history(key: str, headers: dict[str, str]) -> dict[str, str | None]:
        detail = (await awards.get(f"/nominations/{f.ids[key]}", headers=headers)).json()
        return {h["action"]: h["detail"] for h in detail["history"]}

    assert f.verdicts["hoa_cstdcs"] == "ineligible"
    hoa_vi, hoa_en = await history("hoa_cstdcs", vi), await history("hoa_cstdcs", en)
    assert hoa_vi["screened"] == "không đủ điều kiện (áp dụng quy định năm 2013)"
    assert hoa_en["screened"] == "ineligible (regime 2013)"

    minh_vi, minh_en = await history("minh_cstdcs", vi), await history("minh_cstdcs", en)
    assert minh_vi["screened"] == "đủ điều kiện (áp dụng quy định năm 2013)"
    assert minh_en["screened"] == "eligible (regime 2013)"
    day_vi, day_en = r"\d{2}/\d{2}/\d{4}", r"\d{4}-\d{2}-\d{2}"
    assert re.fullmatch(f"từ {day_vi} đến {day_vi}", minh_vi["notice_posted"] or "")
    assert re.fullmatch(f"{day_en} – {day_en}", minh_en["notice_posted"] or "")
    assert minh_vi["put_on_agenda"] == f"phiên họp {f.session_id}"
    assert minh_en["put_on_agenda"] == f"session {f.session_id}"
    assert re.fullmatch(r"\d/5 phiếu đồng ý, cần \d phiếu", minh_vi["vote_closed"] or "")
    assert re.fullmatch(r"\d/5 in favour, \d required", minh_en["vote_closed"] or "")
    number = f.unit_decision["number"]
    assert (minh_vi["decision_issued"], minh_en["decision_issued"]) == (
        f"quyết định số {number}",
        f"decision {number}",
    )
