"""The Fatherland Front's supervisor reads, on a procedure played to its decisions, what the
council's secretary reads — the nominations, each screening with every rule's reason, the
public notice, the session's results, the decisions — and nothing of a member's ballot; every
write it tries but its findings is refused (the routes' full list, from the OpenAPI, is
tests/runtime/test_supervisor_routes.py)."""

from __future__ import annotations

from uuid import uuid4

import pytest

from tests.awards import procedure
from tests.awards.conftest import Awards
from tests.awards.world import build

pytestmark = pytest.mark.timeout(180)


async def test_the_front_reads_what_the_council_read_on_a_played_procedure(awards: Awards):
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    f = await procedure.run(awards, w)
    front = awards.token(["supervisor"], sub="mttq-giam-sat", unit_id=str(uuid4()))
    secretary = awards.secretary(f.council_id)
    notice_id = await awards.pool.fetchval("SELECT notice_id FROM notices")
    reads = [
        "/nominations",
        *(f"/nominations/{n}" for n in f.ids.values()),
        *(f"/nominations/{n}/screenings" for n in f.ids.values()),
        f"/notices/{notice_id}",
        f"/councils/{f.council_id}",
        f"/sessions/{f.session_id}",
        f"/decisions/{f.decision['decision_id']}",
        f"/decisions/{f.unit_decision['decision_id']}",
    ]
    for path in reads:
        council = (await awards.get(path, headers=secretary)).json()
        supervisor = (await awards.get(path, headers=front)).json()
        assert supervisor == council, path
    screenings = (
        await awards.get(f"/nominations/{f.ids['an_cstd_tinh']}/screenings", headers=front)
    ).json()
    results = [r for s in screenings for r in s["rule_results"]]
    assert results and all(r["citation"] and r["reason"] for r in results), results
    session = await awards.get(f"/sessions/{f.session_id}", headers=front)
    assert "choice" not in session.text and "choices" not in session.text  # secret ballot
    # the Front writes nothing of the procedure
    for path, body in (
        ("/nominations", {}),
        ("/screenings", {"year": 2020}),
        (f"/sessions/{f.session_id}/close", None),
        ("/decisions", {}),
    ):
        r = await awards.post(path, body, headers=front, expect=403)
        assert r.json()["reason"] == "read_only", path
