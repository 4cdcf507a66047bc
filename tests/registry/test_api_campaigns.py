"""Campaigns and targets over HTTP: drafting, completeness, launch with its targets, revisions,
closing, bad input, and what a unit officer sees."""

from __future__ import annotations

import json
import uuid

from tests.registry.seed import province

THEME = (
    "Đảng bộ, chính quyền, lực lượng vũ trang, cộng đồng doanh nghiệp và nhân dân tỉnh Cà Mau "
    "đồng thuận cao, thi đua giỏi, về đích sớm"
)


def target(unit_id, name="Thu ngân sách nhà nước", **kw):
    return {
        "unit_id": unit_id,
        "name": name,
        "metric": "Tổng thu ngân sách",
        "unit_of_measure": "tỷ đồng",
        "target_value": 1500,
        "direction": "higher_is_better",
        "weight": 2.0,
        "deadline": "2020-12-31",
        "indicator_code": "KTXH-01",
        **kw,
    }


async def draft(reg, u, **kw):
    body = {
        "code": "DTDB-2020",
        "title": "Đợt thi đua đặc biệt năm 2020",
        "theme": THEME,
        "goals": ["Hoàn thành các chỉ tiêu kinh tế - xã hội năm 2020"],
        "kind": "special",
        "start": "2020-05-01",
        "end": "2020-12-31",
        "launched_by": u["ubnd"],
        "participating_unit_ids": [u["stc"], u["syt"]],
        **kw,
    }
    return (await reg.post("/campaigns", body, expect=201)).json()


async def test_launch_checks_completeness_then_publishes_the_campaign_with_its_targets(registry):
    u = await province(registry)
    x = await draft(registry, u)
    cid = x["campaign_id"]
    assert x["regime"] == "2013" and x["state"] == "draft" and not x["regime_overridden"]
    await registry.post(f"/campaigns/{cid}/targets", target(u["stc"]), expect=201)
    ready = (await registry.get(f"/campaigns/{cid}/readiness")).json()
    assert not ready["complete"]
    assert [p["detail"] for p in ready["problems"]] == ["unit 000.00.02.H12 has no target"]
    r = await registry.post(f"/campaigns/{cid}/launch", {})
    assert r.status_code == 409 and r.json()["code"] == "incomplete"
    assert r.json()["errors"][0]["type"] == "no_target"
    assert await registry.count("outbox") == 6  # only the units' registrations
    t2 = (
        await registry.post(
            f"/campaigns/{cid}/targets",
            target(u["syt"], "Tỷ lệ bao phủ bảo hiểm y tế", target_value=92.5, unit_of_measure="%"),
            expect=201,
        )
    ).json()
    # a draft's target is edited in place, without an event
    r = await registry.post(
        f"/targets/{t2['target_id']}/revisions", {"target_value": 93.0}, expect=200
    )
    assert r.json()["revision"] == 1 and r.json()["target_value"] == 93.0
    launched = (await registry.post(f"/campaigns/{cid}/launch", {}, expect=200)).json()
    assert launched["state"] == "launched"
    rows = await registry.pool.fetch(
        "SELECT aggregateid, type, payload::text FROM outbox"
        " WHERE aggregatetype = 'registry.campaigns.v1'"
    )
    assert [(r["aggregateid"], r["type"]) for r in rows] == [
        (cid, "vn.thidua.registry.CampaignLaunched.v1")
    ]
    payload = json.loads(rows[0]["payload"])
    assert payload["regime"] == "2013" and payload["theme"] == THEME
    assert {t["unit_id"] for t in payload["targets"]} == {u["stc"], u["syt"]}
    assert sorted(payload["participating_unit_ids"]) == sorted([u["stc"], u["syt"]])
    # after launch: editing the campaign is refused, a target revision is published
    r = await registry.client.patch(
        f"/campaigns/{cid}", json={"title": "x"}, headers=registry.admin
    )
    assert r.status_code == 409
    r = await registry.post(f"/targets/{t2['target_id']}/revisions", {"target_value": 95.0})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/reason"
    r = await registry.post(
        f"/targets/{t2['target_id']}/revisions",
        {"target_value": 95.0, "reason": "Điều chỉnh theo Nghị quyết"},
        expect=200,
    )
    assert r.json()["revision"] == 2
    detail = (await registry.get(f"/targets/{t2['target_id']}")).json()
    assert [(x["revision"], x["target_value"]) for x in detail["revisions"]] == [
        (1, 93.0),
        (2, 95.0),
    ]
    # a target added after launch is published as TargetAssigned
    await registry.post(
        f"/campaigns/{cid}/targets",
        target(u["stc"], "Giải ngân vốn đầu tư công", unit_of_measure="%", target_value=95),
        expect=201,
    )
    closed = await registry.post(
        f"/campaigns/{cid}/close", {"closed_on": "2021-01-15", "summary": "Về đích sớm"}, expect=200
    )
    assert closed.json()["state"] == "closed"
    await registry.post(f"/campaigns/{cid}/targets", target(u["stc"], "late"), expect=409)
    types = [
        r["type"].split(".")[-2]
        for r in await registry.pool.fetch(
            "SELECT type FROM outbox WHERE aggregatetype = 'registry.campaigns.v1' ORDER BY seq"
        )
    ]
    assert types == ["CampaignLaunched", "TargetRevised", "TargetAssigned", "CampaignClosed"]


