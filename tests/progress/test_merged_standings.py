"""A bloc's year across a merger (the 2025 reform): communes A and B, members January–June, merge
into N on 1 July, which joins the bloc that day. The standings show every unit for the period it
was a member with its reports; the merged units are carried to their successor (default) or
ranked separately until the year's end, as the province chooses, and the response says which.
The bloc head is dated: A, head until June, acts for the bloc until then; N from July."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from schemas import registry as r
from tests.progress.seed import ID, spec, uid

pytestmark = pytest.mark.infra

A, B, N, C = uid("unit:xa-a"), uid("unit:xa-b"), uid("unit:xa-n"), uid("unit:xa-c")
BLOC, CAMPAIGN = uid("bloc:cum-1"), uid("campaign:2025")
T_A, T_B, T_N, T_C = uid("t:a"), uid("t:b"), uid("t:n"), uid("t:c")
T_A_YEAR = uid("t:a-year")  # set in January for the whole year, before the merger was known
PATH = f"/blocs/{BLOC}/years/2025"
JULY = date(2025, 7, 1)


def commune(unit_id, code, name, valid_from=date(2015, 1, 1)) -> r.UnitRegistered:
    return r.UnitRegistered(
        unit_id=unit_id,
        code=code,
        name=name,
        kind="commune",
        parent_id=ID.ubnd,
        level="commune",
        valid_from=valid_from,
    )


def the_year() -> list:
    return [
        r.UnitRegistered(
            unit_id=ID.ubnd,
            code="000.00.00.H12",
            name="Ủy ban nhân dân tỉnh Cà Mau",
            kind="provincial_committee",
            level="province",
            valid_from=date(2015, 1, 1),
        ),
        commune(A, "X-A", "Xã Tân Hưng"),
        commune(B, "X-B", "Xã Tân Hưng Đông"),
        commune(C, "X-C", "Xã Phú Tân"),
        commune(N, "X-N", "Xã Tân Hưng Mới", JULY),
        r.BlocFormed(
            bloc_id=BLOC,
            year=2025,
            code="CUM-1",
            name="Cụm thi đua số 1",
            kind="cluster",
            member_unit_ids=[A, B, C],
            formed_on=date(2025, 1, 1),
        ),
        r.BlocHeadElected(bloc_id=BLOC, year=2025, head_unit_id=A, effective_on=date(2025, 1, 1)),
        r.CampaignLaunched(
            campaign_id=CAMPAIGN,
            code="TD-2025",
            title="Thi đua năm 2025",
            theme="Về đích sớm",
            kind="regular",
            start=date(2025, 1, 1),
            end=date(2025, 12, 31),
            launched_by=ID.ubnd,
            regime="2022",
            participating_unit_ids=[A, B, C, N],
            targets=[
                spec(T_A, A, "Thu ngân sách 6 tháng", 100, date(2025, 6, 30)),
                spec(T_A_YEAR, A, "Xây dựng nông thôn mới", 100, date(2025, 12, 31)),
                spec(T_B, B, "Thu ngân sách 6 tháng", 100, date(2025, 6, 30)),
                spec(T_C, C, "Thu ngân sách", 100, date(2025, 12, 31)),
                spec(T_N, N, "Thu ngân sách 6 tháng cuối", 100, date(2025, 12, 31)),
            ],
        ),
        # 1 July: A and B merged into N, which joins the cluster and becomes its head
        r.UnitClosed(unit_id=A, closed_on=JULY, closure_kind="merged", successor_unit_ids=[N]),
        r.UnitClosed(unit_id=B, closed_on=JULY, closure_kind="merged", successor_unit_ids=[N]),
        r.UnitMerged(unit_id=N, merged_unit_ids=[A, B], effective_on=JULY),
        r.BlocMembershipChanged(
            bloc_id=BLOC,
            year=2025,
            member_unit_ids=[A, B, C, N],
            added_unit_ids=[N],
            effective_on=JULY,
        ),
        r.BlocHeadElected(bloc_id=BLOC, year=2025, head_unit_id=N, effective_on=JULY),
        r.BlocMembershipChanged(
            bloc_id=BLOC,
            year=2025,
            member_unit_ids=[C, N],
            removed_unit_ids=[A, B],
            effective_on=JULY,
        ),
    ]


async def _played(progress) -> None:
    progress.clock.set(datetime(2025, 12, 20, 3, tzinfo=UTC))
    await progress.feed(*the_year())
    for target, value, as_of in [
        (T_A, 100, "2025-05-20"),  # A met its half-year target early
        (T_A_YEAR, 50, "2025-06-20"),  # half of its year's target before the merger
        (T_B, 50, "2025-06-30"),
        (T_C, 100, "2025-12-10"),
        (T_N, 100, "2025-11-30"),
    ]:
        body = {"target_id": str(target), "value": value, "as_of": as_of}
        await progress.post("/reports", body, expect=201)
    await progress.recompute()


def rows(body) -> dict[str, dict]:
    return {s["unit_id"]: s for s in body["ranking"]}


async def test_merged_units_are_carried_over_to_their_successor_by_default(progress):
    await _played(progress)
    body = (await progress.get(f"{PATH}/standings")).json()
    assert body["merged_results"] == "carry_over"
    ranked = rows(body)
    assert set(ranked) == {str(N), str(C)}
    n = ranked[str(N)]
    assert (n["member_from"], n["member_until"]) == ("2025-07-01", None)
    merged = {m["unit_id"]: m for m in n["merged_from"]}
    assert set(merged) == {str(A), str(B)}
    assert (merged[str(A)]["member_from"], merged[str(A)]["member_until"]) == (
        "2025-01-01",
        "2025-07-01",
    )
    assert merged[str(A)]["name"] == "Xã Tân Hưng"
    # each with its own reports' results
    assert (merged[str(A)]["completion"], merged[str(B)]["completion"]) == (0.75, 0.5)
    assert merged[str(A)]["early_finish"] == 0.5
    # N's row counts A's and B's targets and reports (A's year target, due after the merger,
    # carried too): four targets, two at half
    completion = {c["name"]: c["value"] for c in n["criteria"]}["completion"]
    assert completion == pytest.approx(0.75, abs=1e-4)
    c = ranked[str(C)]
    assert {x["name"]: x["value"] for x in c["criteria"]}["completion"] == 1


async def test_merged_units_rank_separately_when_the_province_chooses_so(progress):
    progress.app.state.progress.config.merged_results = "separate"
    await _played(progress)
    body = (await progress.get(f"{PATH}/standings")).json()
    assert body["merged_results"] == "separate"
    ranked = rows(body)
    assert set(ranked) == {str(A), str(B), str(C), str(N)}
    assert (ranked[str(A)]["member_from"], ranked[str(A)]["member_until"]) == (
        "2025-01-01",
        "2025-07-01",
    )
    assert all(not s["merged_from"] for s in body["ranking"])
    assert {x["name"]: x["value"] for x in ranked[str(B)]["criteria"]}["completion"] == 0.5
    assert {x["name"]: x["value"] for x in ranked[str(A)]["criteria"]}["completion"] == 0.75


async def test_the_bloc_head_is_dated(progress):
    await _played(progress)
    bonus = {"unit_id": str(C), "kind": "bonus", "points": 1, "reason": "Phong trào tốt"}
    progress.clock.set(datetime(2025, 5, 10, 3, tzinfo=UTC))  # A was head then
    await progress.post(f"{PATH}/adjustments", bonus, headers=progress.officer(A), expect=201)
    await progress.post(f"{PATH}/adjustments", bonus, headers=progress.officer(N), expect=403)
    progress.clock.set(datetime(2025, 8, 1, 3, tzinfo=UTC))  # N from July
    await progress.post(f"{PATH}/adjustments", bonus, headers=progress.officer(A), expect=403)
    await progress.post(f"{PATH}/adjustments", bonus, headers=progress.officer(N), expect=201)
    progress.clock.set(datetime(2026, 3, 2, 3, tzinfo=UTC))  # after the year: its last head
    await progress.post(f"{PATH}/adjustments", bonus, headers=progress.officer(N), expect=201)
