"""The imports' row-by-row reports, problem by problem: each row the rules refuse is named with
its column and why (the report lists them by row), and the good rows are counted (a dry run in
"valid" mode, so one file shows them all)."""

from __future__ import annotations

from typing import Any

from tests.registry.seed import province, unit
from tests.registry.test_imports import HEADER, _csv

MEMBERSHIP_HEADER = [
    "bloc_code",
    "bloc_name",
    "bloc_kind",
    "year",
    "unit_code",
    "role",
    "joined_on",
    "left_on",
]
PEOPLE_HEADER = [
    "code",
    "full_name",
    "gender",
    "birth_year",
    "unit_code",
    "position",
    "valid_from",
    "citizen_id",
]
LATE = "000.00.20.H12"  # a department registered from 2021


async def _report(registry: Any, kind: str, rows: list[list[Any]], header: list[str]) -> Any:
    r = await registry.client.post(
        f"/imports/{kind}",
        params={"mode": "valid", "dry_run": "true"},
        content=_csv(rows, header),
        headers={**registry.admin, "content-type": "text/csv"},
    )
    assert r.status_code == 200, r.text
    return r.json()


def _errors(report: Any) -> list[tuple[int, str | None, str]]:
    return [(e["row"], e["column"], e["problem"]) for e in report["errors"]]


async def _seeded(registry: Any) -> dict[str, str]:
    u = await province(registry)
    u["late"] = await unit(
        registry, LATE, "Sở Mới", "department", "province", u["ubnd"], valid_from="2021-01-01"
    )
    return u


async def test_bloc_membership_rows_refused_one_by_one(registry):
    await _seeded(registry)
    a, c = "Khối A", "Khối C"
    rows = [
        ["K-A", a, "bloc", 2020, "000.00.01.H12", "head", "", ""],
        ["K-A", a, "bloc", 2020, "NOPE", "member", "", ""],
        ["K-A", a, "bloc", 2020, "000.00.02.H12", "member", "2019-05-01", ""],
        ["K-A", a, "bloc", 2020, "000.00.01.H12", "member", "", ""],
        ["K-A", a, "bloc", 2020, "000.00.02.H12", "head", "", ""],
        ["K-A", a, "bloc", 2020, "000.00.03.H12", "member", "", "2020-06-01"],
        ["K-A", a, "bloc", 2020, LATE, "member", "", ""],
        ["K-B", "Khối B", "bloc", 2020, "000.00.03.H12", "deputy", "", ""],
        ["K-C", c, "bloc", 2020, "000.00.01.H12", "member", "", ""],
        ["K-C", "Khối C khác", "bloc", 2020, "000.00.11.H12", "member", "", ""],
    ]
    report = await _report(registry, "bloc-memberships", rows, MEMBERSHIP_HEADER)
    assert _errors(report) == [
        (3, "unit_code", "no unit has this code"),
        (4, "joined_on", "must lie in 2020, on or after the bloc's formation (2020-01-01)"),
        (5, "unit_code", "the unit is also on row 2"),
        (6, "role", "a second head for this bloc"),
        (
            7,
            "left_on",
            "a unit leaving a bloc is recorded through the API (the bloc's members), not imported",
        ),
        (8, "unit_code", "the unit does not exist on 2020-01-01"),
        (9, "role", "a deputy is elected with a head"),
        (
            10,
            "unit_code",
            "the unit is already a member of the bloc of row 2 (blocs are exclusive)",
        ),
        (11, "bloc_name", "bloc K-C is named or kinded differently on row 10"),
    ]
    # K-A's head is the one good row of the file
    assert (report["valid"], report["unchanged"]) == (1, 0)


