"""Batches of reports from an integration client: each item checked and answered on its own; the
accepted ones stored and published together, the refused ones leaving no trace."""

from __future__ import annotations

import pytest

from tests.progress.seed import ID, uid
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra


async def test_each_item_is_answered_by_its_index(seeded):
    body = {
        "reports": [
            report(ID.t_thu, 5300, "2020-06-14"),  # accepted, achieves the target
            report(ID.t_ho_ngheo, "4,5"),  # a string with a decimal comma: wrong type
            17,  # not an object
            report(uid("nothing")),  # unknown target
            {"target_id": str(ID.t_nha_o), "value": 800},  # no as_of
            report(ID.t_nha_o, 800, "2020-06-14"),  # accepted
        ]
    }
    r = await seeded.post("/reports/batch", body, headers=seeded.integration, expect=200)
    out = r.json()
    assert (out["accepted"], out["rejected"]) == (2, 4)
    assert [x["status"] for x in out["results"]] == [
        "accepted",
        "rejected",
        "rejected",
        "rejected",
        "rejected",
        "accepted",
    ]
    errors = {
        x["index"]: [(e["pointer"], e["type"]) for e in x["errors"]]
        for x in out["results"]
        if x["errors"]
    }
    assert errors[1] == [("#/reports/1/value", "wrong_type")]
    assert errors[2] == [("#/reports/2", "not_an_object")]
    assert errors[3] == [("#/reports/3/target_id", "unknown_target")]
    assert errors[4][0][0] == "#/reports/4/as_of"
    assert out["results"][0]["achieved_now"] is True
    assert await seeded.count("reports") == 2
    types = [e["_type"] for e in await seeded.outbox()]
    assert types == ["TargetReported", "TargetAchieved", "TargetReported"]


async def test_an_officer_s_batch_refuses_other_units_items(seeded):
    body = {"reports": [report(ID.t_thu), report(ID.t_ho_ngheo, 4)]}
    out = (
        await seeded.post("/reports/batch", body, headers=seeded.officer(ID.stc), expect=200)
    ).json()
    assert [x["status"] for x in out["results"]] == ["accepted", "rejected"]
    assert out["results"][1]["errors"][0]["pointer"] == "#/reports/1/target_id"
    rows = await seeded.pool.fetch("SELECT target_id FROM reports")
    assert [r["target_id"] for r in rows] == [ID.t_thu]


async def test_several_reports_on_one_target_apply_in_the_given_order(seeded):
    body = {
        "reports": [
            report(ID.t_thu, 2000, "2020-04-30"),
            report(ID.t_thu, 2600, "2020-05-31"),
            report(ID.t_thu, 2400, "2020-05-15"),
        ]
    }
    out = (await seeded.post("/reports/batch", body, headers=seeded.integration, expect=200)).json()
    history = (await seeded.get(f"/targets/{ID.t_thu}/reports")).json()
    assert [x["value"] for x in history["reports"]] == [2000, 2600, 2400]  # arrival order
    assert history["progress"]["current_value"] == 2600  # the latest day wins
    first = out["results"][0]["report"]["report_id"]
    row = await seeded.pool.fetchrow(
        "SELECT first_report_id FROM targets WHERE target_id = $1", ID.t_thu
    )
    assert str(row["first_report_id"]) == first


async def test_a_batch_that_is_not_a_batch_is_refused_whole(seeded):
    for body, pointer in [
        ({"reports": []}, "#/reports"),
        ({"items": []}, "#/reports"),
        ({"reports": {}}, "#/reports"),
    ]:
        r = await seeded.post("/reports/batch", body, headers=seeded.integration, expect=422)
        assert pointer in [e["pointer"] for e in r.json()["errors"]]
    seeded.app.state.progress.config.max_batch_reports = 2
    r = await seeded.post(
        "/reports/batch", {"reports": [report()] * 3}, headers=seeded.integration, expect=422
    )
    assert r.json()["errors"][0]["type"] == "too_many"
    assert await seeded.count("reports") == 0 and await seeded.outbox() == []
