"""Scoped integration-client tokens (the `scope` claim, servicekit.auth): `read` alone writes
nothing (403 before the body is read); `reports:<unit>` reports for that unit only, by POST, batch
or file; a token without scopes keeps the old reach (any unit), as deprecated."""

from __future__ import annotations

import pytest

from infra import tokens
from tests.progress.seed import ID
from tests.progress.test_imports import GOOD, _csv, _import
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra


def client(seeded, *scopes: str) -> dict[str, str]:
    return seeded.token(
        ["integration_client"], sub="thong-ke", client_id="cuc-thong-ke", scopes=list(scopes)
    )


async def test_a_read_only_client_reads_and_writes_nothing(seeded):
    reader = client(seeded, "read")
    await seeded.get(f"/targets/{ID.t_thu}/reports", headers=reader)
    await seeded.get(f"/campaigns/{ID.campaign}/dashboard", headers=reader)
    for path, body in (
        ("/reports", report(ID.t_thu, 100, "2020-06-14")),
        ("/reports/batch", {"reports": [report(ID.t_thu, 100, "2020-06-14")]}),
        ("/reports", {"not": "a report"}),  # refused before the body is read
    ):
        r = await seeded.client.post(path, json=body, headers=reader)
        assert r.status_code == 403, r.text
        assert r.json()["reason"] == "read_only"
    assert (await _import(seeded, _csv(GOOD), headers=reader)).status_code == 403
    assert await seeded.count("reports") == 0


async def test_write_scopes_name_the_units_a_client_reports_for(seeded):
    stc_only = client(seeded, "read", f"reports:{ID.stc}")
    body = {"reports": [report(ID.t_thu, 100, "2020-06-14"), report(ID.t_ho_ngheo, 4)]}
    out = (await seeded.post("/reports/batch", body, headers=stc_only, expect=200)).json()
    assert [x["status"] for x in out["results"]] == ["accepted", "rejected"]
    assert out["results"][1]["errors"][0]["type"] == "unknown_target"
    r = await seeded.client.post("/reports", json=report(ID.t_nha_o, 10), headers=stc_only)
    assert r.status_code == 422 and r.json()["errors"][0]["type"] == "unknown_target"
    # a file: the rows of Sở Tài chính only (GOOD names it)
    r = await _import(seeded, _csv(GOOD), headers=client(seeded, f"reports:{ID.syt}"))
    assert r.status_code == 422, r.text
    assert await seeded.count("reports") == 1
    r = await _import(seeded, _csv(GOOD), headers=stc_only)
    assert r.status_code == 200, r.text
    # any unit: reports:*, or (deprecated) no scope at all
    await seeded.post(
        "/reports", report(ID.t_ho_ngheo, 4), headers=client(seeded, "reports:*"), expect=201
    )
    await seeded.post("/reports", report(ID.t_nha_o, 10), headers=seeded.integration, expect=201)
    assert await seeded.count("reports") == 5


def test_the_cli_options_make_the_scope_claim():
    assert tokens.client_scopes() is None
    assert tokens.client_scopes(read=True, subscriptions=True, reports_for=["U1", "*"]) == [
        "read",
        "subscriptions",
        "reports:U1",
        "reports:*",
    ]
