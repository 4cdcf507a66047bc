"""The procedure through the API (read model fed by the handlers): notice, objections, council,
secret ballot, decision with money, exports, revocation; who may act at each step; and the
privacy of the ballot."""

from __future__ import annotations

import io
from datetime import date, timedelta
from uuid import uuid4

import pytest
from openpyxl import load_workbook

from tests.awards import procedure
from tests.awards.conftest import Awards
from tests.awards.world import build

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize(("year", "regime"), [(2020, "2013"), (2024, "2022")])
async def test_submission_to_decision(awards: Awards, year: int, regime: str) -> None:
    w = build(year, regime)
    await awards.feed(e for _, e in w.all_events())
    f = await procedure.run(awards, w)
    ids = f.ids
    if regime == "2013":
        assert f.verdicts["hoa_cstdcs"] == "ineligible"
    else:
        assert f.verdicts["hoa_cstdcs"] == "eligible"
    # CSTĐ cấp tỉnh needs 90 % of all five members: four in favour is not enough
    assert f.rejected == {ids["an_cstd_tinh"]}
    money = procedure.MONEY[regime]
    d, unit = f.decision, f.unit_decision
    assert d["base_salary_vnd"] == money["base"]
    assert (d["signer_authority"], unit["signer_authority"]) == ("province_chairman", "unit_head")
    amounts = {ln["nomination_id"]: ln["amount_vnd"] for ln in d["lines"]}
    unit_amounts = {ln["nomination_id"]: ln["amount_vnd"] for ln in unit["lines"]}
    assert unit_amounts[ids["minh_cstdcs"]] == money["CSTDCS"]
    assert amounts[ids["stc_ttldxs"]] == money["TTLDXS"]
    assert amounts[ids["stc_co_tinh"]] == money["CO_TINH"]
    assert d["total_vnd"] == sum(amounts.values())

    # events, in the outbox in order
    types = [e["type"] for e in await awards.outbox()]
    assert types.count("NominationSubmitted") == 5
    assert types.count("NominationScreened") == 5
    assert types.count("NominationApproved") == len(f.approved)
    assert types.count("NominationRejected") == 1
    assert types[-1] == "AwardDecisionIssued"
    (rejected,) = await awards.outbox("NominationRejected")
    assert rejected["vote"] == {
        "council_id": f.council_id,
        "members_total": 5,
        "votes_for": 4,
        "votes_against": 1,
        "abstained": 0,
        "threshold": 0.9,
        "secret_ballot": True,
    }
    issued, by_unit = await awards.outbox("AwardDecisionIssued")
    assert issued["topic"] == "awards.decisions.v1"
    assert {a["nomination_id"]: a["amount_vnd"] for a in issued["awards"]} == amounts
    assert {a["nomination_id"]: a["amount_vnd"] for a in by_unit["awards"]} == unit_amounts
    assert by_unit["signer_authority"] == "unit_head"

    # the award history now holds the decision's awards
    history = (await awards.get("/award-history", params={"subject_id": str(w.stc)})).json()
    assert {(h["award_code"], h["source"], h["decision_number"]) for h in history} == {
        ("TTLDXS", "decision", d["number"]),
        ("CO_TINH", "decision", d["number"]),
    }
    # every state change of a nomination is logged with its actor
    detail = (await awards.get(f"/nominations/{ids['minh_cstdcs']}")).json()
    changes = [h for h in detail["history"] if not h["action"].startswith("objection")]
    assert [(h["action"], h["status"]) for h in changes] == [
        ("submitted", "submitted"),
        ("screened", "screened"),
        ("notice_posted", "on_notice"),
        ("put_on_agenda", "on_agenda"),
        ("vote_closed", "approved"),
        ("decision_issued", "decided"),
    ]
    assert detail["history"][0]["actor"] == "officer"
    assert detail["history"][-1]["actor"] == "admin"


