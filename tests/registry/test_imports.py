"""Bulk import and export: row-by-row reports, all-or-nothing or valid rows only, idempotent
re-import, a 10,000-row file, and .xlsx round trips."""

from __future__ import annotations

import csv
import io
import time

from openpyxl import Workbook, load_workbook

from servicekit.imports import XLSX
from tests.registry.seed import province
from tests.registry.test_api_campaigns import draft

HEADER = ["code", "name", "kind", "level", "parent_code", "valid_from", "valid_to"]


def _csv(rows: list[list[object]], header: list[str] = HEADER, delimiter: str = ",") -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=delimiter)
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


def _xlsx(rows: list[list[object]], header: list[str]) -> bytes:
    wb = Workbook()
    ws = wb.active
    ws.append(header)
    for r in rows:
        ws.append(r)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


def ten_thousand_units() -> tuple[bytes, dict[int, str]]:
    """A province, 100 districts and their communes: 10,000 rows, a few of them bad. Returns the
    file and, for each bad row (as numbered in the file), the column at fault."""
    rows: list[list[object]] = [
        ["P", "Ủy ban nhân dân tỉnh Thử", "provincial_committee", "province", "", "2000-01-01", ""]
    ]
    for d in range(100):
        rows.append(
            [
                f"D{d:03}",
                f"Ủy ban nhân dân huyện {d}",
                "district",
                "district",
                "P",
                "2000-01-01",
                "2025-07-01" if d % 2 else "",
            ]
        )
    n = 0
    while len(rows) < 10_000:
        d = n % 100
        rows.append(
            [
                f"C{n:05}",
                f"Ủy ban nhân dân xã Số {n}",
                "commune",
                "commune",
                f"D{d:03}",
                "01/01/2000",
                "2025-07-01" if d % 2 else "",
            ]
        )
        n += 1
    bad = {}
    rows[500][2] = "ministry"  # unknown kind
    bad[502] = "kind"
    rows[1000][4] = "NOPE"  # unknown parent
    bad[1002] = "parent_code"
    rows[2000][5] = "2000-13-45"  # not a date
    bad[2002] = "valid_from"
    rows[3000][0] = rows[2999][0]  # duplicate code
    bad[3002] = "code"
    rows[4000][5] = "1990-01-01"  # before its parent exists
    bad[4002] = "parent_code"
    rows[5000][1] = ""  # empty name
    bad[5002] = "name"
    # a district whose row is bad takes its communes down with it in "valid" mode only
    return _csv(rows), bad


async def test_ten_thousand_rows_all_or_nothing_then_valid_rows_then_idempotent(registry):
    data, bad = ten_thousand_units()
    headers = {**registry.admin, "content-type": "text/csv"}
    started = time.monotonic()
    r = await registry.client.post("/imports/units", content=data, headers=headers)
    assert r.status_code == 422, r.text[:500]
    problem = r.json()
    assert problem["report"]["rows"] == 10_000 and problem["report"]["imported"] == 0
    assert {e["row"]: e["column"] for e in problem["errors"]} == bad
    assert "nothing was imported" in problem["detail"]
    assert await registry.count("units") == 0 and await registry.count("outbox") == 0
    # a dry run in "valid" mode says what would be imported, and stores nothing
    r = await registry.client.post(
        "/imports/units", params={"mode": "valid", "dry_run": "true"}, content=data, headers=headers
    )
    assert r.status_code == 200 and r.json()["invalid"] == len(bad)
    assert await registry.count("units") == 0
    # the valid rows only
    r = await registry.client.post(
        "/imports/units", params={"mode": "valid"}, content=data, headers=headers
    )
    assert r.status_code == 200, r.text[:500]
    report = r.json()
    assert report["imported"] == 10_000 - len(bad) and report["invalid"] == len(bad)
    assert await registry.count("units") == 10_000 - len(bad)
    assert await registry.count("outbox") == 10_000 - len(bad)
    elapsed = time.monotonic() - started
    assert elapsed < 120, elapsed
    # the same file again: the first report, nothing done
    again = await registry.client.post(
        "/imports/units", params={"mode": "valid"}, content=data, headers=headers
    )
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.json()["imported"] == report["imported"]
    assert await registry.count("outbox") == 10_000 - len(bad)
    # the same rows in another file (semicolons): all unchanged but the bad ones
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    other = _csv(rows[1:], rows[0], delimiter=";")
    r = await registry.client.post(
        "/imports/units", params={"mode": "valid"}, content=other, headers=headers
    )
    assert r.json()["unchanged"] == 10_000 - len(bad) and r.json()["imported"] == 0
    # the as-of tree: half the districts closed in 2025
    districts = await registry.get(
        "/units", params={"level": "district", "as_of": "2025-07-01", "limit": 500}
    )
    assert len(districts.json()["items"]) == 50


