"""A report may name the occasion its achievement is dedicated to (lập thành tích chào mừng): one
its campaign is dedicated to, else refused with the field named. The report answers it, the
target's history lists it and filters by it, `TargetReported` carries it (optional field), and a
rebuild from the topic keeps it."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import jsonschema
import pytest

from schemas import progress as p
from tests import every_revision
from tests.progress.seed import ID
from tests.progress.test_imports import STC, _csv, _import
from tests.progress.test_movement_rollup import (
    CONGRESS,
    PARTY,
    T_CHILD,
    T_SYT,
    occasions,
    own_movement,
    syt_movement,
)
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra


async def test_a_report_names_an_occasion_its_campaign_is_dedicated_to(seeded):
    await seeded.feed(*occasions(), own_movement().model_copy(update={"occasion_ids": [CONGRESS]}))
    officer = seeded.officer(ID.stc)
    body = report(T_CHILD, 5, "2020-06-10", occasion_id=str(CONGRESS))
    r = await seeded.post("/reports", body, headers=officer, expect=201)
    assert r.json()["report"]["occasion_id"] == str(CONGRESS)
    dedicated = r.json()["report"]["report_id"]
    await seeded.post("/reports", report(T_CHILD, 6, "2020-06-11"), headers=officer, expect=201)

    history = (await seeded.get(f"/targets/{T_CHILD}/reports")).json()["reports"]
    assert {(h["value"], h["occasion_id"]) for h in history} == {(5, str(CONGRESS)), (6, None)}
    only = (await seeded.get(f"/targets/{T_CHILD}/reports?occasion_id={CONGRESS}")).json()
    assert [h["report_id"] for h in only["reports"]] == [dedicated]
    party = (await seeded.get(f"/targets/{T_CHILD}/reports?occasion_id={PARTY}")).json()
    assert party["reports"] == []

    first, second = await seeded.outbox("TargetReported")
    assert (first["occasion_id"], second["occasion_id"]) == (str(CONGRESS), None)
    payload = {k: v for k, v in first.items() if not k.startswith("_")}
    for schema in every_revision("progress.TargetReported.v1"):
        jsonschema.Draft7Validator(schema).validate(payload)


async def test_a_report_naming_an_occasion_its_campaign_is_not_dedicated_to_is_refused(seeded):
    await seeded.feed(*occasions(), own_movement().model_copy(update={"occasion_ids": [CONGRESS]}))
    vi = {**seeded.officer(ID.stc), "Accept-Language": "vi"}
    for target, occasion in ((T_CHILD, PARTY), (ID.t_thu, CONGRESS), (T_CHILD, uuid4())):
        body = report(target, 5, "2020-06-10", occasion_id=str(occasion))
        r = await seeded.post("/reports", body, headers=vi, expect=422)
        (error,) = r.json()["errors"]
        assert (error["pointer"], error["type"]) == ("#/occasion_id", "not_dedicated"), error
        assert error["detail"].startswith(f"Phong trào thi đua không hướng tới dịp {occasion}"), (
            error
        )
    assert await seeded.count("reports") == 0 and await seeded.outbox() == []


async def test_a_rebuild_from_the_topic_keeps_the_occasion(seeded):
    await seeded.feed(*occasions(), own_movement().model_copy(update={"occasion_ids": [CONGRESS]}))
    report_id = uuid4()
    await seeded.feed(
        p.TargetReported(
            report_id=report_id,
            target_id=T_CHILD,
            campaign_id=own_movement().campaign_id,
            unit_id=ID.stc,
            value=7,
            as_of=datetime(2020, 6, 12).date(),
            reported_at=datetime(2020, 6, 12, 3, tzinfo=UTC),
            occasion_id=CONGRESS,
        )
    )
    (h,) = (await seeded.get(f"/targets/{T_CHILD}/reports?occasion_id={CONGRESS}")).json()[
        "reports"
    ]
    assert (h["report_id"], h["occasion_id"]) == (str(report_id), str(CONGRESS))


async def test_an_imported_row_names_an_occasion_by_its_code_or_id(seeded):
    await seeded.feed(*occasions(), own_movement().model_copy(update={"occasion_ids": [CONGRESS]}))
    header = ["Mã đợt thi đua", "Mã đơn vị", "Tên chỉ tiêu", "Giá trị", "Đến ngày", "Dịp chào mừng"]
    own = ["STC-HUONG-UNG-2020", STC, "Hồ sơ quyết toán đúng hạn"]
    rows = [
        [*own, "5", "10/06/2020", "dhtd-vi"],  # the registry's code, in any case
        [*own, "6", "11/06/2020", "DHDB-XVII"],  # the movement is not dedicated to it
        ["TD-2020-VDS", STC, "Tổng thu ngân sách", "1", "31/05/2020", "DHTD-VI"],  # nor is this
        [*own, "7", "12/06/2020", "DH-KHONG-CO"],  # no such occasion
        [*own, "8", "13/06/2020", str(CONGRESS)],  # its id
        [*own, "9", "14/06/2020", ""],  # none
    ]
    vi = {**seeded.officer(ID.stc), "Accept-Language": "vi"}
    r = await _import(seeded, _csv(rows, header), headers=vi, mode="valid")
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], r.json()["invalid"]) == (3, 3)
    errors = {(e["row"], e["column"]): e["problem"] for e in r.json()["errors"]}
    assert set(errors) == {(3, "occasion"), (4, "occasion"), (5, "occasion")}
    assert errors[(3, "occasion")].startswith(f"Phong trào thi đua không hướng tới dịp {PARTY}")
    assert errors[(4, "occasion")].startswith(f"Phong trào thi đua không hướng tới dịp {CONGRESS}")
    assert errors[(5, "occasion")] == "Không có dịp chào mừng nào mang mã này"

    history = (await seeded.get(f"/targets/{T_CHILD}/reports")).json()["reports"]
    named = {(h["value"], h["occasion_id"]) for h in history}
    assert named == {(5, str(CONGRESS)), (8, str(CONGRESS)), (9, None)}
    reported = await seeded.outbox("TargetReported")
    assert sorted((e["value"], e["occasion_id"]) for e in reported) == [
        (5, str(CONGRESS)), (8, str(CONGRESS)), (9, None)
    ]  # fmt: skip
    # the good rows again, naming the occasion by its id instead of its code: unchanged
    again = [[*rows[0][:5], str(CONGRESS)], rows[4], rows[5]]
    r = await _import(seeded, _csv(again, header), headers=vi)
    assert (r.json()["imported"], r.json()["unchanged"]) == (0, 3), r.text
    # the same row naming another occasion is another row's data: refused
    r = await _import(seeded, _csv([[*rows[5][:5], "DHTD-VI"]], header), headers=vi)
    assert r.status_code == 422 and await seeded.count("reports") == 3


async def test_the_dashboard_for_an_occasion_counts_the_reports_naming_it_per_unit(seeded):
    """Sở Tài chính's movement is dedicated to the provincial emulation congress, Sở Y tế's to it
    and to the Party congress; each unit's reports name one of them, or none."""
    t_syt, syt_own = T_SYT, syt_movement([CONGRESS, PARTY])
    await seeded.feed(
        *occasions(), own_movement().model_copy(update={"occasion_ids": [CONGRESS]}), syt_own
    )
    stc, syt = seeded.officer(ID.stc), seeded.officer(ID.syt)

    async def post(target, value, day, headers, **extra):
        body = report(target, value, day, **extra)
        return (await seeded.post("/reports", body, headers=headers, expect=201)).json()

    first = await post(T_CHILD, 5, "2020-06-10", stc, occasion_id=str(CONGRESS))
    # corrected: the correction stands for it
    fix = first["report"]["report_id"]
    await post(T_CHILD, 6, "2020-06-10", stc, occasion_id=str(CONGRESS), supersedes=fix)
    await post(T_CHILD, 10, "2020-06-12", stc, occasion_id=str(CONGRESS))  # achieved
    await post(t_syt, 2, "2020-06-10", syt, occasion_id=str(CONGRESS))
    await post(t_syt, 4, "2020-06-12", syt, occasion_id=str(PARTY))  # achieved, for the Party's
    await post(ID.t_thu, 100, "2020-06-12", stc)  # the province's campaign: none

    def by_unit(out):
        return {u["code"]: (u["reports"], u["achieved"]) for u in out["dedicated"]["units"]}

    url = f"/campaigns/{ID.campaign}/dashboard"
    congress = (await seeded.get(f"{url}?occasion_id={CONGRESS}")).json()
    assert congress["dedicated"]["occasion_id"] == str(CONGRESS)
    assert by_unit(congress) == {"000.00.05.H12": (2, 1), "000.00.09.H12": (1, 0)}
    assert (congress["dedicated"]["reports"], congress["dedicated"]["achieved"]) == (3, 1)
    assert {u["name"] for u in congress["dedicated"]["units"]} == {"Sở Tài chính", "Sở Y tế"}
    # the movements selection stays as it was
    assert [c["code"] for c in congress["children"]] == [
        "STC-HUONG-UNG-2020",
        "SYT-HUONG-UNG-2020",
    ]
    party = (await seeded.get(f"{url}?occasion_id={PARTY}")).json()
    assert by_unit(party) == {"000.00.09.H12": (1, 1)}
    assert (await seeded.get(url)).json()["dedicated"] is None
    # a unit officer sees their own unit's
    mine = (await seeded.get(f"{url}?occasion_id={CONGRESS}", headers=stc)).json()
    assert by_unit(mine) == {"000.00.05.H12": (2, 1)}
    assert (mine["dedicated"]["reports"], mine["dedicated"]["achieved"]) == (2, 1)
