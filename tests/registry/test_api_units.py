"""Units over HTTP against the real database: registration, as-of lists and tree, history,
merge, and every kind of bad input answered with a problem and nothing stored."""

from __future__ import annotations

import uuid

from tests.registry.seed import province, unit


async def test_register_list_search_and_sort_in_vietnamese_order(registry):
    u = await province(registry)
    r = await registry.get("/units", params={"kind": "department"})
    assert [x["name"] for x in r.json()["items"]] == ["Sở Tài chính", "Sở Xây dựng", "Sở Y tế"]
    r = await registry.get("/units", params={"q": "dam doi"})
    assert [x["code"] for x in r.json()["items"]] == ["000.00.10.H12"]
    r = await registry.get("/units", params={"q": "Đầm"})
    assert len(r.json()["items"]) == 1
    r = await registry.get("/units", params={"q": "Đâm"})  # typed accents must match
    assert r.json()["items"] == []
    r = await registry.get("/units", params={"parent_id": u["dd"]})
    assert [x["unit_id"] for x in r.json()["items"]] == [u["tt"]]
    # pagination by cursor, in both directions
    seen, cursor = [], None
    while True:
        params = {"limit": 2, "sort": "-name", **({"cursor": cursor} if cursor else {})}
        page = (await registry.get("/units", params=params)).json()
        seen += [x["name"] for x in page["items"]]
        cursor = page.get("next_cursor")
        if not cursor:
            break
    assert (
        len(seen) == 6 and seen[0].startswith("Ủy ban nhân dân xã") and seen[-1] == "Sở Tài chính"
    )
    r = await registry.get("/units", params={"cursor": "garbage"}, expect=422)
    assert r.json()["errors"][0]["name"] == "cursor"


async def test_history_and_as_of_after_the_2025_reform(registry):
    u = await province(registry)
    reform = "2025-07-01"
    r = await registry.post(
        f"/units/{u['dd']}/close",
        {"closed_on": reform, "reason": "Bãi bỏ cấp huyện", "move_children_to": u["ubnd"]},
        expect=200,
    )
    assert r.json()["closed"] == [u["dd"]]
    bl = await unit(
        registry,
        "000.00.00.H07",
        "Ủy ban nhân dân tỉnh Bạc Liêu",
        "provincial_committee",
        "province",
    )
    r = await registry.post(
        "/units/merges",
        {
            "merged_unit_ids": [u["ubnd"], bl],
            "effective_on": reform,
            "successor": {
                "code": "000.00.00.H12-2025",
                "name": "Ủy ban nhân dân tỉnh Cà Mau",
                "kind": "provincial_committee",
                "level": "province",
            },
        },
        expect=201,
    )
    new = r.json()["registered"][0]["unit_id"]
    old_tree = (await registry.get("/units/tree", params={"as_of": "2025-06-30"})).json()
    assert [n["code"] for n in old_tree] == ["000.00.00.H07", "000.00.00.H12"]
    cm = old_tree[1]
    assert [c["code"] for c in cm["children"]] == [
        "000.00.01.H12",
        "000.00.03.H12",
        "000.00.02.H12",
        "000.00.10.H12",
    ]
    new_tree = (await registry.get("/units/tree", params={"as_of": reform})).json()
    assert [n["unit_id"] for n in new_tree] == [new]
    assert "000.00.11.H12" in [c["code"] for c in new_tree[0]["children"]]
    detail = (await registry.get(f"/units/{u['tt']}")).json()
    assert [h["parent_id"] for h in detail["history"]] == [u["dd"], new]
    old = (await registry.get(f"/units/{u['ubnd']}")).json()
    assert old["closure"]["kind"] == "merged" and old["closure"]["successor_ids"] == [new]
    assert (await registry.get(f"/units/{new}")).json()["predecessor_ids"] == sorted(
        [u["ubnd"], bl]
    )
    await registry.get(f"/units/{u['dd']}", params={"as_of": "2026-01-01"}, expect=404)
    listed = await registry.get("/units", params={"as_of": "2024-01-01", "level": "district"})
    assert [x["unit_id"] for x in listed.json()["items"]] == [u["dd"]]
    assert (
        await registry.get("/units", params={"as_of": "2026-01-01", "level": "district"})
    ).json()["items"] == []


async def test_rename_and_move_are_versions(registry):
    u = await province(registry)
    r = await registry.post(
        f"/units/{u['syt']}/changes",
        {"effective_from": "2024-03-01", "name": "Sở Y tế tỉnh Cà Mau"},
        expect=200,
    )
    assert r.json()["valid_from"] == "2024-03-01"
    hist = (await registry.get(f"/units/{u['syt']}")).json()["history"]
    assert [h["name"] for h in hist] == ["Sở Y tế", "Sở Y tế tỉnh Cà Mau"]
    r = await registry.get(f"/units/{u['syt']}", params={"as_of": "2023-01-01"})
    assert r.json()["name"] == "Sở Y tế"


async def _nothing_stored(registry, before: int) -> None:
    assert await registry.count("unit_versions") == before
    assert await registry.count("outbox") == 0


