"""Units' own movements (phong trào hưởng ứng): a district launches its own campaign answering the
province's, with its own sub-themes and targets, for itself and the units under it; the event
carries the link. Refused: a parent not launched, a period outside the parent's, a launching
unit not taking part, a unit outside the launcher's branch. Nothing is stored when refused."""

from __future__ import annotations

import json

from tests.registry.seed import province
from tests.registry.test_api_campaigns import draft, target

SUB_THEMES = ["Chuyên đề chuyển đổi số", "Chuyên đề xây dựng nông thôn mới nâng cao"]


async def launched_parent(reg, u):
    """The province's campaign: Sở Tài chính and the district of Đầm Dơi take part."""
    x = await draft(reg, u, participating_unit_ids=[u["stc"], u["dd"]])
    for unit in ("stc", "dd"):
        await reg.post(f"/campaigns/{x['campaign_id']}/targets", target(u[unit]), expect=201)
    await reg.post(f"/campaigns/{x['campaign_id']}/launch", {}, expect=200)
    return x["campaign_id"]


def movement(u, parent, **kw):
    return {
        "code": "DD-HUONG-UNG-2020",
        "title": "Phong trào thi đua huyện Đầm Dơi hưởng ứng đợt thi đua đặc biệt",
        "theme": "Đầm Dơi thi đua về đích sớm",
        "kind": "thematic",
        "start": "2020-06-01",
        "end": "2020-11-30",
        "launched_by": u["dd"],
        "participating_unit_ids": [u["dd"], u["tt"]],
        "parent_campaign_id": parent,
        "sub_themes": SUB_THEMES,
        **kw,
    }


async def test_a_district_launches_its_own_movement_answering_the_province_s(registry):
    u = await province(registry)
    parent = await launched_parent(registry, u)
    x = (await registry.post("/campaigns", movement(u, parent), expect=201)).json()
    assert x["parent_campaign_id"] == parent and x["sub_themes"] == SUB_THEMES
    cid = x["campaign_id"]
    for unit in ("dd", "tt"):
        await registry.post(
            f"/campaigns/{cid}/targets", target(u[unit], deadline="2020-11-30"), expect=201
        )
    await registry.post(f"/campaigns/{cid}/launch", {}, expect=200)
    (row,) = await registry.pool.fetch(
        "SELECT payload::text FROM outbox WHERE aggregateid = $1"
        " AND type = 'vn.thidua.registry.CampaignLaunched.v1'",
        cid,
    )
    payload = json.loads(row["payload"])
    assert payload["parent_campaign_id"] == parent and payload["sub_themes"] == SUB_THEMES
    assert payload["launched_by"] == u["dd"]
    assert sorted(payload["participating_unit_ids"]) == sorted([u["dd"], u["tt"]])
    got = (await registry.get(f"/campaigns/{cid}")).json()
    assert got["parent_campaign_id"] == parent and got["state"] == "launched"


async def test_child_campaigns_that_do_not_answer_their_parent_are_refused(registry):
    u = await province(registry)
    parent_draft = await draft(registry, u, code="DRAFT-2020", participating_unit_ids=[u["dd"]])
    r = await registry.post("/campaigns", movement(u, parent_draft["campaign_id"]))
    assert r.status_code == 409, r.text
    assert r.json()["code"] == "parent_not_launched"
    assert "DRAFT-2020 is draft" in r.json()["detail"]
    assert r.json()["errors"][0]["pointer"] == "#/parent_campaign_id"

    parent = await launched_parent(registry, u)
    before = await registry.pool.fetchval("SELECT count(*) FROM campaigns")
    cases = [
        ({"start": "2020-04-01"}, "#/start", "outside_parent", "before its parent DTDB-2020"),
        ({"end": "2021-01-31"}, "#/end", "outside_parent", "after its parent DTDB-2020"),
        (
            {"launched_by": u["syt"], "participating_unit_ids": [u["syt"]]},
            "#/launched_by",
            "not_participant",
            "does not take part in the parent campaign DTDB-2020",
        ),
        (
            {"participating_unit_ids": [u["dd"], u["stc"]]},
            "#/participating_unit_ids/1",
            "not_under_launcher",
            "neither the launching unit nor under it",
        ),
    ]
    for change, pointer, kind, words in cases:
        r = await registry.post("/campaigns", movement(u, parent, **change))
        assert r.status_code == 422, (change, r.text)
        (error,) = r.json()["errors"]
        assert (error["pointer"], error["type"]) == (pointer, kind), r.text
        assert words in error["detail"]
    r = await registry.post("/campaigns", movement(u, "00000000-0000-4000-8000-000000000000"))
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "unknown_campaign"
    assert await registry.pool.fetchval("SELECT count(*) FROM campaigns") == before

    # the parent closing after the draft was written keeps the child from launching
    x = (await registry.post("/campaigns", movement(u, parent), expect=201)).json()
    for unit in ("dd", "tt"):
        await registry.post(
            f"/campaigns/{x['campaign_id']}/targets",
            target(u[unit], deadline="2020-11-30"),
            expect=201,
        )
    await registry.post(f"/campaigns/{parent}/close", {"closed_on": "2020-12-31"}, expect=200)
    r = await registry.post(f"/campaigns/{x['campaign_id']}/launch", {})
    assert r.status_code == 409 and r.json()["code"] == "incomplete"
    assert [e["type"] for e in r.json()["errors"]] == ["parent_not_launched"]


async def test_the_launching_unit_s_officer_drafts_and_launches_its_own_movement(registry):
    u = await province(registry)
    parent = await launched_parent(registry, u)
    dd, tt = registry.officer(u["dd"]), registry.officer(u["tt"])
    # the province's own campaigns stay the province's; another unit's movement is not theirs
    body = movement(u, parent)
    r = await registry.post("/campaigns", {**body, "parent_campaign_id": None}, headers=dd)
    assert r.status_code == 403 and r.json()["type"] == "urn:thidua:problem:forbidden"
    r = await registry.post("/campaigns", body, headers=tt)
    assert r.status_code == 403
    x = (await registry.post("/campaigns", body, headers=dd, expect=201)).json()
    cid = x["campaign_id"]
    r = await registry.post(f"/campaigns/{cid}/targets", target(u["tt"]), headers=tt)
    assert r.status_code == 403
    for unit in ("dd", "tt"):
        await registry.post(
            f"/campaigns/{cid}/targets",
            target(u[unit], deadline="2020-11-30"),
            headers=dd,
            expect=201,
        )
    ready = (await registry.get(f"/campaigns/{cid}/readiness", headers=dd)).json()
    assert ready["complete"] is True
    await registry.post(f"/campaigns/{cid}/launch", {}, headers=tt, expect=403)
    r = await registry.post(f"/campaigns/{cid}/launch", {}, headers=dd, expect=200)
    assert r.json()["state"] == "launched"
    # the province's campaign is still not the district officer's to write
    await registry.post(f"/campaigns/{parent}/close", {"closed_on": "2020-12-31"}, headers=dd,
                        expect=403)  # fmt: skip
