"""Occasions achievements are dedicated to: the province defines them (an event tells the other
services), everyone reads them, a campaign names those it is dedicated to, and only those."""

from __future__ import annotations

import json

from tests.registry.seed import province
from tests.registry.test_api_campaigns import draft, target

CONGRESS = {
    "code": "DHTD-VI",
    "name": "Đại hội Thi đua yêu nước tỉnh Cà Mau lần thứ VI",
    "starts_on": "2020-09-10",
    "ends_on": "2020-09-11",
}


async def occasion(reg, **kw):
    return (await reg.post("/occasions", {**CONGRESS, **kw}, expect=201)).json()


async def test_the_province_defines_occasions_everyone_reads_them(registry):
    u = await province(registry)
    x = await occasion(registry)
    party = await occasion(
        registry, code="DHDB-XVII", name="Đại hội Đảng bộ tỉnh lần thứ XVII",
        starts_on="2020-10-14", ends_on=None,
    )  # fmt: skip
    (row,) = await registry.pool.fetch(
        "SELECT aggregatetype, payload::text FROM outbox"
        " WHERE type = 'vn.thidua.registry.OccasionDefined.v1' AND aggregateid = $1",
        x["occasion_id"],
    )
    assert row["aggregatetype"] == "registry.occasions.v1"
    assert json.loads(row["payload"])["name"] == CONGRESS["name"]
    officer = registry.officer(u["stc"])
    listed = (await registry.get("/occasions", headers=officer)).json()
    assert [o["code"] for o in listed] == ["DHDB-XVII", "DHTD-VI"]  # the latest first
    got = (await registry.get(f"/occasions/{party['occasion_id']}", headers=officer)).json()
    assert got["ends_on"] is None
    r = await registry.post("/occasions", {**CONGRESS, "code": "X"}, headers=officer)
    assert r.status_code == 403
    # bad input: nothing stored
    r = await registry.post("/occasions", {**CONGRESS, "code": "Y", "ends_on": "2020-09-01"})
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/ends_on"
    r = await registry.post("/occasions", CONGRESS)
    assert r.status_code == 409 and r.json()["code"] == "duplicate_code"
    assert await registry.pool.fetchval("SELECT count(*) FROM occasions") == 2


async def test_a_campaign_names_the_occasions_it_is_dedicated_to(registry):
    u = await province(registry)
    x = await occasion(registry)
    unknown = "00000000-0000-4000-8000-000000000000"
    r = await registry.post(
        "/campaigns",
        {
            "code": "C", "title": "t", "theme": "t", "kind": "special", "start": "2020-05-01",
            "end": "2020-12-31", "launched_by": u["ubnd"], "occasion_ids": [unknown],
        },
    )  # fmt: skip
    assert r.status_code == 422
    (error,) = r.json()["errors"]
    assert (error["pointer"], error["type"]) == ("#/occasion_ids/0", "unknown_occasion")
    c = await draft(registry, u, occasion_ids=[x["occasion_id"]])
    assert c["occasion_ids"] == [x["occasion_id"]]
    for unit in ("stc", "syt"):
        await registry.post(f"/campaigns/{c['campaign_id']}/targets", target(u[unit]), expect=201)
    await registry.post(f"/campaigns/{c['campaign_id']}/launch", {}, expect=200)
    (row,) = await registry.pool.fetch(
        "SELECT payload::text FROM outbox WHERE aggregateid = $1"
        " AND type = 'vn.thidua.registry.CampaignLaunched.v1'",
        c["campaign_id"],
    )
    assert json.loads(row["payload"])["occasion_ids"] == [x["occasion_id"]]
