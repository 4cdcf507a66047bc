"""People, statuses and blocs over HTTP, and who may read what."""

from __future__ import annotations

import json
import uuid

from tests.registry.seed import province


async def person(reg, unit_id, name, **kw):
    body = {
        "full_name": name,
        "gender": "female",
        "birth_year": 1980,
        "unit_id": unit_id,
        "position": "Chuyên viên",
        "valid_from": "2018-01-01",
        **kw,
    }
    r = await reg.post("/people", body, expect=201)
    return r.json()["person_id"]


async def test_people_versions_statuses_and_sorting(registry):
    u = await province(registry)
    a = await person(registry, u["stc"], "Nguyễn Văn Cường", gender="male")
    b = await person(registry, u["stc"], "Trần Thị Bình", citizen_id="096180000123")
    c = await person(registry, u["stc"], "Lê Thị An")
    r = await registry.get("/people", params={"unit_id": u["stc"]})
    assert [x["full_name"] for x in r.json()["items"]] == [
        "Lê Thị An",
        "Trần Thị Bình",
        "Nguyễn Văn Cường",
    ]
    r = await registry.get("/people", params={"q": "cuong"})
    assert [x["person_id"] for x in r.json()["items"]] == [a]
    # the citizen id is kept only as a keyed hash, never returned or published
    detail = (await registry.get(f"/people/{b}")).json()
    assert "citizen_id" not in json.dumps(detail) and "096180000123" not in json.dumps(detail)
    stored = await registry.pool.fetchval(
        "SELECT citizen_id_hash FROM people WHERE id = $1", uuid.UUID(b)
    )
    assert stored is not None and b"096180000123" not in stored
    outbox = await registry.pool.fetch("SELECT payload::text FROM outbox")
    assert not any("096180000123" in r["payload"] for r in outbox)
    r = await registry.post(
        "/people",
        {
            "full_name": "X",
            "gender": "male",
            "birth_year": 1990,
            "unit_id": u["stc"],
            "position": "x",
            "valid_from": "2020-01-01",
            "citizen_id": "096180000123",
        },
    )
    assert r.status_code == 409 and "096180000123" not in r.text
    # a move to another unit is a new version
    await registry.post(
        f"/people/{c}/changes",
        {"effective_from": "2022-01-01", "unit_id": u["syt"], "position": "Phó Giám đốc"},
        expect=200,
    )
    detail = (await registry.get(f"/people/{c}")).json()
    assert [h["unit_id"] for h in detail["history"]] == [u["stc"], u["syt"]]
    old = await registry.get("/people", params={"unit_id": u["stc"], "as_of": "2021-06-01"})
    assert c in [x["person_id"] for x in old.json()["items"]]
    # statuses block nominations while they apply
    s = (
        await registry.post(
            f"/people/{a}/statuses", {"kind": "investigation", "start": "2024-02-01"}, expect=201
        )
    ).json()
    blocked = await registry.get("/people", params={"blocked": "true", "as_of": "2024-03-01"})
    assert [x["person_id"] for x in blocked.json()["items"]] == [a]
    await registry.post(
        f"/people/{a}/statuses/{s['status_id']}/end", {"end": "2024-06-01"}, expect=200
    )
    r = await registry.get(f"/people/{a}", params={"as_of": "2024-06-01"})
    assert r.json()["blocked"] is False
    bad = await registry.post(
        f"/people/{a}/statuses", {"kind": "discipline", "start": "2024-02-01"}
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["pointer"] == "#/discipline_level"
    await registry.post(
        f"/people/{a}/statuses",
        {
            "kind": "discipline",
            "discipline_level": "warning",
            "start": "2023-01-01",
            "end": "2024-01-01",
        },
        expect=201,
    )
    types = [
        r["type"]
        for r in await registry.pool.fetch("SELECT type FROM outbox ORDER BY seq")
        if "people" in r["type"] or "Person" in r["type"]
    ]
    assert types.count("vn.thidua.registry.PersonStatusChanged.v1") == 3


async def test_people_bad_input(registry):
    u = await province(registry)
    await registry.pool.execute("DELETE FROM outbox")
    good = {
        "full_name": "Phạm Văn Dũng",
        "gender": "male",
        "birth_year": 1975,
        "unit_id": u["stc"],
        "position": "Giám đốc",
        "valid_from": "2020-01-01",
    }
    cases = {
        "birth year as text": ({**good, "birth_year": "1975"}, "#/birth_year"),
        "bad gender": ({**good, "gender": "x"}, "#/gender"),
        "unknown unit": ({**good, "unit_id": str(uuid.uuid4())}, "#/unit_id"),
        "unit not yet existing": ({**good, "valid_from": "1990-01-01"}, "#/unit_id"),
        "bad citizen id": ({**good, "citizen_id": "12AB"}, "#/citizen_id"),
        "missing position": ({k: v for k, v in good.items() if k != "position"}, "#/position"),
    }
    for name, (body, pointer) in cases.items():
        r = await registry.post("/people", body)
        assert r.status_code == 422, (name, r.text)
        assert pointer in [e.get("pointer") for e in r.json()["errors"]], (name, r.text)
        assert "12AB" not in r.text  # values are never echoed
    assert await registry.count("people") == 0 and await registry.count("outbox") == 0


async def test_blocs_membership_head_and_one_bloc_per_kind(registry):
    u = await province(registry)
    body = {
        "code": "KHOI-KT",
        "name": "Khối các sở kinh tế",
        "kind": "bloc",
        "year": 2024,
        "member_unit_ids": [u["stc"], u["sxd"]],
        "head_unit_id": u["stc"],
        "deputy_unit_id": u["sxd"],
        "scoring_scheme_ref": "TD-KT-2024",
    }
    bloc = (await registry.post("/blocs", body, expect=201)).json()
    assert bloc["member_unit_ids"] == [u["stc"], u["sxd"]] and bloc["head_unit_id"] == u["stc"]
    r = await registry.post(
        "/blocs",
        {
            **body,
            "code": "KHOI-2",
            "name": "Khối hai",
            "member_unit_ids": [u["stc"]],
            "head_unit_id": None,
            "deputy_unit_id": None,
        },
    )
    assert r.status_code == 409 and r.json()["code"] == "member_elsewhere"
    bid = bloc["bloc_id"]
    r = await registry.post(
        f"/blocs/{bid}/years/2024/members",
        {"add_unit_ids": [u["syt"]], "effective_on": "2024-06-01"},
        expect=200,
    )
    assert u["syt"] in r.json()["member_unit_ids"]
    r = await registry.post(
        f"/blocs/{bid}/years/2024/members",
        {"remove_unit_ids": [u["stc"]], "effective_on": "2024-07-01"},
    )
    assert r.status_code == 409 and r.json()["code"] == "head_leaving"
    r = await registry.post(
        f"/blocs/{bid}/years/2024/head", {"head_unit_id": u["syt"], "deputy_unit_id": u["syt"]}
    )
    assert r.status_code == 422
    await registry.post(
        f"/blocs/{bid}/years/2024/head",
        {"head_unit_id": u["sxd"], "deputy_unit_id": u["syt"]},
        expect=200,
    )
    # the next year: rotated head
    r = await registry.post(
        f"/blocs/{bid}/years",
        {"year": 2025, "member_unit_ids": [u["stc"], u["sxd"], u["syt"]], "head_unit_id": u["syt"]},
        expect=201,
    )
    detail = (await registry.get(f"/blocs/{bid}", params={"year": 2024})).json()
    assert detail["years"] == [2024, 2025] and detail["head_unit_id"] == u["sxd"]
    listed = await registry.get("/blocs", params={"year": 2025, "unit_id": u["syt"]})
    assert [x["bloc_id"] for x in listed.json()["items"]] == [bid]
    # a unit officer lists their own unit's blocs (the bloc head's pages find them so), and no
    # other unit's
    syt = registry.officer(u["syt"])
    own = await registry.get("/blocs", params={"year": 2025, "unit_id": u["syt"]}, headers=syt)
    assert [(x["bloc_id"], x["head_unit_id"]) for x in own.json()["items"]] == [(bid, u["syt"])]
    await registry.get("/blocs", params={"unit_id": u["stc"]}, headers=syt, expect=403)
    await registry.get("/blocs", headers=syt, expect=403)
    members = await registry.get("/units", params={"bloc_id": bid, "as_of": "2024-05-01"})
    assert {x["unit_id"] for x in members.json()["items"]} == {u["stc"], u["sxd"]}
    types = [
        r["type"].split(".")[-2]
        for r in await registry.pool.fetch(
            "SELECT type FROM outbox WHERE aggregatetype = 'registry.blocs.v1' ORDER BY seq"
        )
    ]
    assert types == [
        "BlocFormed",
        "BlocHeadElected",
        "BlocMembershipChanged",
        "BlocHeadElected",
        "BlocFormed",
        "BlocHeadElected",
    ]


async def test_a_unit_officer_reads_only_their_own_unit_and_changes_nothing(registry):
    u = await province(registry)
    mine = await person(registry, u["stc"], "Đỗ Thị Hoa")
    theirs = await person(registry, u["syt"], "Võ Văn Minh")
    officer = registry.officer(u["stc"])
    before = (await registry.count("unit_versions"), await registry.count("people"))
    writes = [
        (
            "/units",
            {
                "code": "Z",
                "name": "Z",
                "kind": "department",
                "level": "province",
                "valid_from": "2020-01-01",
            },
        ),
        (f"/units/{u['stc']}/changes", {"effective_from": "2024-01-01", "name": "Mine"}),
        (
            "/people",
            {
                "full_name": "A",
                "gender": "male",
                "birth_year": 1990,
                "unit_id": u["stc"],
                "position": "x",
                "valid_from": "2020-01-01",
            },
        ),
        (f"/people/{mine}/statuses", {"kind": "complaint", "start": "2024-01-01"}),
        (
            "/blocs",
            {"code": "B", "name": "B", "kind": "bloc", "year": 2024, "member_unit_ids": [u["stc"]]},
        ),
        (
            "/campaigns",
            {
                "code": "C",
                "title": "C",
                "theme": "t",
                "kind": "special",
                "start": "2024-01-01",
                "end": "2024-12-31",
                "launched_by": u["ubnd"],
            },
        ),
    ]
    for path, body in writes:
        r = await registry.post(path, body, headers=officer)
        assert r.status_code == 403, (path, r.text)
        assert r.json()["required_roles"] == ["province_admin"]
    assert (await registry.count("unit_versions"), await registry.count("people")) == before
    # reads: own unit yes, others no
    await registry.get(f"/units/{u['stc']}", headers=officer)
    await registry.get(f"/units/{u['syt']}", headers=officer, expect=403)
    await registry.get("/units/tree", headers=officer, expect=403)
    listed = (await registry.get("/units", headers=officer)).json()["items"]
    assert [x["unit_id"] for x in listed] == [u["stc"]]
    await registry.get(f"/people/{mine}", headers=officer)
    await registry.get(f"/people/{theirs}", headers=officer, expect=403)
    await registry.get("/people", params={"unit_id": u["syt"]}, headers=officer, expect=403)
    own = (await registry.get("/people", headers=officer)).json()["items"]
    assert [x["person_id"] for x in own] == [mine]
    await registry.get("/blocs", headers=officer, expect=403)
    # other roles read organisation data but not people
    member = registry.token(["council_member"], council_id="HD1")
    await registry.get("/units/tree", headers=member)
    await registry.get(f"/people/{mine}", headers=member, expect=403)
    # no token at all
    r = await registry.client.get("/units")
    assert r.status_code == 401
    audit = await registry.pool.fetch(
        "SELECT action, outcome FROM audit_log WHERE actor = 'officer'"
    )
    # every refusal; of what was allowed, the reads of people only (personal data)
    assert {a["outcome"] for a in audit} == {"refused", "ok"}
    assert {a["action"] for a in audit if a["outcome"] == "ok"} == {
        "GET /people",
        "GET /people/{person_id}",
    }