async def test_bloc_membership_rows_against_a_formed_bloc(registry):
    await _seeded(registry)
    e = "Khối E"
    formed = [["K-E", e, "bloc", 2020, "000.00.01.H12", "head", "", ""]]
    r = await registry.client.post(
        "/imports/bloc-memberships",
        content=_csv(formed, MEMBERSHIP_HEADER),
        headers={**registry.admin, "content-type": "text/csv"},
    )
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    # the head in office made deputy too; the bloc named as a cluster
    rows = [
        ["K-E", e, "bloc", 2020, "000.00.01.H12", "deputy", "", ""],
        ["K-E", e, "bloc", 2020, "000.00.02.H12", "member", "2020-03-01", ""],
    ]
    report = await _report(registry, "bloc-memberships", rows, MEMBERSHIP_HEADER)
    assert _errors(report) == [(2, "role", "the head cannot also be the deputy")]
    report = await _report(
        registry,
        "bloc-memberships",
        [["K-E", e, "cluster", 2020, "000.00.02.H12", "member", "", ""]],
        MEMBERSHIP_HEADER,
    )
    assert _errors(report) == [(2, "bloc_kind", "bloc K-E is a bloc")]
    # the head again, as it is: unchanged; a new member from a later day: imported
    report = await _report(
        registry,
        "bloc-memberships",
        [formed[0], ["K-E", e, "bloc", 2020, "000.00.02.H12", "member", "2020-03-01", ""]],
        MEMBERSHIP_HEADER,
    )
    assert (_errors(report), report["valid"], report["unchanged"]) == ([], 2, 1)


async def test_unit_rows_refused_one_by_one(registry):
    await _seeded(registry)
    ubnd = "000.00.00.H12"
    rows = [
        ["U1", "Sở Một", "department", "province", ubnd, "2020-01-01", ""],
        ["U1", "Sở Một bis", "department", "province", ubnd, "2020-01-01", ""],
        ["U2", "Sở Hai", "department", "province", "U3", "2020-01-01", ""],
        ["U3", "Sở Ba", "department", "province", "U2", "2020-01-01", ""],
        ["U4", "Phòng Bốn", "department", "province", "U5", "2020-01-01", ""],
        ["U5", "Sở Năm", "department", "province", "NOPE", "2020-01-01", ""],
        ["000.00.01.H12", "Sở Tài chính mới", "department", "province", ubnd, "2000-01-01", ""],
        ["000.00.02.H12", "Sở Y tế", "department", "province", ubnd, "2000-01-01", ""],
    ]
    report = await _report(registry, "units", rows, HEADER)
    assert _errors(report) == [
        (3, "code", "the code is also on row 2"),
        (4, "parent_code", "the parent codes of these rows make a cycle: U2 → U3 → U2"),
        (5, "parent_code", "the parent codes of these rows make a cycle: U3 → U2 → U3"),
        (6, "parent_code", "the parent's row 7 has errors"),
        (7, "parent_code", "no unit has this code"),
        (
            8,
            "code",
            "a unit with this code is already registered with other data; change it through "
            "the API",
        ),
    ]
    assert (report["valid"], report["unchanged"]) == (2, 1)


async def test_people_rows_refused_one_by_one(registry):
    await _seeded(registry)
    stc = "000.00.01.H12"
    known = ["CB0", "Trần Văn Cũ", "nam", 1970, stc, "Giám đốc", "2020-01-01", ""]
    r = await registry.client.post(
        "/imports/people",
        content=_csv([known], PEOPLE_HEADER),
        headers={**registry.admin, "content-type": "text/csv"},
    )
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    rows = [
        ["CB1", "Nguyễn Văn Một", "nam", 1980, stc, "Chuyên viên", "2020-01-01", ""],
        ["CB1", "Nguyễn Văn Hai", "nam", 1981, stc, "Chuyên viên", "2020-01-01", ""],
        ["", "Lê Thị Ba", "nữ", 1982, "NOPE", "Chuyên viên", "2020-01-01", ""],
        ["", "Lê Thị Bốn", "nữ", 1983, LATE, "Chuyên viên", "2020-01-01", ""],
        ["", "Phạm Văn Năm", "nam", 1984, stc, "Chuyên viên", "2020-01-01", "012345678901"],
        ["", "Phạm Văn Sáu", "nam", 1985, stc, "Chuyên viên", "2020-01-01", "012345678901"],
        known,
        known,
        ["", "Trần Văn Cũ", "nam", 1970, stc, "Phó Giám đốc", "2020-01-01", ""],
    ]
    report = await _report(registry, "people", rows, PEOPLE_HEADER)
    assert _errors(report) == [
        (3, "code", "the code is also on row 2"),
        (4, "unit_code", "no unit has this code"),
        (5, "unit_code", "the unit does not exist on 2020-01-01"),
        (7, "citizen_id", "the same citizen id is on row 6"),
        (9, "code", "the code is also on row 8"),
        (
            10,
            "citizen_id",
            "this person is already registered with other data; change it through the API",
        ),
    ]
    assert (report["valid"], report["unchanged"]) == (3, 1)
