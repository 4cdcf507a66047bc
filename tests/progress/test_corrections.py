"""Corrections re-judge a target's achievement from the reports that stand: a correction of the
achieving report that un-meets the target retracts it (TargetAchievementRetracted), one that
leaves another meeting report moves it there (TargetAchieved anew), and the dashboard follows.
The bus path (a rebuild reading the log) ends with the same achievements."""

from __future__ import annotations

import pytest

from services.progress import store
from tests.progress.seed import ID

pytestmark = pytest.mark.infra


def report(value, as_of="2020-06-12", target=ID.t_giai_ngan, **extra):
    return {"target_id": str(target), "value": value, "as_of": as_of, **extra}


async def _stc_row(seeded) -> dict:
    out = (await seeded.get(f"/campaigns/{ID.campaign}/dashboard")).json()
    return next(u for u in out["units"] if u["unit_id"] == str(ID.stc))


async def test_a_correction_below_the_goal_retracts_the_achievement_and_its_early_finish(seeded):
    officer = seeded.officer(ID.stc)
    met = (await seeded.post("/reports", report(100.5), headers=officer, expect=201)).json()
    assert met["achieved_now"] is True
    assert (await _stc_row(seeded))["achieved"] == 1

    fix = (
        await seeded.post(
            "/reports",
            report(90, supersedes=met["report"]["report_id"]),
            headers=officer,
            expect=201,
        )
    ).json()
    assert fix["retracted_now"] is True and fix["achieved_now"] is False
    assert fix["progress"]["achieved"] is None
    history = (await seeded.get(f"/targets/{ID.t_giai_ngan}/reports", headers=officer)).json()
    assert history["progress"]["achieved"] is None
    row = await _stc_row(seeded)
    assert (row["achieved"], row["achieved_early"]) == (0, 0)
    assert await seeded.count("achievements") == 0

    # the chain goes on: the correction was wrong too, the goal was met after all
    again = (
        await seeded.post(
            "/reports",
            report(100.2, "2020-06-13", supersedes=fix["report"]["report_id"]),
            headers=officer,
            expect=201,
        )
    ).json()
    assert again["achieved_now"] is True
    achieved = again["progress"]["achieved"]
    assert achieved["report_id"] == again["report"]["report_id"]
    assert (achieved["achieved_on"], achieved["early_by_days"]) == ("2020-06-13", 109)
    assert (await _stc_row(seeded))["achieved_early"] == 1

    events = await seeded.outbox()
    assert [e["_type"] for e in events] == [
        "TargetReported",
        "TargetAchieved",
        "TargetReported",
        "TargetAchievementRetracted",
        "TargetReported",
        "TargetAchieved",
    ]
    retracted = events[3]
    assert retracted["report_id"] == met["report"]["report_id"]
    assert retracted["corrected_by"] == fix["report"]["report_id"]
    assert retracted["finished_early"] is True and retracted["achieved_on"] == "2020-06-12"
    # a second achievement of the same target is a new fact for every consumer's inbox
    assert events[1]["_id"] != events[5]["_id"]


async def test_a_correction_of_the_achieving_report_moves_it_to_the_next_that_stands(seeded):
    officer = seeded.officer(ID.stc)
    first = (await seeded.post("/reports", report(100.5), headers=officer, expect=201)).json()
    second = (
        await seeded.post("/reports", report(101, "2020-06-14"), headers=officer, expect=201)
    ).json()
    assert second["achieved_now"] is False
    fix = (
        await seeded.post(
            "/reports",
            report(95, supersedes=first["report"]["report_id"]),
            headers=officer,
            expect=201,
        )
    ).json()
    achieved = fix["progress"]["achieved"]
    assert achieved["report_id"] == second["report"]["report_id"]
    assert achieved["achieved_on"] == "2020-06-14"
    assert fix["achieved_now"] is True and fix["retracted_now"] is False
    events = await seeded.outbox()
    assert [e["_type"] for e in events][-2:] == ["TargetReported", "TargetAchieved"]
    assert "TargetAchievementRetracted" not in {e["_type"] for e in events}
    stored = await seeded.pool.fetchval(
        "SELECT report_id FROM achievements WHERE target_id = $1", ID.t_giai_ngan
    )
    assert str(stored) == second["report"]["report_id"]


async def test_one_request_retracting_and_achieving_again_stores_the_last_word(seeded):
    officer = seeded.officer(ID.stc)
    met = (await seeded.post("/reports", report(100.5), headers=officer, expect=201)).json()
    out = (
        await seeded.post(
            "/reports/batch",
            {
                "reports": [
                    report(90, supersedes=met["report"]["report_id"]),
                    report(102, "2020-06-14"),
                ]
            },
            headers=officer,
        )
    ).json()
    assert out["accepted"] == 2
    events = await seeded.outbox()
    assert [e["_type"] for e in events][2:] == [
        "TargetReported",
        "TargetAchievementRetracted",
        "TargetReported",
        "TargetAchieved",
    ]
    (x,) = await store.targets.load_targets(seeded.pool, target_id=ID.t_giai_ngan)
    assert x.state.achievement is not None
    assert str(x.state.achievement.report_id) == out["results"][1]["report"]["report_id"]


def _id(answer: dict) -> str:
    return answer["report"]["report_id"]


async def _wipe_progress(seeded) -> None:
    await seeded.pool.execute(
        "DELETE FROM reports; DELETE FROM achievements;"
        " UPDATE targets SET current_report_id = NULL, first_report_id = NULL"
    )


async def _achievements(seeded) -> list[tuple]:
    rows = await seeded.pool.fetch(
        "SELECT target_id, report_id, achieved_on FROM achievements ORDER BY target_id"
    )
    return [tuple(r) for r in rows]


@pytest.mark.parametrize("batch", [1, 2, 100])
async def test_the_log_read_back_gives_the_same_achievements(seeded, batch):
    officer, syt = seeded.officer(ID.stc), seeded.officer(ID.syt)
    a = (await seeded.post("/reports", report(100.5), headers=officer, expect=201)).json()
    b = (await seeded.post("/reports", report(101, "2020-06-14"), headers=officer)).json()
    # moved to b, then retracted, then achieved by a correction of the correction
    c = (await seeded.post("/reports", report(95, supersedes=_id(a)))).json()
    d = (await seeded.post("/reports", report(99, "2020-06-14", supersedes=_id(b)))).json()
    await seeded.post("/reports", report(100, supersedes=_id(c)), expect=201)
    # another target: achieved, then retracted for good
    h = (await seeded.post("/reports", report(4, "2020-06-01", ID.t_ho_ngheo), headers=syt)).json()
    await seeded.post(
        "/reports", report(7, "2020-06-01", ID.t_ho_ngheo, supersedes=h["report"]["report_id"])
    )
    assert d["retracted_now"] is True
    live = await _achievements(seeded)
    assert [t for t, *_ in live] == [ID.t_giai_ngan]
    states = {x.target.id: x.state for x in await store.targets.load_targets(seeded.pool)}

    log = await seeded.outbox_envelopes()
    await _wipe_progress(seeded)
    for i in range(0, len(log), batch):
        await seeded.feed_envelopes(log[i : i + batch])
    assert await _achievements(seeded) == live
    for x in await store.targets.load_targets(seeded.pool):
        assert x.state.current == states[x.target.id].current
        assert x.state.first_reported == states[x.target.id].first_reported