async def test_people_xlsx_import_export_round_trip_with_vietnamese_headers(registry):
    u = await province(registry)
    header = [
        "Mã cán bộ",
        "Họ và tên",
        "Giới tính",
        "Năm sinh",
        "Mã đơn vị",
        "Chức vụ",
        "Từ ngày",
        "Số CCCD",
    ]
    rows = [
        [
            "CB001",
            "Nguyễn Văn An",
            "Nam",
            1975,
            "000.00.01.H12",
            "Giám đốc",
            "01/01/2015",
            "096075000001",
        ],
        ["CB002", "Trần Thị Bình", "Nữ", 1982, "000.00.01.H12", "Phó Giám đốc", "2016-03-01", ""],
        ["", "Lê Văn Cường", "nam", "1990", "000.00.02.H12", "Chuyên viên", "2018-01-01", ""],
        ["CB004", "Phạm Thị Dung", "x", 1990, "000.00.02.H12", "Chuyên viên", "2018-01-01", ""],
        ["CB005", "Võ Văn Em", "Nam", 1990, "NOPE", "Chuyên viên", "2018-01-01", ""],
        ["CB001", "Đỗ Văn Phúc", "Nam", 1991, "000.00.02.H12", "Chuyên viên", "2018-01-01", ""],
    ]
    data = _xlsx(rows, header)
    h = {**registry.admin, "content-type": XLSX}
    r = await registry.client.post("/imports/people", content=data, headers=h)
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [
        (5, "gender"),
        (6, "unit_code"),
        (7, "code"),
    ]
    assert await registry.count("people") == 0
    r = await registry.client.post(
        "/imports/people", params={"mode": "valid"}, content=data, headers=h
    )
    assert r.status_code == 200 and r.json()["imported"] == 3
    stored = await registry.pool.fetchval(
        "SELECT count(*) FROM people WHERE citizen_id_hash IS NOT NULL"
    )
    assert stored == 1
    # export, then import the export back: nothing changes
    x = await registry.get("/exports/people", params={"as_of": "2020-01-01"})
    assert x.headers["content-type"] == XLSX
    sheet = load_workbook(io.BytesIO(x.content)).active
    exported = list(sheet.iter_rows(values_only=True))
    assert exported[0] == (
        "code",
        "full_name",
        "gender",
        "birth_year",
        "unit_code",
        "position",
        "valid_from",
    )
    assert len(exported) == 4 and "096075000001" not in str(exported)
    r = await registry.client.post("/imports/people", content=x.content, headers=h)
    assert r.status_code == 200 and r.json()["unchanged"] == 3 and r.json()["imported"] == 0
    assert await registry.count("outbox") == len(u) + 3


