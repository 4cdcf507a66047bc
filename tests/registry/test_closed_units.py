"""A unit closed on D (closure, merger, split; D is its first day of not existing) takes no target
due on or after D: 409 naming the closure and the successor. Before D, targets are taken as ever;
UnitClosed tells consumers (progress) who took over."""

from __future__ import annotations

import io
import json

from openpyxl import load_workbook

from servicekit.imports import XLSX
from tests.registry.seed import province, unit
from tests.registry.test_api_campaigns import draft, target


async def _merged(reg) -> dict[str, str]:
    """Two communes of Đầm Dơi merged into a new one on 2025-07-01."""
    u = await province(reg)
    u["tb"] = await unit(
        reg, "000.00.12.H12", "Ủy ban nhân dân xã Tân Bằng", "commune", "commune", u["dd"]
    )
    r = await reg.post(
        "/units/merges",
        {
            "merged_unit_ids": [u["tt"], u["tb"]],
            "effective_on": "2025-07-01",
            "successor": {
                "code": "000.00.30.H12",
                "name": "Ủy ban nhân dân xã Tân Thuận Mới",
                "kind": "commune",
                "level": "commune",
                "parent_id": u["dd"],
            },
        },
        expect=201,
    )
    u["new"] = next(x["unit_id"] for x in r.json()["registered"])
    return u


async def test_a_merged_unit_takes_no_target_due_after_its_merger(registry):
    u = await _merged(registry)
    x = await draft(
        registry,
        u,
        code="TD-2025",
        start="2025-01-01",
        end="2025-12-31",
        participating_unit_ids=[u["tt"], u["new"]],
    )
    cid = x["campaign_id"]
    path = f"/campaigns/{cid}/targets"
    # before D: as ever
    await registry.post(path, target(u["tt"], "Nửa năm", deadline="2025-06-30"), expect=201)
    # on or after D: refused, naming the closure and the successor
    r = await registry.post(path, target(u["tt"], "Cả năm", deadline="2025-12-31"), expect=409)
    problem = r.json()
    assert problem["code"] == "unit_closed"
    assert problem["closed_on"] == "2025-07-01" and problem["successor_unit_ids"] == [u["new"]]
    assert "01/07/2025" in problem["detail"] and "Tân Thuận Mới" in problem["detail"]
    assert "sáp nhập" in problem["detail"]
    await registry.post(path, target(u["tt"], "Ngày D", deadline="2025-07-01"), expect=409)
    assert await registry.count("targets") == 1
    # the successor takes it
    await registry.post(path, target(u["new"], "Cả năm", deadline="2025-12-31"), expect=201)
    # a revision moving a deadline past D is refused too, once launched or not
    (t,) = [
        t
        for t in (await registry.get(f"/campaigns/{cid}/targets")).json()
        if t["unit_id"] == u["tt"]
    ]
    r = await registry.post(
        f"/targets/{t['target_id']}/revisions", {"deadline": "2025-09-30"}, expect=409
    )
    assert r.json()["code"] == "unit_closed"
    await registry.post(f"/campaigns/{cid}/launch", {}, expect=200)


async def test_unit_closed_names_the_successors(registry):
    u = await _merged(registry)
    rows = await registry.pool.fetch(
        "SELECT payload::text FROM outbox WHERE type = 'vn.thidua.registry.UnitClosed.v1'"
        " ORDER BY seq"
    )
    closed = [json.loads(r["payload"]) for r in rows]
    assert {c["unit_id"] for c in closed} == {u["tt"], u["tb"]}
    for c in closed:
        assert c["closure_kind"] == "merged" and c["successor_unit_ids"] == [u["new"]]


async def test_a_bloc_year_across_a_merger_is_dated_and_exported_as_such(registry):
    """The cluster of 2025: the two communes January–June, their successor from July, which is
    elected head from that day (the first head stays head January–June). The year's export lists
    every member with its dates and is named by the year asked for."""
    u = await _merged(registry)
    bloc = (
        await registry.post(
            "/blocs",
            {
                "code": "CUM-1",
                "name": "Cụm thi đua số 1",
                "kind": "cluster",
                "year": 2025,
                "member_unit_ids": [u["tt"], u["tb"]],
                "head_unit_id": u["tt"],
            },
            expect=201,
        )
    ).json()
    path = f"/blocs/{bloc['bloc_id']}/years/2025"
    await registry.post(
        f"{path}/members", {"add_unit_ids": [u["new"]], "effective_on": "2025-07-01"}, expect=200
    )
    # a head elected from a day: the new commune is a member that day, tt was not replaced before
    r = await registry.post(
        f"{path}/head", {"head_unit_id": u["new"], "effective_on": "2025-06-01"}, expect=422
    )
    assert r.json()["errors"][0]["pointer"] == "#/head_unit_id"
    await registry.post(
        f"{path}/head", {"head_unit_id": u["new"], "effective_on": "2025-07-01"}, expect=200
    )
    await registry.post(
        f"{path}/members",
        {"remove_unit_ids": [u["tt"], u["tb"]], "effective_on": "2025-07-01"},
        expect=200,
    )
    rows = await registry.pool.fetch(
        "SELECT payload::text FROM outbox WHERE type = 'vn.thidua.registry.BlocHeadElected.v1'"
        " ORDER BY seq"
    )
    terms = [(x["head_unit_id"], x["effective_on"]) for x in map(json.loads, (r[0] for r in rows))]
    assert terms == [(u["tt"], "2025-01-01"), (u["new"], "2025-07-01")]
    formed = await registry.pool.fetchval(
        "SELECT payload::text FROM outbox WHERE type = 'vn.thidua.registry.BlocFormed.v1'"
    )
    assert json.loads(formed)["formed_on"] == "2025-01-01"

    x = await registry.get("/exports/bloc-memberships", params={"year": 2025})
    assert 'filename="bloc-memberships-2025.xlsx"' in x.headers["content-disposition"]
    sheet = load_workbook(io.BytesIO(x.content)).active
    header, *lines = list(sheet.iter_rows(values_only=True))
    assert header[6:8] == ("joined_on", "left_on")
    dated = {
        (line[4], line[5], line[6].date().isoformat(), line[7] and line[7].date().isoformat())
        for line in lines
    }
    assert dated == {
        ("000.00.11.H12", "member", "2025-01-01", "2025-07-01"),
        ("000.00.12.H12", "member", "2025-01-01", "2025-07-01"),
        ("000.00.30.H12", "head", "2025-07-01", None),
    }
    # the export imports back unchanged
    h = {**registry.admin, "content-type": XLSX}
    r = await registry.client.post("/imports/bloc-memberships", content=x.content, headers=h)
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], r.json()["unchanged"]) == (0, 3)