async def test_exports_and_revocation(awards: Awards) -> None:
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    f = await procedure.run(awards, w)
    d, unit = f.decision, f.unit_decision
    officer = awards.officer(w.stc)
    res = await awards.get(f"/decisions/{d['decision_id']}/awardees.xlsx", headers=officer)
    assert res.headers["content-type"].startswith("application/vnd.openxmlformats")
    ws = load_workbook(io.BytesIO(res.content)).active
    cells = list(ws.iter_rows(values_only=True))
    assert cells[0][0] == f"DANH SÁCH KHEN THƯỞNG KÈM THEO QUYẾT ĐỊNH SỐ {d['number']}"
    assert cells[4][:3] == ("STT", "Loại", "Họ và tên / Tên tập thể")
    # by award, the highest first
    assert [(row[2], row[5], row[8]) for row in cells[5:7]] == [
        ("Sở Tài chính", "Cờ thi đua của Ủy ban nhân dân tỉnh", 11_920_000),
        ("Sở Tài chính", "Tập thể lao động xuất sắc", 2_240_000),
    ]
    assert cells[-1][8] == d["total_vnd"]

    res = await awards.get(f"/decisions/{d['decision_id']}/awardees.html", headers=officer)
    page = res.text
    assert res.headers["content-type"].startswith("text/html")
    assert "Cộng hòa xã hội chủ nghĩa Việt Nam" in page
    assert f"Kèm theo Quyết định số {d['number']}" in page
    assert "Cờ thi đua của Ủy ban nhân dân tỉnh" in page
    assert "11.920.000" in page and "Chủ tịch Ủy ban nhân dân tỉnh" in page

    # the department's own decision lists its people's CSTĐCS, signed by its director
    res = await awards.get(f"/decisions/{unit['decision_id']}/awardees.html", headers=officer)
    assert "Ông Trần Văn Minh" in res.text and "Chiến sĩ thi đua cơ sở" in res.text
    assert "Giám đốc Sở Tài chính" in res.text

    # revocation: only the administrators; the money to recover; the history marks it
    d = unit
    minh = f.ids["minh_cstdcs"]
    body = {
        "reason": "Hồ sơ sáng kiến không trung thực.",
        "nomination_ids": [minh],
        "revocation_number": "99/QĐ-UBND",
    }
    await awards.post(
        f"/decisions/{d['decision_id']}/revocations", body, headers=officer, expect=403
    )
    res = await awards.post(f"/decisions/{d['decision_id']}/revocations", body, expect=201)
    assert res.json()["amount_to_recover_vnd"] == 1_490_000
    (revoked,) = await awards.outbox("AwardRevoked")
    assert revoked["nomination_ids"] == [minh]
    assert revoked["amount_to_recover_vnd"] == 1_490_000
    again = await awards.post(f"/decisions/{d['decision_id']}/revocations", body, expect=422)
    assert again.json()["errors"][0]["type"] == "revoked"
    history = (
        await awards.get("/award-history", params={"subject_id": str(w.person("minh"))})
    ).json()
    assert history[0]["revoked_on"] is not None
    assert (await awards.get(f"/nominations/{minh}")).json()["status"] == "revoked"
    # its initiative stays used: a new nomination relying on it fails R11
    d2 = (await awards.get(f"/decisions/{d['decision_id']}")).json()
    assert [ln["revoked_on"] is not None for ln in d2["lines"]].count(True) == 1


