"""Through the HTTP API: collective titles count members who attained LĐTT, not ratings (and a
rating that did not confer it travels from progress's event), and every rule reads the facts as
of the consideration date (ngày xét), stored with the screening and published with it."""

from __future__ import annotations

import uuid
from datetime import date

import pytest

from schemas import progress as p
from schemas import registry as r
from tests.awards.conftest import Awards
from tests.awards.test_nominations import rules
from tests.awards.world import LDTT_HOLDERS, World, build, history_csv, nominations

pytestmark = pytest.mark.timeout(180)


async def world(awards: Awards, history: bytes | None = None) -> World:
    """2020 under regime 2013, the council's date 10 January 2021, the clock two days later."""
    w = build(2020, "2013", seed=uuid.uuid4().hex)
    await awards.feed(e for _, e in w.all_events())
    data = history_csv(w, ldtt=False) if history is None else history
    res = await awards.client.post("/award-history/imports", content=data, headers=awards.admin)
    assert res.status_code == 200, res.text
    awards.today(date(2021, 1, 12))
    return w


async def submit(awards: Awards, body: dict) -> str:
    res = await awards.post("/nominations", body, expect=201)
    return res.json()["nomination_id"]


def ldtt(w: World, key: str) -> dict:
    person = {"kind": "person", "id": str(w.person(key))}
    return {**nominations(w)["hoa_cstdcs"], "nominee": person, "award_code": "LDTT"}


async def screen(awards: Awards, body: dict) -> dict[str, dict]:
    res = await awards.post("/screenings", body, expect=200)
    return {x["nomination_id"]: x for x in res.json()["results"]}


async def test_a_collective_counts_members_with_the_title_not_their_ratings(
    awards: Awards,
) -> None:
    w = await world(awards)
    stc = await submit(awards, nominations(w)["stc_ttldxs"])
    considered = {"considered_on": "2021-01-10"}

    # rated HTTNV or better, no LĐTT decided: nobody counts
    alone = (await screen(awards, {"nomination_ids": [stc], **considered}))[stc]
    assert (alone["verdict"], alone["failing"]) == ("ineligible", ["R05-2013"])
    r05 = rules(alone)["R05-2013"]
    assert r05["facts"]["members_ldtt"] == 0
    assert r05["facts"]["members_ldtt_rated_only"] == 15  # binh's rating too
    assert "15 thành viên chỉ được xếp loại" in r05["reason"]

    # the department's LĐTT nominations screened in the same batch: they count
    ids = {key: await submit(awards, ldtt(w, key)) for key in LDTT_HOLDERS}
    out = await screen(awards, {"year": 2020, **considered})
    assert {out[i]["verdict"] for i in ids.values()} == {"eligible"}
    assert (out[stc]["verdict"], out[stc]["failing"]) == ("eligible", [])
    r05 = rules(out[stc])["R05-2013"]
    assert (r05["facts"]["members_ldtt"], r05["facts"]["members_ldtt_this_batch"]) == (14, 14)
    assert r05["facts"]["members_ldtt_rated_only_ids"] == str(w.person("binh"))
    assert "14 được xét tặng trong đợt này" in r05["reason"]

    # progress says cv10 was rated HTTNV but not conferred LĐTT: not proposed, not counted
    await awards.feed(
        [
            p.PerformanceRated(
                subject_id=w.person("cv10"),
                subject_kind="person",
                year=2020,
                rating="HTTNV",
                unit_id=w.stc,
                ldtt_not_conferred="discipline",
            )
        ]
    )
    out = await screen(awards, {"year": 2020, **considered})
    cv10 = out[ids["cv10"]]
    assert (cv10["verdict"], cv10["failing"]) == ("ineligible", ["R01-2013"])
    assert rules(cv10)["R01-2013"]["facts"]["ldtt_not_conferred"] == "discipline"
    r05 = rules(out[stc])["R05-2013"]
    assert (r05["facts"]["members_ldtt"], r05["facts"]["members_ldtt_not_conferred"]) == (13, 1)
    assert out[stc]["verdict"] == "eligible"  # 13 of 16 is still 70 % or more

    run = (
        await awards.post(
            "/annual-screenings",
            {"year": 2020, "scope_unit_id": str(w.stc), "as_of": "2021-01-10"},
            expect=201,
        )
    ).json()
    assert run["candidates"]["LDTT"] == 13  # not tuan (HTNV), binh (blocked), cv10
    page = await awards.get(
        f"/annual-screenings/{run['run_id']}/candidates", params={"award_code": "LDTT"}
    )
    assert str(w.person("cv10")) not in {c["subject_id"] for c in page.json()["items"]}


