"""A unit closed on D (closure, merger, split; D is its first day of not existing) takes no target
due on or after D: 409 naming the closure and the successor. Before D, targets are taken as ever;
UnitClosed tells consumers (progress) who took over."""

from __future__ import annotations

import json

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