async def test_regime_from_dates_and_overrides_and_bloc_participants(registry):
    u = await province(registry)
    bloc = (
        await registry.post(
            "/blocs",
            {
                "code": "K1",
                "name": "Khối văn hóa - xã hội",
                "kind": "bloc",
                "year": 2024,
                "member_unit_ids": [u["syt"], u["sxd"]],
            },
            expect=201,
        )
    ).json()
    x = await draft(
        registry,
        u,
        code="TD-2024",
        start="2024-01-01",
        end="2024-12-31",
        participating_unit_ids=[],
        bloc_ids=[bloc["bloc_id"]],
    )
    assert x["regime"] == "2022"
    cid = x["campaign_id"]
    ready = (await registry.get(f"/campaigns/{cid}/readiness")).json()
    assert sorted(ready["participant_unit_ids"]) == sorted([u["syt"], u["sxd"]])
    r = await registry.client.patch(
        f"/campaigns/{cid}", json={"regime": "2013"}, headers=registry.admin
    )
    assert r.status_code == 200 and r.json()["regime"] == "2013" and r.json()["regime_overridden"]
    r = await registry.client.patch(
        f"/campaigns/{cid}", json={"regime": None}, headers=registry.admin
    )
    assert r.json()["regime"] == "2022" and not r.json()["regime_overridden"]
    r = await registry.post(f"/campaigns/{cid}/targets", target(u["stc"], deadline="2024-12-31"))
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/unit_id"
    listed = await registry.get("/campaigns", params={"unit_id": u["syt"]})
    assert [c["campaign_id"] for c in listed.json()["items"]] == [cid]
    units = await registry.get("/units", params={"campaign_id": cid})
    assert {x["unit_id"] for x in units.json()["items"]} == {u["syt"], u["sxd"]}


async def test_campaign_and_target_bad_input_stores_nothing(registry):
    u = await province(registry)
    x = await draft(registry, u)
    cid = x["campaign_id"]
    await registry.pool.execute("DELETE FROM outbox")
    cases = {
        "negative weight": (target(u["stc"], weight=-1), 422, "#/weight"),
        "negative value, negatives not allowed": (
            target(u["stc"], target_value=-1.5),
            422,
            "#/target_value",
        ),
        "allow_negative as text": (target(u["stc"], allow_negative="yes"), 422, "#/allow_negative"),
        "value as text": (target(u["stc"], target_value="1500"), 422, "#/target_value"),
        "bad direction": (target(u["stc"], direction="up"), 422, "#/direction"),
        "deadline outside": (target(u["stc"], deadline="2021-03-01"), 422, "#/deadline"),
        "unknown unit": (target(str(uuid.uuid4())), 422, "#/unit_id"),
        "missing metric": (
            {k: v for k, v in target(u["stc"]).items() if k != "metric"},
            422,
            "#/metric",
        ),
    }
    for name, (body, status, pointer) in cases.items():
        r = await registry.post(f"/campaigns/{cid}/targets", body)
        assert r.status_code == status, (name, r.text)
        assert pointer in [e.get("pointer") for e in r.json()["errors"]], (name, r.text)
    await registry.post(f"/campaigns/{uuid.uuid4()}/targets", target(u["stc"]), expect=404)
    assert await registry.count("targets") == 0
    bad_campaigns = {
        "ends before it starts": {"end": "2019-12-31"},
        "unknown launcher": {"launched_by": str(uuid.uuid4())},
        "unknown participant": {"participating_unit_ids": [str(uuid.uuid4())]},
        "unknown bloc": {"bloc_ids": [str(uuid.uuid4())]},
        "bad regime": {"regime": "2019"},
        "bad kind": {"kind": "weekly"},
    }
    base = {
        "code": "NEW",
        "title": "T",
        "theme": "t",
        "kind": "thematic",
        "start": "2020-01-01",
        "end": "2020-12-31",
        "launched_by": u["ubnd"],
    }
    for name, change in bad_campaigns.items():
        r = await registry.post("/campaigns", {**base, **change})
        assert r.status_code == 422, (name, r.text)
    r = await registry.post("/campaigns", {**base, "code": "DTDB-2020"})
    assert r.status_code == 409
    assert await registry.count("campaigns") == 1 and await registry.count("outbox") == 0