async def test_notice_objections_and_their_timing(awards: Awards) -> None:
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    body = {
        "nominee": {"kind": "person", "id": str(w.person("lan"))},
        "award_code": "LDTT",
        "year": 2020,
        "proposer_unit_id": str(w.stc),
        "documents": [
            {"type": t, "ref": "urn:x"}
            for t in ("submission", "achievement_report", "review_minutes")
        ],
    }
    lan = (await awards.post("/nominations", body, expect=201)).json()["nomination_id"]
    cv = {**body, "nominee": {"kind": "person", "id": str(w.person("cv1"))}}
    cv1 = (await awards.post("/nominations", cv, expect=201)).json()["nomination_id"]
    tuan = {**body, "nominee": {"kind": "person", "id": str(w.person("tuan"))}}
    bad = (await awards.post("/nominations", tuan, expect=201)).json()["nomination_id"]
    await awards.post("/screenings", {"year": 2020}, expect=200)
    # only eligible nominations go on notice
    res = await awards.post("/notices", {"title": "Công khai", "nomination_ids": [lan, bad]})
    assert res.status_code == 422
    assert res.json()["errors"][0]["pointer"] == "#/nomination_ids/1"
    # 2020-12-10 (Thursday) + 10 working days: the notice ends on Wednesday 2020-12-23
    notice = (
        await awards.post("/notices", {"title": "Công khai", "nomination_ids": [lan, cv1]})
    ).json()
    assert (notice["start_on"], notice["end_on"]) == ("2020-12-10", "2020-12-23")
    path = f"/notices/{notice['notice_id']}/objections"
    o = (
        await awards.post(path, {"nomination_id": lan, "content": "Có đơn phản ánh."}, expect=201)
    ).json()
    council = (
        await awards.post(
            "/councils",
            {
                "name": "Hội đồng",
                "term_start": "2020-01-01",
                "term_end": "2025-12-31",
                "members": [
                    {
                        "subject": "thu-ky",
                        "full_name": "Lê Văn Ký",
                        "title": "GĐ Sở Nội vụ",
                        "role": "secretary",
                    }
                ],
            },
            expect=201,
        )
    ).json()
    secretary = awards.secretary(council["council_id"])
    session = (
        await awards.post(
            f"/councils/{council['council_id']}/sessions",
            {"title": "Phiên 1", "held_on": "2020-12-28"},
            headers=secretary,
            expect=201,
        )
    ).json()
    agenda = f"/sessions/{session['session_id']}/agenda"
    # not while the notice runs
    res = await awards.post(agenda, {"nomination_ids": [cv1]}, headers=secretary, expect=422)
    assert res.json()["errors"][0]["type"] == "notice_running"
    awards.today(date(2020, 12, 24))
    # an objection is recorded only during the notice
    res = await awards.post(path, {"nomination_id": lan, "content": "Muộn."}, expect=409)
    assert res.json()["code"] == "notice_not_running"
    # an open objection keeps the nomination off the agenda
    res = await awards.post(agenda, {"nomination_ids": [lan]}, headers=secretary, expect=422)
    assert res.json()["errors"][0]["type"] == "open_objection"
    # upheld: rejected without a vote
    await awards.post(
        f"/objections/{o['id']}/resolution",
        {"outcome": "upheld", "resolution": "Có cơ sở."},
        expect=204,
    )
    (rejected,) = await awards.outbox("NominationRejected")
    assert rejected["nomination_id"] == lan and rejected["vote"] is None
    await awards.post(
        f"/objections/{o['id']}/resolution", {"outcome": "dismissed", "resolution": "x"}, expect=409
    )
    await awards.post(agenda, {"nomination_ids": [cv1]}, headers=secretary, expect=200)
    detail = (await awards.get(f"/notices/{notice['notice_id']}")).json()
    assert detail["running"] is False
    assert [x["status"] for x in detail["objections"]] == ["upheld"]


async def council_with_session(
    awards: Awards, *, open_vote: bool = True, absent: tuple[str, ...] = ()
):
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    f = procedure.Flow(w)
    body = {
        "nominee": {"kind": "person", "id": str(w.person("lan"))},
        "award_code": "LDTT",
        "year": 2020,
        "proposer_unit_id": str(w.stc),
        "documents": [
            {"type": t, "ref": "urn:x"}
            for t in ("submission", "achievement_report", "review_minutes")
        ],
    }
    ids = []
    for key in ("lan", "cv1", "cv2"):
        b = {**body, "nominee": {"kind": "person", "id": str(w.person(key))}}
        ids.append((await awards.post("/nominations", b, expect=201)).json()["nomination_id"])
    await awards.post("/screenings", {"nomination_ids": ids}, expect=200)
    await awards.post("/notices", {"title": "Công khai", "nomination_ids": ids}, expect=201)
    awards.today(date(2020, 12, 28))
    council = (
        await awards.post(
            "/councils",
            {
                "name": "Hội đồng",
                "term_start": "2020-01-01",
                "term_end": "2025-12-31",
                "members": [
                    {"subject": s, "full_name": n, "title": t, "role": r}
                    for s, n, t, r in procedure.MEMBERS
                ],
            },
            expect=201,
        )
    ).json()
    f.council_id = council["council_id"]
    secretary = awards.secretary(f.council_id)
    f.session_id = (
        await awards.post(
            f"/councils/{f.council_id}/sessions",
            {"title": "Phiên 1", "held_on": "2020-12-28"},
            headers=secretary,
            expect=201,
        )
    ).json()["session_id"]
    await awards.post(
        f"/sessions/{f.session_id}/agenda", {"nomination_ids": ids}, headers=secretary, expect=200
    )
    members = {m["subject"]: m["member_id"] for m in council["members"]}
    if absent:
        await awards.put(
            f"/sessions/{f.session_id}/attendance",
            {"absent": [members[s] for s in absent]},
            headers=secretary,
            expect=200,
        )
    if open_vote:
        await awards.post(f"/sessions/{f.session_id}/open", headers=secretary, expect=200)
    return f, ids, members


