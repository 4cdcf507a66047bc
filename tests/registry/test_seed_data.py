"""The demo's registry files (demo/data: units, bloc memberships, people, targets) import cleanly
through the registry's import, and the 2020 campaign they describe launches complete."""

from __future__ import annotations

from pathlib import Path

import yaml

DATA = Path(__file__).resolve().parents[2] / "demo" / "data"


async def test_demo_files_import_and_the_campaign_launches(registry):
    h = {**registry.admin, "content-type": "text/csv"}
    for kind in ("units", "bloc-memberships", "people"):
        r = await registry.client.post(
            f"/imports/{kind}", content=(DATA / f"{kind}.csv").read_bytes(), headers=h
        )
        assert r.status_code == 200 and not r.json()["errors"], r.text
    blocs = (await registry.get("/blocs", params={"year": 2020})).json()["items"]
    assert len(blocs) == 8  # seven blocs (khối) and the districts' cluster (cụm)
    ubnd = (
        await registry.get("/units", params={"q": "ủy ban nhân dân tỉnh", "as_of": "2020-05-01"})
    ).json()["items"][0]
    plan = yaml.safe_load((DATA / "campaign.yaml").read_text())
    x = (
        await registry.post(
            "/campaigns",
            {
                "code": plan["code"],
                "title": plan["title"],
                "theme": plan["theme"],
                "kind": plan["kind"],
                "start": str(plan["start"]),
                "end": str(plan["end"]),
                "launched_by": ubnd["unit_id"],
                "bloc_ids": [b["bloc_id"] for b in blocs],
            },
            expect=201,
        )
    ).json()
    r = await registry.client.post(
        "/imports/targets", content=(DATA / "targets.csv").read_bytes(), headers=h
    )
    assert r.status_code == 200 and r.json()["imported"] == 88, r.text  # two per unit
    ready = (await registry.get(f"/campaigns/{x['campaign_id']}/readiness")).json()
    assert ready["complete"] and len(ready["participant_unit_ids"]) == 44, ready
    launched = await registry.post(f"/campaigns/{x['campaign_id']}/launch", {}, expect=200)
    assert launched.json()["regime"] == "2013"
    after = (await registry.get("/units/tree", params={"as_of": "2025-07-01"})).json()
    assert all(child["level"] != "district" for n in after for child in n["children"])
