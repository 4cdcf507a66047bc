"""The procedure's acts in order, through the API: a notice cannot start before the screening,
a session cannot come before the notice ran, the vote is opened, cast and closed on the
session's days, a decision is not signed before the vote; each refusal names both dates and
stores nothing. The approval is dated by the session, not by the day the secretary entered it."""

from __future__ import annotations

from datetime import date

import pytest

from schemas import awards as a
from services.notify.domain.messages import render
from tests.awards import dated
from tests.awards.conftest import Awards
from tests.awards.world import build

pytestmark = pytest.mark.timeout(120)


async def _screened(awards: Awards, screened_on: str = "2020-12-10") -> tuple:
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    ids = []
    for key in ("lan", "cv1"):
        body = dated.person_nomination(w, key, "LDTT", w.stc)
        ids.append((await awards.post("/nominations", body, expect=201)).json()["nomination_id"])
    await awards.post(
        "/screenings", {"nomination_ids": ids, "screened_on": screened_on}, expect=200
    )
    return w, ids


def _error(res) -> dict:
    problem = res.json()
    assert problem["code"] == "out_of_order", problem
    return problem


async def test_a_notice_cannot_start_before_the_screening(awards: Awards) -> None:
    awards.today(date(2020, 12, 10))
    _, ids = await _screened(awards, "2020-12-01")
    res = await awards.post(
        "/notices",
        {"title": "Công khai", "nomination_ids": ids, "start_on": "2020-11-02"},
        expect=422,
    )
    error = _error(res)["errors"][0]
    assert error["pointer"] == "#/nomination_ids/0"
    assert "02/11/2020" in error["detail"] and "01/12/2020" in error["detail"]
    assert await awards.count("notices") == 0
    assert await awards.count("nominations", "WHERE status = 'screened'") == 2
    # on the screening's day it may start (entered that day: a running notice starts today)
    awards.today(date(2020, 12, 1))
    await awards.post(
        "/notices",
        {"title": "Công khai", "nomination_ids": ids, "start_on": "2020-12-01"},
        expect=201,
    )


async def test_the_council_sits_only_after_the_notice_ran(awards: Awards) -> None:
    awards.today(date(2020, 12, 10))
    w, ids = await _screened(awards)
    notice = (
        await awards.post("/notices", {"title": "Công khai", "nomination_ids": ids}, expect=201)
    ).json()
    assert notice["end_on"] == "2020-12-23"
    awards.today(date(2020, 12, 28))
    council_id = await dated.council(awards, w)
    secretary = awards.secretary(council_id)
    for held_on in ("2020-09-01", "2020-12-23"):  # months before; the notice's last day
        session = (
            await awards.post(
                f"/councils/{council_id}/sessions",
                {"title": "Phiên họp", "held_on": held_on},
                headers=secretary,
                expect=201,
            )
        ).json()
        res = await awards.post(
            f"/sessions/{session['session_id']}/agenda",
            {"nomination_ids": ids},
            headers=secretary,
            expect=422,
        )
        detail = res.json()["errors"][0]["detail"]
        shown = date.fromisoformat(held_on).strftime("%d/%m/%Y")
        assert shown in detail and "23/12/2020" in detail, detail
        assert res.json()["errors"][0]["type"] == "out_of_order"
    assert await awards.count("session_agenda") == 0
    assert await awards.count("nominations", "WHERE status = 'on_notice'") == 2


async def _session(awards: Awards, *, ends_on: str | None = None):
    """Two LĐTT nominations on the agenda of a session held on Monday 2020-12-28 (and to
    `ends_on`); today is Wednesday 2020-12-30, when the secretary enters the vote."""
    awards.today(date(2020, 12, 10))
    w, ids = await _screened(awards)
    await awards.post("/notices", {"title": "Công khai", "nomination_ids": ids}, expect=201)
    awards.today(date(2020, 12, 30))
    council_id = await dated.council(awards, w)
    secretary = awards.secretary(council_id)
    body = {"title": "Phiên họp", "held_on": "2020-12-28"}
    if ends_on:
        body["ends_on"] = ends_on
    session_id = (
        await awards.post(f"/councils/{council_id}/sessions", body, headers=secretary, expect=201)
    ).json()["session_id"]
    await awards.post(
        f"/sessions/{session_id}/agenda", {"nomination_ids": ids}, headers=secretary, expect=200
    )
    return w, ids, council_id, session_id


