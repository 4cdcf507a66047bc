"""A unit's own movement (phong trào hưởng ứng) rolls up into the province's dashboard: the parent
lists it with its launching unit and figures, and totals count its targets with the parent's."""

from __future__ import annotations

from datetime import date

import pytest

from schemas import registry as r
from tests.progress.seed import END, ID, spec, uid
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra

CHILD = uid("campaign:stc-own")
T_CHILD = uid("target:stc-own")


def own_movement() -> r.CampaignLaunched:
    """Sở Tài chính's own movement answering the province's 2020 campaign."""
    return r.CampaignLaunched(
        campaign_id=CHILD,
        code="STC-HUONG-UNG-2020",
        title="Ngành Tài chính thi đua về đích sớm",
        theme="Kỷ cương tài chính, về đích sớm",
        kind="thematic",
        start=date(2020, 3, 1),
        end=END,
        launched_by=ID.stc,
        regime="2013",
        participating_unit_ids=[ID.stc],
        targets=[spec(T_CHILD, ID.stc, "Hồ sơ quyết toán đúng hạn", 10, date(2020, 11, 30))],
        parent_campaign_id=ID.campaign,
        sub_themes=["Chuyên đề chuyển đổi số ngành tài chính"],
    )


async def test_a_unit_s_own_movement_rolls_up_into_the_province_s_dashboard(seeded):
    await seeded.feed(own_movement())
    await seeded.post(
        "/reports", report(T_CHILD, 5, "2020-06-10"), headers=seeded.officer(ID.stc), expect=201
    )
    out = (await seeded.get(f"/campaigns/{ID.campaign}/dashboard")).json()
    (child,) = out["children"]
    assert (child["campaign_id"], child["code"]) == (str(CHILD), "STC-HUONG-UNG-2020")
    assert child["parent_campaign_id"] == str(ID.campaign)
    assert child["launched_by"] == {
        "unit_id": str(ID.stc), "code": "000.00.05.H12", "name": "Sở Tài chính"
    }  # fmt: skip
    assert child["summary"]["targets"] == 1
    assert child["summary"]["completion"] == {"capped": 0.5, "uncapped": 0.5}
    # the parent's own four targets (weights 2, 1, 1, 1) are unreported; the child's (weight 1)
    # is half done: 0.5 × 1 / 6 over both
    totals = out["totals"]
    assert totals["own"]["targets"] == 4 and totals["own"]["completion"]["capped"] == 0.0
    assert totals["total"]["targets"] == 5
    assert totals["total"]["completion"] == {"capped": 0.083333, "uncapped": 0.083333}
    assert "children" in totals["includes"]
    # the parent's own rows do not count the child's target twice
    rows = {u["unit_id"]: u for u in out["units"]}
    assert rows[str(ID.stc)]["targets"] == 2
    # the child's own dashboard has no children
    mine = (await seeded.get(f"/campaigns/{CHILD}/dashboard")).json()
    assert mine["children"] == [] and mine["totals"]["total"]["targets"] == 1

    # a unit officer sees their own unit's movement only, and no province totals
    stc = (
        await seeded.get(f"/campaigns/{ID.campaign}/dashboard", headers=seeded.officer(ID.stc))
    ).json()
    assert [c["code"] for c in stc["children"]] == ["STC-HUONG-UNG-2020"]
    assert stc["totals"] is None
    syt = (
        await seeded.get(f"/campaigns/{ID.campaign}/dashboard", headers=seeded.officer(ID.syt))
    ).json()
    assert syt["children"] == [] and syt["totals"] is None


T_SYT = uid("target:syt-own")


def syt_movement(occasion_ids: list) -> r.CampaignLaunched:
    """Sở Y tế's own movement, dedicated to these occasions."""
    return own_movement().model_copy(
        update={
            "campaign_id": uid("campaign:syt-own"),
            "code": "SYT-HUONG-UNG-2020",
            "launched_by": ID.syt,
            "participating_unit_ids": [ID.syt],
            "targets": [spec(T_SYT, ID.syt, "Trạm y tế đạt chuẩn", 4, END)],
            "occasion_ids": occasion_ids,
        }
    )


CONGRESS = uid("occasion:dhtd-vi")
PARTY = uid("occasion:dhdb-xvii")


def occasions() -> list[r.OccasionDefined]:
    return [
        r.OccasionDefined(
            occasion_id=CONGRESS,
            code="DHTD-VI",
            name="Đại hội Thi đua yêu nước tỉnh Cà Mau lần thứ VI",
            starts_on=date(2020, 9, 10),
            ends_on=date(2020, 9, 11),
        ),
        r.OccasionDefined(
            occasion_id=PARTY,
            code="DHDB-XVII",
            name="Đại hội Đảng bộ tỉnh lần thứ XVII",
            starts_on=date(2020, 10, 14),
        ),
    ]


async def test_the_dashboard_filters_the_movements_by_the_occasion_they_are_dedicated_to(seeded):
    """Sở Tài chính dedicates its movement to the provincial emulation congress, Sở Y tế its own
    to the Party congress; the province's campaign itself names no occasion."""
    syt_own = syt_movement([PARTY])
    await seeded.feed(
        *occasions(), own_movement().model_copy(update={"occasion_ids": [CONGRESS]}), syt_own
    )
    await seeded.post(
        "/reports", report(T_CHILD, 5, "2020-06-10"), headers=seeded.officer(ID.stc), expect=201
    )
    everything = (await seeded.get(f"/campaigns/{ID.campaign}/dashboard")).json()
    assert [c["code"] for c in everything["children"]] == [
        "STC-HUONG-UNG-2020",
        "SYT-HUONG-UNG-2020",
    ]
    assert everything["totals"]["total"]["targets"] == 6

    out = (await seeded.get(f"/campaigns/{ID.campaign}/dashboard?occasion_id={CONGRESS}")).json()
    assert [c["code"] for c in out["children"]] == ["STC-HUONG-UNG-2020"]
    # the province's campaign is not dedicated to the congress: only the movement counts
    assert out["totals"]["total"]["targets"] == 1
    assert out["totals"]["total"]["completion"] == {"capped": 0.5, "uncapped": 0.5}
    assert not out["totals"]["includes"].startswith("the campaign's own targets")
    party = (await seeded.get(f"/campaigns/{ID.campaign}/dashboard?occasion_id={PARTY}")).json()
    assert [c["code"] for c in party["children"]] == ["SYT-HUONG-UNG-2020"]

    r = await seeded.get(
        f"/campaigns/{ID.campaign}/dashboard?occasion_id={uid('occasion:none')}", expect=422
    )
    (error,) = r.json()["errors"]
    assert (error["name"], error["type"]) == ("occasion_id", "unknown_occasion")