async def test_unit_officer_reads_own_targets_only(registry):
    u = await province(registry)
    x = await draft(registry, u)
    cid = x["campaign_id"]
    t1 = (await registry.post(f"/campaigns/{cid}/targets", target(u["stc"]), expect=201)).json()
    t2 = (await registry.post(f"/campaigns/{cid}/targets", target(u["syt"]), expect=201)).json()
    officer = registry.officer(u["stc"])
    mine = (await registry.get(f"/campaigns/{cid}/targets", headers=officer)).json()
    assert [t["target_id"] for t in mine] == [t1["target_id"]]
    await registry.get(
        f"/campaigns/{cid}/targets", params={"unit_id": u["syt"]}, headers=officer, expect=403
    )
    await registry.get(f"/targets/{t2['target_id']}", headers=officer, expect=403)
    await registry.get(f"/targets/{t1['target_id']}", headers=officer)
    assert len((await registry.get(f"/units/{u['stc']}/targets", headers=officer)).json()) == 1
    await registry.get(f"/units/{u['syt']}/targets", headers=officer, expect=403)
    await registry.get(f"/campaigns/{cid}", headers=officer)
    outsider = registry.officer(u["sxd"])
    await registry.get(f"/campaigns/{cid}", headers=outsider, expect=403)
    r = await registry.post(
        f"/targets/{t1['target_id']}/revisions", {"target_value": 1.0}, headers=officer
    )
    assert r.status_code == 403
    r = await registry.client.delete(f"/targets/{t1['target_id']}", headers=officer)
    assert r.status_code == 403
    r = await registry.client.delete(f"/targets/{t1['target_id']}", headers=registry.admin)
    assert r.status_code == 204


async def test_a_target_may_allow_negative_values_and_its_events_say_so(registry):
    """Growth rates can fall below zero: such a target says so (allow_negative), may have a
    negative target value, and carries the flag in CampaignLaunched and TargetRevised."""
    u = await province(registry)
    x = await draft(registry, u, participating_unit_ids=[u["stc"]])
    cid = x["campaign_id"]
    growth = target(
        u["stc"],
        "Tốc độ tăng trưởng chi phí hành chính",
        unit_of_measure="%",
        target_value=-2.0,
        direction="lower_is_better",
        allow_negative=True,
    )
    t = (await registry.post(f"/campaigns/{cid}/targets", growth, expect=201)).json()
    assert t["allow_negative"] is True and t["target_value"] == -2.0
    await registry.post(f"/campaigns/{cid}/launch", {}, expect=200)
    launched = json.loads(
        await registry.pool.fetchval(
            "SELECT payload::text FROM outbox WHERE type = 'vn.thidua.registry.CampaignLaunched.v1'"
        )
    )
    assert [(s["target_value"], s["allow_negative"]) for s in launched["targets"]] == [(-2.0, True)]
    # turning it off while the target value is negative is refused, nothing published
    before = await registry.count("outbox")
    r = await registry.post(
        f"/targets/{t['target_id']}/revisions", {"allow_negative": False, "reason": "Sửa"}
    )
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/target_value", r.text
    assert await registry.count("outbox") == before
    r = await registry.post(
        f"/targets/{t['target_id']}/revisions",
        {"allow_negative": False, "target_value": 0.5, "reason": "Điều chỉnh"},
        expect=200,
    )
    assert r.json()["allow_negative"] is False and r.json()["revision"] == 2
    revised = json.loads(
        await registry.pool.fetchval(
            "SELECT payload::text FROM outbox WHERE type = 'vn.thidua.registry.TargetRevised.v1'"
        )
    )
    assert revised["allow_negative"] is False and revised["target_value"] == 0.5
    detail = (await registry.get(f"/targets/{t['target_id']}")).json()
    assert [(v["revision"], v["allow_negative"]) for v in detail["revisions"]] == [
        (1, True),
        (2, False),
    ]
