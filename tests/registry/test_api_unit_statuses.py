"""A unit's (a collective's) discipline, investigation, inspection and complaint periods over HTTP:
recorded and ended by administrators, published as UnitStatusChanged; bad input of every kind is
refused with a problem naming what is wrong, and nothing is stored or published."""

from __future__ import annotations

import json
import uuid

from tests.registry.seed import province


async def _published(reg) -> list[dict]:
    rows = await reg.pool.fetch(
        "SELECT aggregatetype, aggregateid, payload FROM outbox"
        " WHERE type = 'vn.thidua.registry.UnitStatusChanged.v1' ORDER BY seq"
    )
    return [
        {"topic": r["aggregatetype"], "key": r["aggregateid"], **json.loads(r["payload"])}
        for r in rows
    ]


async def test_record_end_and_list_a_units_statuses(registry):
    u = await province(registry)
    r = await registry.post(
        f"/units/{u['stc']}/statuses", {"kind": "inspection", "start": "2024-03-01"}, expect=201
    )
    inspection = r.json()
    assert r.headers["Location"] == f"/units/{u['stc']}/statuses/{inspection['status_id']}"
    assert (inspection["unit_id"], inspection["kind"], inspection["end"]) == (
        u["stc"],
        "inspection",
        None,
    )
    # another kind may run at the same time; a reprimand is a unit's discipline
    await registry.post(
        f"/units/{u['stc']}/statuses", {"kind": "complaint", "start": "2024-04-01"}, expect=201
    )
    await registry.post(
        f"/units/{u['stc']}/statuses",
        {"kind": "discipline", "discipline_level": "reprimand", "start": "2022-01-10",
         "end": "2023-01-10"},
        expect=201,
    )  # fmt: skip
    ended = await registry.post(
        f"/units/{u['stc']}/statuses/{inspection['status_id']}/end",
        {"end": "2024-09-01"},
        expect=200,
    )
    assert ended.json()["end"] == "2024-09-01"
    # the end is exclusive: a new inspection may start on the day the last one ended
    await registry.post(
        f"/units/{u['stc']}/statuses", {"kind": "inspection", "start": "2024-09-01"}, expect=201
    )
    listed = (await registry.get(f"/units/{u['stc']}/statuses")).json()
    assert [(s["kind"], s["start"], s["end"]) for s in listed] == [
        ("discipline", "2022-01-10", "2023-01-10"),
        ("inspection", "2024-03-01", "2024-09-01"),
        ("complaint", "2024-04-01", None),
        ("inspection", "2024-09-01", None),
    ]
    assert (await registry.get(f"/units/{u['syt']}/statuses")).json() == []

    events = await _published(registry)
    assert len(events) == 5
    assert {(e["topic"], e["key"]) for e in events} == {("registry.units.v1", u["stc"])}
    first, end = events[0], events[3]
    assert first["status_id"] == end["status_id"] == inspection["status_id"]
    assert (first["end"], end["end"]) == (None, "2024-09-01")
    assert events[2]["discipline_level"] == "reprimand"