async def test_bad_input_is_refused_with_a_clear_problem_and_nothing_stored(registry):
    u = await province(registry)
    await registry.pool.execute("DELETE FROM outbox")
    before = await registry.count("unit_versions")
    good = {
        "code": "X1",
        "name": "Ban Thi đua",
        "kind": "department",
        "level": "province",
        "valid_from": "2020-01-01",
        "parent_id": u["ubnd"],
    }
    cases = {
        "missing field": ({k: v for k, v in good.items() if k != "name"}, 422, "#/name"),
        "wrong type": ({**good, "valid_from": 20200101}, 422, "#/valid_from"),
        "unknown kind": ({**good, "kind": "ministry"}, 422, "#/kind"),
        "unknown field": ({**good, "colour": "red"}, 422, "#/colour"),
        "blank name": ({**good, "name": "   "}, 422, "#/name"),
        "unknown parent": ({**good, "parent_id": str(uuid.uuid4())}, 422, "#/parent_id"),
        "parent not valid yet": ({**good, "valid_from": "1990-01-01"}, 422, "#/parent_id"),
        "reversed validity": ({**good, "valid_to": "2019-01-01"}, 422, "#"),
        "level above parent": ({**good, "parent_id": u["tt"]}, 422, "#/level"),
        "duplicate code": ({**good, "code": "000.00.01.H12"}, 409, None),
    }
    for name, (body, status, pointer) in cases.items():
        r = await registry.post("/units", body)
        assert r.status_code == status, (name, r.text)
        problem = r.json()
        assert r.headers["content-type"] == "application/problem+json", name
        assert problem["status"] == status and problem["detail"], name
        if pointer:
            assert pointer in [e.get("pointer") for e in problem["errors"]], (name, problem)
    r = await registry.client.post(
        "/units",
        content=b"{not json",
        headers={**registry.admin, "content-type": "application/json"},
    )
    assert r.status_code == 400 and r.json()["type"] == "urn:thidua:problem:unparsable-body"
    big = {**good, "name": "x" * 5_000_000}
    r = await registry.post("/units", big)
    assert r.status_code == 413 and r.json()["max_bytes"] == 4_000_000
    # a cycle: moving the district under its own commune
    r = await registry.post(
        f"/units/{u['dd']}/changes",
        {"effective_from": "2010-01-01", "parent_id": u["tt"], "level": "commune"},
    )
    assert r.status_code == 422 and "cycle" in [e["type"] for e in r.json()["errors"]]
    # closing a unit that still has children, without saying where they go
    r = await registry.post(f"/units/{u['dd']}/close", {"closed_on": "2025-07-01"})
    assert r.status_code == 409 and r.json()["code"] == "has_children"
    await registry.post(
        f"/units/{uuid.uuid4()}/changes", {"effective_from": "2020-01-01", "name": "x"}, expect=404
    )
    await _nothing_stored(registry, before)


async def test_idempotency_key_replays_the_first_answer(registry):
    body = {
        "code": "IDEM",
        "name": "Sở Nội vụ",
        "kind": "department",
        "level": "province",
        "valid_from": "2020-01-01",
    }
    h = {**registry.admin, "Idempotency-Key": "k-1"}
    first = await registry.post("/units", body, headers=h, expect=201)
    again = await registry.post("/units", body, headers=h, expect=201)
    assert again.json() == first.json() and again.headers["idempotent-replayed"] == "true"
    assert await registry.count("units") == 1
    assert await registry.count("outbox") == 1
    other = await registry.post("/units", {**body, "name": "khác"}, headers=h)
    assert other.status_code == 422 and other.json()["mismatch"] == "body"


async def test_events_of_unit_commands_go_to_the_outbox_keyed_by_unit(registry):
    u = await province(registry)
    rows = await registry.pool.fetch(
        "SELECT aggregatetype, aggregateid, type FROM outbox ORDER BY seq"
    )
    assert {r["aggregatetype"] for r in rows} == {"registry.units.v1"}
    assert [r["aggregateid"] for r in rows] == [
        u[k] for k in ("ubnd", "stc", "syt", "sxd", "dd", "tt")
    ]
    assert {r["type"] for r in rows} == {"vn.thidua.registry.UnitRegistered.v1"}


async def test_split_a_district_between_two_new_ones(registry):
    u = await province(registry)
    t2 = await unit(
        registry, "000.00.12.H12", "Ủy ban nhân dân xã Tạ An Khương", "commune", "commune", u["dd"]
    )
    body = {
        "effective_on": "2015-01-01",
        "successors": [
            {
                "code": "DD-BAC",
                "name": "Huyện Đầm Dơi Bắc",
                "kind": "district",
                "level": "district",
                "parent_id": u["ubnd"],
            },
            {
                "code": "DD-NAM",
                "name": "Huyện Đầm Dơi Nam",
                "kind": "district",
                "level": "district",
                "parent_id": u["ubnd"],
            },
        ],
        "children": {u["tt"]: "DD-BAC"},
    }
    r = await registry.post(f"/units/{u['dd']}/split", body)
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/children"
    assert await registry.count("units") == 7
    body["children"][t2] = "DD-NAM"
    r = await registry.post(f"/units/{u['dd']}/split", body, expect=201)
    out = r.json()
    assert {x["code"] for x in out["registered"]} == {"DD-BAC", "DD-NAM"}
    assert out["closed"] == [u["dd"]]
    tree = (await registry.get("/units/tree", params={"as_of": "2015-01-01"})).json()
    districts = {
        c["code"]: [g["unit_id"] for g in c["children"]]
        for c in tree[0]["children"]
        if c["level"] == "district"
    }
    assert districts == {"DD-BAC": [u["tt"]], "DD-NAM": [t2]}
    old = (await registry.get(f"/units/{u['dd']}")).json()
    assert old["closure"]["kind"] == "split" and len(old["closure"]["successor_ids"]) == 2