def ballot(ids: list[str], *choices: str) -> dict:
    return {
        "choices": [{"nomination_id": n, "choice": c} for n, c in zip(ids, choices, strict=True)]
    }


async def test_secret_ballot_cannot_be_linked_to_members(awards: Awards) -> None:
    f, ids, members = await council_with_session(awards, absent=("uy-vien-2",))
    path = f"/sessions/{f.session_id}/ballot"
    votes = {
        "chu-tich": ("yes", "yes", "no"),
        "pho-chu-tich": ("no", "yes", "abstain"),
        "uy-vien-1": ("yes", "abstain", "no"),
    }
    for subject, choices in votes.items():
        res = await awards.put(
            path, ballot(ids, *choices), headers=awards.member(f.council_id, subject), expect=204
        )
        assert res.content == b""

    # 1. no table holds a member reference together with a choice or a count
    columns = await awards.pool.fetch(
        "SELECT table_name, array_agg(column_name::text) AS cols FROM information_schema.columns"
        " WHERE table_schema = 'public' GROUP BY table_name"
    )
    for row in columns:
        cols = set(row["cols"])
        holds_member = cols & {"member_id", "subject", "actor", "voter", "voted_by"}
        holds_choice = cols & {"choice", "yes", "no", "abstain", "votes_for", "vote"}
        assert not (holds_member and holds_choice), row["table_name"]
    # the choices live only as totals: no row per ballot, nothing orders them
    assert await awards.count("ballot_counts") == 3
    voters = await awards.pool.fetch("SELECT * FROM session_voters")
    assert {tuple(sorted(dict(v))) for v in voters} == {("member_id", "mode", "session_id")}
    # the request log knows who cast a ballot, never what (no body is kept)
    logged = await awards.pool.fetch(
        "SELECT actor, object FROM audit_log WHERE action = 'PUT /sessions/{session_id}/ballot'"
    )
    assert sorted(r["actor"] for r in logged) == sorted(votes)
    assert await awards.count("idempotency_keys") == 0

    # 2. while voting, reads show who voted, not how many chose what
    session = (await awards.get(f"/sessions/{f.session_id}")).json()
    assert session["voted"] == 3
    assert {v["member_id"] for v in session["voters"]} == {members[s] for s in votes}
    assert all(i["votes_for"] is None for i in session["agenda"])

    # 3. once closed, totals only
    await awards.put(
        f"/sessions/{f.session_id}/written-ballots/{members['uy-vien-2']}",
        ballot(ids, "yes", "yes", "yes"),
        headers=awards.secretary(f.council_id),
        expect=204,
    )
    await awards.put(
        path, ballot(ids, "yes", "yes", "yes"), headers=awards.secretary(f.council_id), expect=204
    )
    closed = (
        await awards.post(
            f"/sessions/{f.session_id}/close", headers=awards.secretary(f.council_id), expect=200
        )
    ).json()
    totals = [(i["votes_for"], i["votes_against"], i["abstained"]) for i in closed["agenda"]]
    assert totals == [(4, 1, 0), (4, 0, 1), (2, 2, 1)]
    assert [i["approved"] for i in closed["agenda"]] == [True, True, False]  # 3 of 5 needed
    assert {v["mode"] for v in closed["voters"]} == {"in_person", "written"}
    assert sum(1 for v in closed["voters"] if v["mode"] == "written") == 1


