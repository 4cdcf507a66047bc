"""The sample files of data/seed/registry import cleanly, and the 2020 campaign they describe
launches complete."""

from __future__ import annotations

from pathlib import Path

from tests.registry.test_api_campaigns import THEME

SEED = Path(__file__).resolve().parents[2] / "data" / "seed" / "registry"


async def test_seed_files_import_and_the_campaign_launches(registry):
    h = {**registry.admin, "content-type": "text/csv"}
    for kind in ("units", "bloc-memberships"):
        r = await registry.client.post(
            f"/imports/{kind}", content=(SEED / f"{kind}.csv").read_bytes(), headers=h
        )
        assert r.status_code == 200 and not r.json()["errors"], r.text
    blocs = (await registry.get("/blocs", params={"year": 2020})).json()["items"]
    assert len(blocs) == 7
    ubnd = (
        await registry.get("/units", params={"q": "ủy ban nhân dân tỉnh", "as_of": "2020-05-01"})
    ).json()["items"][0]
    x = (
        await registry.post(
            "/campaigns",
            {
                "code": "DTDB-2020",
                "title": "Đợt thi đua đặc biệt năm 2020",
                "theme": THEME,
                "kind": "special",
                "start": "2020-05-01",
                "end": "2020-12-31",
                "launched_by": ubnd["unit_id"],
                "bloc_ids": [b["bloc_id"] for b in blocs],
            },
            expect=201,
        )
    ).json()
    r = await registry.client.post(
        "/imports/targets", content=(SEED / "targets.csv").read_bytes(), headers=h
    )
    assert r.status_code == 200 and r.json()["imported"] == 33, r.text
    ready = (await registry.get(f"/campaigns/{x['campaign_id']}/readiness")).json()
    assert ready["complete"] and len(ready["participant_unit_ids"]) == 24, ready
    launched = await registry.post(f"/campaigns/{x['campaign_id']}/launch", {}, expect=200)
    assert launched.json()["regime"] == "2013"
    after = (await registry.get("/units/tree", params={"as_of": "2025-07-01"})).json()
    assert all(child["level"] != "district" for n in after for child in n["children"])