async def test_bloc_memberships_and_targets_import(registry):
    u = await province(registry)
    header = ["bloc_code", "bloc_name", "bloc_kind", "year", "unit_code", "role", "joined_on"]
    rows = [
        ["K-KT", "Khối các sở kinh tế", "Khối", 2020, "000.00.01.H12", "Khối trưởng", ""],
        ["K-KT", "Khối các sở kinh tế", "khối", 2020, "000.00.03.H12", "khối phó", ""],
        ["K-KT", "Khối các sở kinh tế", "bloc", 2020, "000.00.02.H12", "", ""],
        ["K-VX", "Khối văn xã", "bloc", 2020, "000.00.02.H12", "member", ""],
    ]
    h = {**registry.admin, "content-type": "text/csv"}
    r = await registry.client.post(
        "/imports/bloc-memberships", content=_csv(rows, header), headers=h
    )
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(5, "unit_code")]
    r = await registry.client.post(
        "/imports/bloc-memberships", content=_csv(rows[:3], header), headers=h
    )
    assert r.status_code == 200 and r.json()["imported"] == 3, r.text
    blocs = (await registry.get("/blocs", params={"year": 2020})).json()["items"]
    assert len(blocs) == 1 and blocs[0]["head_unit_id"] == u["stc"]
    assert blocs[0]["deputy_unit_id"] == u["sxd"]
    # adding a member later in the year to the formed bloc
    later = [["K-KT", "Khối các sở kinh tế", "bloc", 2020, "000.00.11.H12", "member", "2020-06-01"]]
    r = await registry.client.post(
        "/imports/bloc-memberships", content=_csv(rows[:3] + later, header), headers=h
    )
    assert r.json()["unchanged"] == 3 and r.json()["imported"] == 1
    types = [
        row["type"].split(".")[-2]
        for row in await registry.pool.fetch(
            "SELECT type FROM outbox WHERE aggregatetype = 'registry.blocs.v1' ORDER BY seq"
        )
    ]
    assert types == ["BlocFormed", "BlocHeadElected", "BlocMembershipChanged"]

    x = await draft(registry, u)
    theader = [
        "campaign_code",
        "unit_code",
        "name",
        "metric",
        "unit_of_measure",
        "target_value",
        "direction",
        "weight",
        "deadline",
        "indicator_code",
    ]
    trows = [
        [
            "DTDB-2020",
            "000.00.01.H12",
            "Thu ngân sách",
            "Tổng thu",
            "tỷ đồng",
            "1500",
            "higher",
            "2",
            "31/12/2020",
            "KTXH-01",
        ],
        [
            "DTDB-2020",
            "000.00.02.H12",
            "Bảo hiểm y tế",
            "Tỷ lệ bao phủ",
            "%",
            "92,5",
            "higher_is_better",
            "",
            "2020-12-31",
            "",
        ],
        [
            "DTDB-2020",
            "000.00.02.H12",
            "Tử vong trẻ em",
            "Tỷ suất",
            "‰",
            "10",
            "lower",
            "-1",
            "2020-12-31",
            "",
        ],
        [
            "DTDB-2020",
            "000.00.03.H12",
            "Vốn",
            "Giải ngân",
            "%",
            "95",
            "higher",
            "1",
            "2020-12-31",
            "",
        ],
        ["NOPE", "000.00.01.H12", "X", "X", "X", "1", "higher", "1", "2020-12-31", ""],
    ]
    r = await registry.client.post("/imports/targets", content=_csv(trows, theader), headers=h)
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [
        (4, "weight"),
        (5, "unit_code"),
        (6, "campaign_code"),
    ]
    r = await registry.client.post(
        "/imports/targets", params={"mode": "valid"}, content=_csv(trows, theader), headers=h
    )
    assert r.json()["imported"] == 2
    targets = (await registry.get(f"/campaigns/{x['campaign_id']}/targets")).json()
    assert sorted(t["target_value"] for t in targets) == [92.5, 1500.0]
    await registry.post(f"/campaigns/{x['campaign_id']}/launch", {}, expect=200)
    exported = await registry.get("/exports/targets", params={"campaign_id": x["campaign_id"]})
    r = await registry.client.post(
        "/imports/targets",
        content=exported.content,
        headers={**registry.admin, "content-type": XLSX},
    )
    assert r.status_code == 200 and r.json()["unchanged"] == 2


async def test_unreadable_files_and_officers(registry):
    u = await province(registry)
    h = {**registry.admin, "content-type": "text/csv"}
    r = await registry.client.post("/imports/units", content=b"\xff\xfe garbage", headers=h)
    assert r.status_code == 422 and "UTF-8" in r.json()["detail"]
    r = await registry.client.post("/imports/units", content=b"code,name\nX,Y\n", headers=h)
    assert r.status_code == 422 and "missing column" in r.json()["detail"]
    r = await registry.client.post("/imports/units", content=b"PK\x03\x04broken", headers=h)
    assert r.status_code == 422 and "xlsx" in r.json()["detail"]
    await registry.post("/imports/nothing", {}, expect=422)
    officer = registry.officer(u["stc"])
    r = await registry.client.post(
        "/imports/units", content=_csv([]), headers={**officer, "content-type": "text/csv"}
    )
    assert r.status_code == 403
    await registry.get("/exports/people", headers=officer, expect=403)
    x = await registry.get("/exports/units", params={"as_of": "2020-01-01"})
    sheet = list(load_workbook(io.BytesIO(x.content)).active.iter_rows(values_only=True))
    assert sheet[0] == tuple(HEADER) and len(sheet) == 7


