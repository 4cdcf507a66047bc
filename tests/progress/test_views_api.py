"""A unit's completion and a campaign's dashboard: weighted by target, early finishers flagged,
overdue targets listed; a unit officer sees their own unit only."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.progress.seed import ID
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra


async def test_a_unit_s_weighted_completion(seeded):
    officer = seeded.officer(ID.stc)
    await seeded.post("/reports", report(ID.t_thu, 2625), headers=officer, expect=201)  # 50 %
    await seeded.post("/reports", report(ID.t_giai_ngan, 130), headers=officer, expect=201)
    out = (await seeded.get(f"/units/{ID.stc}/completion", headers=officer)).json()
    (c,) = out["campaigns"]
    assert c["campaign_id"] == str(ID.campaign) and c["targets"] == 2
    assert (c["code"], c["name"]) == ("000.00.05.H12", "Sở Tài chính")
    # weights 2 and 1: capped (2 × 0.5 + 1 × 1) / 3, uncapped (2 × 0.5 + 1 × 1.3) / 3
    assert c["completion"] == {"capped": 0.666667, "uncapped": 0.766667}
    assert (c["achieved"], c["achieved_early"], c["finished_early"]) == (1, 1, False)
    assert {i["target"]["target_id"] for i in c["items"]} == {str(ID.t_thu), str(ID.t_giai_ngan)}
    # a unit officer reads only their own unit's figures; province roles read any
    r = await seeded.get(f"/units/{ID.stc}/completion", headers=seeded.officer(ID.syt), expect=403)
    assert r.json()["type"] == "urn:thidua:problem:forbidden"
    await seeded.get(f"/units/{ID.stc}/completion", headers=seeded.integration)
    await seeded.get(f"/units/{ID.stc}/completion?campaign_id={ID.campaign}")


async def test_the_dashboard_flags_early_finishers_and_lists_overdue_targets(seeded):
    stc, syt = seeded.officer(ID.stc), seeded.officer(ID.syt)
    await seeded.post("/reports", report(ID.t_thu, 5300, "2020-06-14"), headers=stc, expect=201)
    await seeded.post(
        "/reports", report(ID.t_giai_ngan, 100, "2020-06-14"), headers=stc, expect=201
    )
    await seeded.post("/reports", report(ID.t_ho_ngheo, 6, "2020-06-14"), headers=syt, expect=201)
    seeded.clock.set(datetime(2020, 7, 3, 3, tzinfo=UTC))  # Sở Xây dựng's deadline was 30/6
    out = (await seeded.get(f"/campaigns/{ID.campaign}/dashboard")).json()
    assert out["today"] == "2020-07-03"
    rows = {u["unit_id"]: u for u in out["units"]}
    assert set(rows) == {str(ID.stc), str(ID.syt), str(ID.sxd)}
    assert rows[str(ID.stc)]["finished_early"] is True
    assert rows[str(ID.stc)]["completion"]["capped"] == 1.0
    assert rows[str(ID.syt)]["completion"] == {"capped": 0.833333, "uncapped": 0.833333}
    assert rows[str(ID.sxd)]["completion"] == {"capped": 0.0, "uncapped": 0.0}
    # every unit listed comes with its code and name, as in the standings
    assert out["early_finishers"] == [
        {"unit_id": str(ID.stc), "code": "000.00.05.H12", "name": "Sở Tài chính"}
    ]
    assert {(u["code"], u["name"]) for u in out["units"]} == {
        ("000.00.05.H12", "Sở Tài chính"),
        ("000.00.09.H12", "Sở Y tế"),
        ("000.00.11.H12", "Sở Xây dựng"),
    }
    assert [(o["target_id"], o["days_overdue"]) for o in out["overdue"]] == [(str(ID.t_nha_o), 3)]
    (late,) = out["overdue"]
    assert (late["unit_code"], late["unit_name"]) == ("000.00.11.H12", "Sở Xây dựng")

    mine = (
        await seeded.get(f"/campaigns/{ID.campaign}/dashboard", headers=seeded.officer(ID.sxd))
    ).json()
    assert [u["unit_id"] for u in mine["units"]] == [str(ID.sxd)]
    assert mine["early_finishers"] == [] and len(mine["overdue"]) == 1
    await seeded.get(f"/campaigns/{ID.stc}/dashboard", expect=404)
