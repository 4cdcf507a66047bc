"""Supervision findings of the Fatherland Front through the API: raised by a supervisor against a
nomination (during its public notice: an objection the council sees on the agenda), a unit or a
campaign; answered by the unit concerned or the province; read by them and the supervisors; the
events they publish."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from tests.awards import dated
from tests.awards.conftest import Awards
from tests.awards.world import build

pytestmark = pytest.mark.timeout(120)

FRONT = uuid4()  # Ủy ban MTTQ tỉnh: the Front body the supervisor speaks for


def supervisor(awards: Awards) -> dict[str, str]:
    return awards.token(["supervisor"], sub="mttq-giam-sat", unit_id=str(FRONT))


async def on_notice(awards: Awards):
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    body = dated.person_nomination(w, "lan", "LDTT", w.stc)
    lan = (await awards.post("/nominations", body, expect=201)).json()["nomination_id"]
    await awards.post("/screenings", {"year": 2020}, expect=200)
    notice = (
        await awards.post("/notices", {"title": "Công khai", "nomination_ids": [lan]}, expect=201)
    ).json()
    return w, lan, notice


async def test_a_finding_on_a_nomination_on_notice_is_an_objection_on_the_agenda(awards: Awards):
    w, lan, notice = await on_notice(awards)
    front = supervisor(awards)
    raised = {
        "subject_kind": "nomination",
        "subject_id": lan,
        "content": "Đề nghị làm rõ sáng kiến nêu trong hồ sơ.",
        "documents": ["vb/mttq/12-MTTQ-BTT.pdf"],
    }
    finding = (await awards.post("/findings", raised, headers=front, expect=201)).json()["id"]

    (event,) = await awards.outbox("SupervisionFindingRaised")
    assert event["topic"] == "awards.findings.v1"
    assert (event["finding_id"], event["subject_id"]) == (finding, lan)
    assert event["unit_id"] == str(w.stc)  # the proposing unit is the unit concerned
    assert event["province_unit_id"] == str(w.province)
    assert event["supervisor_unit_id"] == str(FRONT)
    assert event["documents"] == ["vb/mttq/12-MTTQ-BTT.pdf"]
    # the objection it became, on the notice the supervisor reads too
    detail = (await awards.get(f"/notices/{notice['notice_id']}", headers=front)).json()
    (objection,) = detail["objections"]
    assert objection["finding_id"] == finding
    assert objection["objection_id"] == event["objection_id"]
    assert objection["content"] == raised["content"]

    # the council cannot take the nomination up before the board resolved it
    council = (
        await awards.post(
            "/councils",
            {"name": "Hội đồng", "term_start": "2020-01-01", "term_end": "2025-12-31"},
            expect=201,
        )
    ).json()
    session = (
        await awards.post(
            f"/councils/{council['council_id']}/sessions",
            {"title": "Phiên 1", "held_on": "2020-12-28"},
            expect=201,
        )
    ).json()
    agenda = f"/sessions/{session['session_id']}/agenda"
    awards.today(date(2020, 12, 24))
    res = await awards.post(agenda, {"nomination_ids": [lan]}, expect=422)
    assert res.json()["errors"][0]["type"] == "open_objection"
    await awards.post(
        f"/objections/{objection['objection_id']}/resolution",
        {"outcome": "dismissed", "resolution": "Sáng kiến đã được Hội đồng cơ sở công nhận."},
        expect=204,
    )
    await awards.post(agenda, {"nomination_ids": [lan]}, expect=200)
    # the agenda shows it with the board's resolution, to the council and to the Front
    seen = (await awards.get(f"/sessions/{session['session_id']}", headers=front)).json()
    (item,) = seen["agenda"]
    (o,) = item["objections"]
    assert (o["finding_id"], o["status"]) == (finding, "dismissed")
    assert o["resolution"].startswith("Sáng kiến")

    # after the notice a finding on the nomination is no objection
    late = (await awards.post("/findings", raised, headers=front, expect=201)).json()["id"]
    assert (await awards.get(f"/findings/{late}", headers=front)).json()["objection_id"] is None
    assert await awards.count("objections") == 1


async def test_answered_by_the_unit_concerned_or_the_province(awards: Awards):
    w, _, _ = await on_notice(awards)
    front = supervisor(awards)
    stc = awards.officer(w.stc)
    other = awards.officer(w.province, sub="ubnd")
    on_unit = (
        await awards.post(
            "/findings",
            {"subject_kind": "unit", "subject_id": str(w.stc), "content": "Bình xét chưa dân chủ."},
            headers=front,
            expect=201,
        )
    ).json()["id"]
    on_campaign = (
        await awards.post(
            "/findings",
            {
                "subject_kind": "campaign",
                "subject_id": str(w.campaign),
                "content": "Chỉ tiêu giao chưa sát thực tế.",
            },
            headers=front,
            expect=201,
        )
    ).json()["id"]

    # who reads: the unit concerned its own, the province and the Front all
    listed = (await awards.get("/findings", headers=stc)).json()["items"]
    assert [f["finding_id"] for f in listed] == [on_unit]
    await awards.get(f"/findings/{on_campaign}", headers=stc, expect=404)
    await awards.get(f"/findings/{on_unit}", headers=other, expect=404)
    await awards.get("/findings", params={"unit_id": str(w.stc)}, headers=other, expect=403)
    assert len((await awards.get("/findings", headers=front)).json()["items"]) == 2
    assert len((await awards.get("/findings")).json()["items"]) == 2  # the province

    # who answers: not the Front, not another unit; the unit concerned, once
    answer = {"answer": "Đơn vị đã tổ chức bình xét lại.", "documents": ["vb/stc/bb-12.pdf"]}
    res = await awards.post(f"/findings/{on_unit}/answer", answer, headers=front, expect=403)
    assert res.json()["reason"] == "read_only"
    await awards.post(f"/findings/{on_unit}/answer", answer, headers=other, expect=404)
    done = (
        await awards.post(f"/findings/{on_unit}/answer", answer, headers=stc, expect=200)
    ).json()
    assert (done["status"], done["answered_by_province"]) == ("answered", False)
    assert done["answer_documents"] == ["vb/stc/bb-12.pdf"]
    await awards.post(f"/findings/{on_unit}/answer", answer, headers=stc, expect=409)
    # a campaign is the province's: the unit cannot answer, the province does
    await awards.post(f"/findings/{on_campaign}/answer", answer, headers=stc, expect=404)
    await awards.post(
        f"/findings/{on_campaign}/answer", {"answer": "Đã điều chỉnh chỉ tiêu."}, expect=200
    )
    answered = await awards.outbox("SupervisionFindingAnswered")
    assert [(e["finding_id"], e["by_province"]) for e in answered] == [
        (on_unit, False),
        (on_campaign, True),
    ]
    assert {e["supervisor_unit_id"] for e in answered} == {str(FRONT)}
    open_ = (await awards.get("/findings", params={"status": "open"}, headers=front)).json()
    assert open_["items"] == []


async def test_bad_findings_are_refused_and_nothing_is_stored(awards: Awards):
    w, _, _ = await on_notice(awards)
    front = supervisor(awards)
    unknown = {"subject_kind": "decision", "subject_id": str(uuid4()), "content": "x"}
    res = await awards.post("/findings", unknown, headers=front, expect=422)
    assert res.json()["errors"][0]["pointer"] == "#/subject_id"
    bad_kind = {"subject_kind": "person", "subject_id": str(w.stc), "content": "x"}
    await awards.post("/findings", bad_kind, headers=front, expect=422)
    blank = {"subject_kind": "unit", "subject_id": str(w.stc), "content": "   "}
    await awards.post("/findings", blank, headers=front, expect=422)
    # only the Front raises them; a supervisor's token must say which Front body it speaks for
    ok = {"subject_kind": "unit", "subject_id": str(w.stc), "content": "Kiến nghị."}
    await awards.post("/findings", ok, expect=403)
    await awards.post("/findings", ok, headers=awards.officer(w.stc), expect=403)
    nameless = awards.token(["supervisor"], sub="x", unit_id="not-a-unit")
    await awards.post("/findings", ok, headers=nameless, expect=403)
    assert await awards.count("supervision_findings") == 0
    assert await awards.outbox("SupervisionFindingRaised") == []