async def test_who_may_vote_and_when(awards: Awards) -> None:
    f, ids, members = await council_with_session(awards, open_vote=False)
    path = f"/sessions/{f.session_id}/ballot"
    yes = ballot(ids, "yes", "yes", "yes")
    member = awards.member(f.council_id, "chu-tich")
    # not before the vote opens
    res = await awards.put(path, yes, headers=member, expect=409)
    assert res.json()["code"] == "vote_not_open"
    # only the secretary opens it
    await awards.post(f"/sessions/{f.session_id}/open", headers=member, expect=403)
    await awards.post(f"/sessions/{f.session_id}/open", expect=403)  # an administrator
    await awards.post(
        f"/sessions/{f.session_id}/open", headers=awards.secretary(f.council_id), expect=200
    )
    # a member of another council, an administrator, a stranger with the role: refused
    await awards.put(path, yes, headers=awards.member(uuid4(), "chu-tich"), expect=403)
    await awards.put(path, yes, expect=403)
    await awards.put(path, yes, headers=awards.member(f.council_id, "la-mat"), expect=403)
    await awards.put(path, yes, headers=awards.officer(f.world.stc), expect=403)
    # a ballot covers the whole agenda, once
    await awards.put(path, ballot(ids[:2], "yes", "yes"), headers=member, expect=422)
    await awards.put(path, yes, headers=member, expect=204)
    res = await awards.put(path, yes, headers=member, expect=409)
    assert res.json()["code"] == "already_voted"
    # a written ballot is the secretary's to record, for a member who has not voted
    written = f"/sessions/{f.session_id}/written-ballots/{members['chu-tich']}"
    await awards.put(written, yes, headers=member, expect=403)
    await awards.put(written, yes, headers=awards.secretary(f.council_id), expect=409)
    # only the secretary closes; after closing nobody votes
    await awards.post(f"/sessions/{f.session_id}/close", headers=member, expect=403)
    await awards.post(
        f"/sessions/{f.session_id}/close", headers=awards.secretary(f.council_id), expect=200
    )
    res = await awards.put(path, yes, headers=awards.member(f.council_id, "uy-vien-1"), expect=409)
    assert res.json()["code"] == "vote_not_open"
    # one in favour of five: rejected
    assert len(await awards.outbox("NominationRejected")) == 3


async def test_written_ballots_only_for_members_marked_absent(awards: Awards) -> None:
    f, ids, members = await council_with_session(awards, open_vote=False)
    secretary = awards.secretary(f.council_id)
    attendance = f"/sessions/{f.session_id}/attendance"
    absent = {"absent": [members["uy-vien-2"]]}
    # the secretary marks who is absent, before the vote opens, among the council's members
    await awards.put(attendance, absent, headers=awards.member(f.council_id, "chu-tich"),
                     expect=403)  # fmt: skip
    res = await awards.put(attendance, {"absent": [str(uuid4())]}, headers=secretary, expect=422)
    assert res.json()["errors"][0]["pointer"] == "#/absent/0"
    res = await awards.put(attendance, absent, headers=secretary, expect=200)
    assert res.json()["absent"] == [members["uy-vien-2"]]
    await awards.post(f"/sessions/{f.session_id}/open", headers=secretary, expect=200)
    res = await awards.put(attendance, {"absent": []}, headers=secretary, expect=409)
    assert res.json()["code"] == "session_not_planned"
    yes = ballot(ids, "yes", "yes", "yes")
    # a present member votes in person: the secretary cannot vote in writing for them
    res = await awards.put(
        f"/sessions/{f.session_id}/written-ballots/{members['chu-tich']}",
        yes,
        headers=secretary,
        expect=409,
    )
    assert res.json()["code"] == "member_not_absent"
    # an absent member's ballot is the written one, not one cast in the meeting
    res = await awards.put(
        f"/sessions/{f.session_id}/ballot",
        yes,
        headers=awards.member(f.council_id, "uy-vien-2"),
        expect=409,
    )
    assert res.json()["code"] == "marked_absent"
    await awards.put(
        f"/sessions/{f.session_id}/written-ballots/{members['uy-vien-2']}",
        yes,
        headers=secretary,
        expect=204,
    )
    session = (await awards.get(f"/sessions/{f.session_id}")).json()
    assert session["voters"] == [{"member_id": members["uy-vien-2"], "mode": "written"}]