def _yes(ids: list[str], cast_on: str | None = None) -> dict:
    body: dict = {"choices": [{"nomination_id": n, "choice": "yes"} for n in ids]}
    if cast_on:
        body["cast_on"] = cast_on
    return body


async def test_the_vote_happens_on_the_sessions_day_and_the_approval_carries_it(
    awards: Awards,
) -> None:
    w, ids, council_id, session_id = await _session(awards)
    secretary = awards.secretary(council_id)
    path = f"/sessions/{session_id}"
    # opened today (two days after the session): refused, naming both dates
    res = await awards.post(f"{path}/open", headers=secretary, expect=422)
    assert "30/12/2020" in _error(res)["detail"] and "28/12/2020" in res.json()["detail"]
    assert res.json()["dates"] == {"vote_opened": "2020-12-30", "session_end": "2020-12-28"}
    assert (await awards.get(path)).json()["status"] == "planned"
    await awards.post(f"{path}/open", {"on": "2020-12-27"}, headers=secretary, expect=422)
    opened = await awards.post(f"{path}/open", {"on": "2020-12-28"}, headers=secretary)
    assert opened.status_code == 200 and opened.json()["opened_on"] == "2020-12-28"

    # a ballot dated after the session (or today, by default) is refused and counts nothing
    chair = awards.member(council_id, "chu-tich")
    for late in ("2020-12-29", None):
        res = await awards.put(f"{path}/ballot", _yes(ids, late), headers=chair, expect=422)
        assert "28/12/2020" in _error(res)["detail"]
    assert await awards.count("session_voters") == 0
    assert await awards.count("ballot_counts", "WHERE yes + no + abstain > 0") == 0
    for subject in ("chu-tich", "pho-chu-tich", "thu-ky", "uy-vien-1", "uy-vien-2"):
        headers = secretary if subject == "thu-ky" else awards.member(council_id, subject)
        await awards.put(f"{path}/ballot", _yes(ids, "2020-12-28"), headers=headers, expect=204)

    # closed today by default: refused; on the session's day: approved, dated by it
    res = await awards.post(f"{path}/close", headers=secretary, expect=422)
    assert "30/12/2020" in _error(res)["detail"]
    assert await awards.count("nominations", "WHERE status = 'approved'") == 0
    assert await awards.outbox("NominationApproved") == []
    closed = (
        await awards.post(f"{path}/close", {"on": "2020-12-28"}, headers=secretary, expect=200)
    ).json()
    assert closed["closed_on"] == "2020-12-28"
    approvals = await awards.outbox("NominationApproved")
    assert [e["decided_on"] for e in approvals] == ["2020-12-28", "2020-12-28"]
    # the notice to the nominee says the council's day, not the day it was entered
    message = render(a.NominationApproved.model_validate(
        {k: v for k, v in approvals[0].items() if k not in ("type", "topic")}
    ))  # fmt: skip
    assert message.body.startswith("Ngày 28/12/2020, Hội đồng Thi đua – Khen thưởng đã thông qua")

    # a decision signed before the vote is refused, naming both dates
    body = dated.decision("1/QĐ-STC", date(2020, 12, 27), ids, "unit_head", w.stc)
    res = await awards.post("/decisions", body, expect=422)
    error = res.json()["errors"][0]
    assert error["type"] == "out_of_order"
    assert "27/12/2020" in error["detail"] and "28/12/2020" in error["detail"]
    assert await awards.count("decisions") == 0
    assert await awards.count("award_history") == 0


async def test_a_session_over_several_days_takes_ballots_on_each(awards: Awards) -> None:
    _, ids, council_id, session_id = await _session(awards, ends_on="2020-12-29")
    secretary = awards.secretary(council_id)
    path = f"/sessions/{session_id}"
    await awards.post(f"{path}/open", {"on": "2020-12-28"}, headers=secretary, expect=200)
    chair = awards.member(council_id, "chu-tich")
    await awards.put(f"{path}/ballot", _yes(ids, "2020-12-29"), headers=chair, expect=204)
    res = await awards.put(f"{path}/ballot", _yes(ids, "2020-12-30"), headers=secretary, expect=422)
    assert "từ 28/12/2020 đến 29/12/2020" in res.json()["detail"]
    # closed before it opened: refused
    await awards.post(f"{path}/close", {"on": "2020-12-27"}, headers=secretary, expect=422)
    closed = await awards.post(f"{path}/close", {"on": "2020-12-29"}, headers=secretary)
    assert closed.status_code == 200
    assert {e["decided_on"] for e in await awards.outbox("NominationRejected")} == {"2020-12-29"}