async def test_bad_unit_statuses_are_refused_and_nothing_is_kept(registry):
    u = await province(registry)
    stc = u["stc"]
    # sxd closes at the end of 2024: a status cannot start after that
    await registry.post(f"/units/{u['sxd']}/close", {"closed_on": "2025-01-01"}, expect=200)
    kept = (
        await registry.post(
            f"/units/{stc}/statuses", {"kind": "investigation", "start": "2024-02-01"}, expect=201
        )
    ).json()
    await registry.pool.execute("DELETE FROM outbox")
    good = {"kind": "inspection", "start": "2024-03-01"}
    cases = {
        "missing kind": (stc, {"start": "2024-03-01"}, 422, "#/kind"),
        "unknown kind": (stc, {**good, "kind": "audit"}, 422, "#/kind"),
        "missing start": (stc, {"kind": "inspection"}, 422, "#/start"),
        "start as a number": (stc, {**good, "start": 20240301}, 422, "#/start"),
        "start not a date": (stc, {**good, "start": "2024-02-30"}, 422, "#/start"),
        "unknown field": (stc, {**good, "person_id": str(uuid.uuid4())}, 422, "#/person_id"),
        "discipline without level": (stc, {**good, "kind": "discipline"}, 422,
                                     "#/discipline_level"),
        "level without discipline": (stc, {**good, "discipline_level": "warning"}, 422,
                                     "#/discipline_level"),
        "a person's sanction": (stc, {**good, "kind": "discipline",
                                      "discipline_level": "dismissal"}, 422,
                                "#/discipline_level"),
        "unknown level": (stc, {**good, "kind": "discipline", "discipline_level": "x"}, 422,
                          "#/discipline_level"),
        "end before start": (stc, {**good, "end": "2024-02-29"}, 422, "#/end"),
        "overlapping same kind": (stc, {"kind": "investigation", "start": "2024-06-01"}, 409,
                                  None),
        "overlapping from before": (stc, {"kind": "investigation", "start": "2023-01-01",
                                          "end": "2024-02-02"}, 409, None),
        "after the unit closed": (u["sxd"], {**good, "start": "2025-01-01"}, 422, "#/start"),
        "unknown unit": (str(uuid.uuid4()), good, 404, None),
    }  # fmt: skip
    for name, (unit_id, body, status, pointer) in cases.items():
        r = await registry.post(f"/units/{unit_id}/statuses", body)
        assert r.status_code == status, (name, r.text)
        problem = r.json()
        assert problem["detail"], name
        if pointer is not None:
            assert pointer in [e.get("pointer") for e in problem["errors"]], (name, r.text)
        if status == 409:
            assert (problem["code"], problem["status_id"]) == ("overlap", kept["status_id"])
    assert (await registry.post("/units/not-a-uuid/statuses", good)).status_code == 422

    end = f"/units/{stc}/statuses/{kept['status_id']}/end"
    ends = {
        "end before start": (end, {"end": "2024-01-31"}, 422),
        "end missing": (end, {}, 422),
        "unknown status": (f"/units/{stc}/statuses/{uuid.uuid4()}/end", {"end": "2024-05-01"}, 404),
        "another unit's status": (
            f"/units/{u['syt']}/statuses/{kept['status_id']}/end", {"end": "2024-05-01"}, 404
        ),
        "unknown unit": (
            f"/units/{uuid.uuid4()}/statuses/{kept['status_id']}/end", {"end": "2024-05-01"}, 404
        ),
    }  # fmt: skip
    for name, (path, body, status) in ends.items():
        r = await registry.post(path, body)
        assert r.status_code == status, (name, r.text)
    await registry.post(end, {"end": "2024-05-01"}, expect=200)
    again = await registry.post(end, {"end": "2024-06-01"})
    assert again.status_code == 409 and again.json()["code"] == "ended"

    rows = await registry.pool.fetch("SELECT kind, end_date FROM unit_statuses")
    assert [(r["kind"], str(r["end_date"])) for r in rows] == [("investigation", "2024-05-01")]
    assert len(await _published(registry)) == 1  # only the accepted end
    assert await registry.count("outbox") == 1


async def test_only_administrators_write_and_status_readers_read(registry):
    u = await province(registry)
    s = (
        await registry.post(
            f"/units/{u['stc']}/statuses", {"kind": "complaint", "start": "2024-01-05"}, expect=201
        )
    ).json()
    await registry.pool.execute("DELETE FROM outbox")
    officer = registry.officer(u["stc"])
    member = registry.token(["council_member"], council_id="HD1")
    secretary = registry.token(["council_secretary"], council_id="HD1")
    body = {"kind": "inspection", "start": "2024-03-01"}
    for who in (officer, member, secretary):
        r = await registry.post(f"/units/{u['stc']}/statuses", body, headers=who)
        assert r.status_code == 403, r.text
        r = await registry.post(
            f"/units/{u['stc']}/statuses/{s['status_id']}/end", {"end": "2024-05-01"}, headers=who
        )
        assert r.status_code == 403, r.text
    r = await registry.client.post(f"/units/{u['stc']}/statuses", json=body)
    assert r.status_code == 401
    assert await registry.count("unit_statuses") == 1 and await registry.count("outbox") == 0

    # reading: who reads people's statuses; a unit officer only their own unit's
    own = await registry.get(f"/units/{u['stc']}/statuses", headers=officer)
    assert [x["status_id"] for x in own.json()] == [s["status_id"]]
    await registry.get(f"/units/{u['syt']}/statuses", headers=officer, expect=403)
    await registry.get(f"/units/{u['stc']}/statuses", headers=secretary)
    await registry.get(f"/units/{u['stc']}/statuses", headers=member, expect=403)
    await registry.get(f"/units/{uuid.uuid4()}/statuses", expect=404)
