"""Late entry: a past year's reports entered after the fact carry the day they were submitted
(`submitted_on`), and timeliness reads that day against the deadline, not the day of entry. Only
the province's office and integration clients may give it."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from services.progress import store
from tests.progress.seed import ID

pytestmark = pytest.mark.infra

MARCH_2021 = datetime(2021, 3, 10, 3, tzinfo=UTC)  # the 2020 records are entered in 2021


def report(target, value, as_of, **extra):
    return {"target_id": str(target), "value": value, "as_of": as_of, **extra}


def _timeliness(body: dict, unit) -> float:
    row = next(s for s in body["ranking"] if s["unit_id"] == str(unit))
    return next(c["value"] for c in row["criteria"] if c["name"] == "timeliness")


async def test_a_past_record_entered_late_is_judged_on_its_submission_day(seeded):
    seeded.clock.set(MARCH_2021)
    # Sở Xây dựng's June report, submitted on 25/6/2020 (deadline 30/6), entered now
    backdated = await seeded.post(
        "/reports",
        report(ID.t_nha_o, 1000, "2020-06-20", submitted_on="2020-06-25"),
        headers=seeded.admin,
        expect=201,
    )
    body = backdated.json()
    assert body["report"]["submitted_on"] == "2020-06-25"
    assert body["progress"]["reported_on_time"] is True
    (event,) = await seeded.outbox("TargetReported")
    assert event["submitted_on"] == "2020-06-25"
    # without one, the day of entry counts, as before: late
    plain = await seeded.post(
        "/reports", report(ID.t_thu, 5300, "2020-12-20"), headers=seeded.integration, expect=201
    )
    assert plain.json()["report"]["submitted_on"] == "2021-03-10"
    assert plain.json()["progress"]["reported_on_time"] is False

    await seeded.recompute()
    standings = (await seeded.get(f"/blocs/{ID.bloc}/years/2020/standings")).json()
    assert _timeliness(standings, ID.sxd) == 1.0
    assert _timeliness(standings, ID.stc) == 0.0  # one late, one never reported


async def test_the_first_report_is_the_one_submitted_first_whatever_the_order_of_entry(seeded):
    seeded.clock.set(MARCH_2021)
    admin = seeded.admin
    await seeded.post(
        "/reports", report(ID.t_giai_ngan, 80, "2020-10-31"), headers=admin, expect=201
    )
    r = await seeded.post(
        "/reports",
        report(ID.t_giai_ngan, 70, "2020-09-10", submitted_on="2020-09-15"),
        headers=admin,
        expect=201,
    )
    assert r.json()["progress"]["reported_on_time"] is True  # deadline 30/9/2020
    (x,) = await store.targets.load_targets(seeded.pool, target_id=ID.t_giai_ngan)
    assert str(x.state.first_reported.id) == r.json()["report"]["report_id"]

    # read back from the log (a rebuild), the same first report
    log = await seeded.outbox_envelopes()
    await seeded.pool.execute(
        "DELETE FROM reports; UPDATE targets SET current_report_id = NULL, first_report_id = NULL"
    )
    for envelope in log:
        await seeded.feed_envelopes([envelope])
    (y,) = await store.targets.load_targets(seeded.pool, target_id=ID.t_giai_ngan)
    assert y.state.first_reported == x.state.first_reported


@pytest.mark.parametrize(
    ("who", "submitted_on", "as_of", "problem"),
    [
        ("officer", "2020-06-25", "2020-06-20", "not_allowed"),
        ("admin", "2021-03-11", "2020-06-20", "future_date"),
        ("integration", "2020-06-19", "2020-06-20", "before_as_of"),
    ],
)
async def test_who_may_give_a_submission_day_and_which(seeded, who, submitted_on, as_of, problem):
    seeded.clock.set(MARCH_2021)
    headers = {
        "officer": seeded.officer(ID.sxd),
        "admin": seeded.admin,
        "integration": seeded.integration,
    }[who]
    r = await seeded.post(
        "/reports",
        report(ID.t_nha_o, 1000, as_of, submitted_on=submitted_on),
        headers=headers,
        expect=422,
    )
    assert [(e["pointer"], e["type"]) for e in r.json()["errors"]] == [("#/submitted_on", problem)]
    assert await seeded.count("reports") == 0 and await seeded.outbox() == []