async def test_decision_rules(awards: Awards) -> None:
    f, ids, _ = await council_with_session(awards)
    secretary = awards.secretary(f.council_id)
    for subject in ("chu-tich", "pho-chu-tich", "uy-vien-1"):
        await awards.put(
            f"/sessions/{f.session_id}/ballot",
            ballot(ids, "yes", "yes", "no"),
            headers=awards.member(f.council_id, subject),
            expect=204,
        )
    await awards.post(f"/sessions/{f.session_id}/close", headers=secretary, expect=200)
    body = {
        "number": "12/QĐ-STC",
        "signed_on": "2020-12-28",
        "signer_name": "Trần Văn Tài",
        "signer_title": "Giám đốc Sở Tài chính",
        "signer_authority": "unit_head",
        "signer_unit_id": str(f.world.stc),
        "nomination_ids": ids[:2],
    }
    # a rejected nomination is not decided; nor a future date; only administrators decide
    res = await awards.post("/decisions", {**body, "nomination_ids": ids}, expect=422)
    assert res.json()["errors"][0] == {
        "in": "body",
        "pointer": "#/nomination_ids/2",
        "detail": "the nomination is rejected",
        "type": "not_approved",
    }
    await awards.post("/decisions", {**body, "signed_on": "2021-01-05"}, expect=422)
    await awards.post("/decisions", body, headers=secretary, expect=403)
    d = (await awards.post("/decisions", body, expect=201)).json()
    # LĐTT, person, 0.3 x 1,490,000 = 447,000, rounded up to 450,000
    assert [ln["amount_vnd"] for ln in d["lines"]] == [450_000, 450_000]
    await awards.post("/decisions", body, expect=409)  # the number is taken
    res = await awards.post("/decisions", {**body, "number": "13/QĐ-STC"}, expect=422)
    assert res.json()["errors"][0]["type"] == "not_approved"  # already decided
    assert await awards.count("decisions") == 1
    assert await awards.count("award_history", "WHERE source = 'decision'") == 2
    assert len(await awards.outbox("AwardDecisionIssued")) == 1
    # the session is closed: totals readable by the council and the board
    s = (await awards.get(f"/sessions/{f.session_id}", headers=secretary)).json()
    assert s["status"] == "closed"
    await awards.get(f"/sessions/{f.session_id}", headers=awards.officer(f.world.stc), expect=403)
    await awards.get(f"/sessions/{f.session_id}", headers=awards.member(uuid4(), "x"), expect=403)
    assert (date(2020, 12, 28) - timedelta(days=0)).isoformat() == d["signed_on"]


async def test_a_notice_that_already_ran_is_recorded_but_a_running_one_cannot_start_early(
    awards: Awards,
) -> None:
    """A past year's procedure is recorded after the fact (today is 2020-12-10): a notice wholly
    in the past is accepted with its dates; one that would still be running today is not."""
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    body = {
        "nominee": {"kind": "person", "id": str(w.person("lan"))},
        "award_code": "LDTT",
        "year": 2020,
        "proposer_unit_id": str(w.stc),
        "documents": [
            {"type": t, "ref": "urn:x"}
            for t in ("submission", "achievement_report", "review_minutes")
        ],
    }
    lan = (await awards.post("/nominations", body, expect=201)).json()["nomination_id"]
    await awards.post("/screenings", {"year": 2020, "screened_on": "2020-10-30"}, expect=200)
    running = {"title": "Công khai", "nomination_ids": [lan], "start_on": "2020-12-01"}
    res = await awards.post("/notices", running)
    assert res.status_code == 422 and res.json()["errors"][0]["pointer"] == "#/start_on"
    ran = {"title": "Công khai", "nomination_ids": [lan], "start_on": "2020-11-02"}
    notice = (await awards.post("/notices", ran, expect=201)).json()
    assert (notice["start_on"], notice["end_on"], notice["running"]) == (
        "2020-11-02",
        "2020-11-13",
        False,
    )


async def test_reading_a_session_and_a_persons_awards_is_audited(awards: Awards) -> None:
    f, _, _ = await council_with_session(awards)
    await awards.get(f"/sessions/{f.session_id}", headers=awards.secretary(f.council_id))
    person = f.world.person("lan")
    await awards.get("/award-history", params={"subject_id": str(person)})
    rows = await awards.pool.fetch(
        "SELECT actor, action, object FROM audit_log WHERE action LIKE 'GET %' ORDER BY at"
    )
    assert [(r["actor"], r["action"], r["object"]) for r in rows] == [
        ("thu-ky", "GET /sessions/{session_id}", f"session_id={f.session_id}"),
        ("admin", "GET /award-history", None),
    ]