async def test_cycles_and_dependent_rows_in_a_file(registry):
    rows = [
        ["A", "Ủy ban A", "provincial_committee", "province", "C", "2000-01-01", ""],
        ["B", "Ban B", "department", "province", "A", "2000-01-01", ""],
        ["C", "Ban C", "department", "province", "B", "2000-01-01", ""],
        ["D", "Ban D", "department", "province", "C", "2000-01-01", ""],
        ["E", "Tỉnh E", "provincial_committee", "province", "", "2000-01-01", ""],
        ["F", "Sở F", "department", "province", "E", "1999-01-01", ""],
        ["G", "Phòng G", "department", "province", "F", "2001-01-01", ""],
    ]
    h = {**registry.admin, "content-type": "text/csv"}
    r = await registry.client.post(
        "/imports/units", params={"mode": "valid"}, content=_csv(rows), headers=h
    )
    errors = {e["row"]: e["problem"] for e in r.json()["errors"]}
    assert errors[2].startswith("the parent codes of these rows make a cycle: A → C → B → A")
    assert "part of a cycle" in errors[5]
    assert "Tỉnh E" not in str(errors) and "parent" in errors[7]  # F is bad: G falls with it
    assert "row 7 has errors" in errors[8]
    assert r.json()["imported"] == 1 and await registry.count("units") == 1


async def test_targets_allow_negative_column_validated_imported_and_exported(registry):
    u = await province(registry)
    x = await draft(registry, u)
    # Vietnamese header for the new column; the others in the export's names
    header = [
        "campaign_code",
        "unit_code",
        "name",
        "metric",
        "unit_of_measure",
        "target_value",
        "direction",
        "deadline",
        "Cho phép âm",
    ]

    def row(unit: str, name: str, value: str, allow: object) -> list[object]:
        return ["DTDB-2020", unit, name, name, "%", value, "higher", "2020-12-31", allow]

    rows = [
        row("000.00.01.H12", "Tăng trưởng thu ngân sách", "-2,5", "Có"),
        row("000.00.01.H12", "Tăng trưởng GRDP", "6,5", "TRUE"),
        row("000.00.02.H12", "Bao phủ bảo hiểm y tế", "92", ""),
        row("000.00.02.H12", "Tăng trưởng số giường", "-1", "không"),  # negative without it
        row("000.00.02.H12", "Tỷ lệ tiêm chủng", "95", "maybe"),  # not a yes/no
        row("000.00.02.H12", "Tỷ lệ khám chữa bệnh", "80", "2"),  # not a yes/no
    ]
    h = {**registry.admin, "content-type": "text/csv"}
    r = await registry.client.post("/imports/targets", content=_csv(rows, header), headers=h)
    assert r.status_code == 422, r.text
    errors = r.json()["errors"]
    assert [(e["row"], e["column"]) for e in errors] == [
        (5, "target_value"),
        (6, "allow_negative"),
        (7, "allow_negative"),
    ]
    assert "allow_negative" in errors[0]["detail"]
    assert "true or false" in errors[1]["detail"] and "maybe" not in errors[1]["detail"]
    assert await registry.count("targets") == 0  # all or nothing

    r = await registry.client.post(
        "/imports/targets", params={"mode": "valid"}, content=_csv(rows, header), headers=h
    )
    assert r.status_code == 200 and r.json()["imported"] == 3, r.text
    targets = (await registry.get(f"/campaigns/{x['campaign_id']}/targets")).json()
    assert sorted((t["name"], t["target_value"], t["allow_negative"]) for t in targets) == [
        ("Bao phủ bảo hiểm y tế", 92.0, False),
        ("Tăng trưởng GRDP", 6.5, True),
        ("Tăng trưởng thu ngân sách", -2.5, True),
    ]

    # the export writes the column; its file imports back unchanged, an .xlsx boolean too
    exported = await registry.get("/exports/targets", params={"campaign_id": x["campaign_id"]})
    sheet = load_workbook(io.BytesIO(exported.content)).active
    table = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert table[0][-1] == "allow_negative"
    assert sorted((r[2], r[-1]) for r in table[1:]) == [
        ("Bao phủ bảo hiểm y tế", False),
        ("Tăng trưởng GRDP", True),
        ("Tăng trưởng thu ngân sách", True),
    ]
    r = await registry.client.post(
        "/imports/targets",
        content=exported.content,
        headers={**registry.admin, "content-type": XLSX},
    )
    assert r.status_code == 200 and r.json()["unchanged"] == 3, r.text
    # the same target with the flag changed is other terms: refused (revise through the API)
    changed = [table[0]] + [[*r[:-1], False] if r[-1] else list(r) for r in table[1:]]
    r = await registry.client.post(
        "/imports/targets",
        content=_xlsx(changed[1:], changed[0]),
        headers={**registry.admin, "content-type": XLSX},
    )
    assert r.status_code == 422
    assert sorted(e["column"] for e in r.json()["errors"]) == ["name", "name"]
    assert await registry.count("targets") == 3