async def test_statuses_and_titles_are_read_as_of_the_consideration_date(awards: Awards) -> None:
    # an's CSTĐCS of 2020 was decided on 15 January 2021, after the council's 10 January
    lines = ["Loại,Mã cá nhân,Mã danh hiệu,Năm,Số quyết định,Ngày quyết định"]
    w = build(2020, "2013")  # ids of this world, for the history file
    for y, day in ((2018, "05/12/2018"), (2019, "05/12/2019"), (2020, "15/01/2021")):
        lines.append(f"Cá nhân,{w.person('an')},CSTDCS,{y},{y}/QĐ-STC,{day}")
    await awards.feed(e for _, e in w.all_events())
    history = ("\n".join(lines) + "\n").encode()
    res = await awards.client.post("/award-history/imports", content=history, headers=awards.admin)
    assert res.status_code == 200, res.text
    # lan: a discipline imposed on 15 January 2021, after the council sat
    await awards.feed(
        [
            r.PersonStatusChanged(
                person_id=w.person("lan"),
                status_id=uuid.uuid4(),
                kind="discipline",
                discipline_level="warning",
                start=date(2021, 1, 15),
                end=date(2022, 1, 15),
            )
        ]
    )
    awards.today(date(2021, 1, 20))
    lan = await submit(awards, ldtt(w, "lan"))
    an = await submit(awards, nominations(w)["an_cstd_tinh"])
    screenings = await awards.count("screenings")

    # bad dates: 422 naming the field, nothing stored
    for day, code in (("2021-01-21", "future"), ("2020-12-30", "before_period_end")):
        res = await awards.post(
            "/screenings", {"nomination_ids": [lan, an], "considered_on": day}, expect=422
        )
        assert [(e["pointer"], e["type"]) for e in res.json()["errors"]] == [
            ("#/considered_on", code)
        ]
    res = await awards.post("/annual-screenings", {"year": 2020, "as_of": "2021-01-21"}, expect=422)
    assert res.json()["errors"][0]["pointer"] == "#/as_of"
    assert await awards.count("screenings") == screenings

    # on the council's date: lan's discipline did not exist yet, an's third CSTĐCS neither
    out = await screen(awards, {"nomination_ids": [lan, an], "considered_on": "2021-01-10"})
    assert (out[lan]["verdict"], out[lan]["failing"]) == ("eligible", [])
    assert out[lan]["considered_on"] == "2021-01-10"
    r14 = rules(out[lan])["R14"]
    assert r14["facts"]["considered_on"] == "2021-01-10"
    assert r14["reason"].startswith("Ngày xét 10/01/2021: không đang bị xem xét")
    assert (out[an]["verdict"], out[an]["failing"]) == ("ineligible", ["R03-2013"])
    assert rules(out[an])["R03-2013"]["facts"]["cstdcs_2020"] is False

    # stored with the screening and published with the event
    detail = (await awards.get(f"/nominations/{lan}")).json()
    assert detail["screening"]["considered_on"] == "2021-01-10"
    events = {e["nomination_id"]: e for e in await awards.outbox("NominationScreened")}
    assert events[lan]["considered_on"] == "2021-01-10"

    # today (no date given): the discipline is in force, an's CSTĐCS of 2020 on record
    out = await screen(awards, {"nomination_ids": [lan, an]})
    assert (out[lan]["verdict"], out[lan]["failing"]) == ("blocked", ["R14"])
    assert rules(out[lan])["R14"]["reason"].startswith("Ngày xét 20/01/2021: đang bị xem xét")
    assert (out[an]["verdict"], out[an]["failing"]) == ("eligible", [])
    assert out[an]["considered_on"] == "2021-01-20"
