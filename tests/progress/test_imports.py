"""Reports from files (POST /imports/reports, `./thidua import reports FILE`): every row checked
as POST /reports checks a report, the row and column named in each error, all-or-nothing or the
valid rows only, a dry run, and re-imports that store nothing twice."""

from __future__ import annotations

import csv
import io
from typing import Any

import httpx
import pytest
from rich.console import Console

from infra import import_cli
from servicekit.imports import XLSX
from tests.progress.seed import ID
from tests.registry.test_imports import _xlsx

pytestmark = pytest.mark.infra

# as a unit's spreadsheet has them: Vietnamese headers, dates DD/MM/YYYY, numbers with dots
# grouping thousands and a decimal comma
VN_HEADER = [
    "Số hiệu báo cáo",
    "Mã đợt thi đua",
    "Mã đơn vị",
    "Tên chỉ tiêu",
    "Giá trị",
    "Đến ngày",
]
STC = "000.00.05.H12"
GOOD = [
    ["BC-05/STC", "TD-2020-VDS", STC, "Tổng thu ngân sách", "2.625", "31/05/2020"],
    ["", "TD-2020-VDS", STC, "giải ngân vốn đầu tư công", "100,5", "12/06/2020"],
]
BAD = [
    ["", "TD-2020-VDS", "000.00.99.H12", "Tổng thu ngân sách", "1", "31/05/2020"],
    ["", "TD-2020-VDS", STC, "Tổng thu ngân sách", "2700", "31/13/2020"],
    ["", "TD-2020-VDS", STC, "Tổng thu ngân sách", "nhiều", "01/06/2020"],
    ["", "TD-2020-VDS", STC, "Tổng thu ngân sách", "2800", "01/07/2020"],  # after today
    ["", "TD-2020-VDS", STC, "Chỉ tiêu không có", "1", "01/06/2020"],
]
BAD_COLUMNS = {4: "unit_code", 5: "as_of", 6: "value", 7: "as_of", 8: "target_name"}


def _csv(rows: list[list[Any]], header: list[str] = VN_HEADER) -> bytes:
    buf = io.StringIO()
    w = csv.writer(buf, delimiter=";")
    w.writerow(header)
    w.writerows(rows)
    return buf.getvalue().encode("utf-8-sig")


async def _import(p, data: bytes, headers=None, **params: Any) -> httpx.Response:
    kind = XLSX if data[:2] == b"PK" else "text/csv"
    return await p.client.post(
        "/imports/reports",
        content=data,
        params={k: str(v).lower() for k, v in params.items()},
        headers={**(headers or p.admin), "Content-Type": kind},
    )


async def test_a_file_is_checked_row_by_row_then_imported_once(seeded):
    data = _csv(GOOD + BAD)
    # all or nothing: refused, each bad row with its column; nothing stored, nothing published
    r = await _import(seeded, data)
    assert r.status_code == 422, r.text
    assert {e["row"]: e["column"] for e in r.json()["errors"]} == BAD_COLUMNS
    assert r.json()["report"]["valid"] == 2 and r.json()["report"]["imported"] == 0
    assert await seeded.count("reports") == 0 and await seeded.outbox() == []
    # a dry run of the valid rows: the same report, nothing written
    r = await _import(seeded, data, mode="valid", dry_run=True)
    assert r.status_code == 200 and r.json()["imported"] == 0 and r.json()["invalid"] == 5
    assert await seeded.count("reports") == 0

    r = await _import(seeded, data, mode="valid")
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], r.json()["invalid"]) == (2, 5)
    assert await seeded.count("reports") == 2
    events = await seeded.outbox()
    assert [e["_type"] for e in events] == ["TargetReported", "TargetReported", "TargetAchieved"]
    assert {e["value"] for e in events[:2]} == {2625.0, 100.5}

    # the same file again: its first report, nothing stored twice
    r = await _import(seeded, data, mode="valid")
    assert r.json()["replayed"] is True and await seeded.count("reports") == 2
    # the same rows in another file (an .xlsx, other columns order): unchanged
    header = ["unit_code", "campaign_code", "target_name", "value", "as_of", "report_ref"]
    again = [
        [STC, "TD-2020-VDS", "Tổng thu ngân sách", 2625, "2020-05-31", "BC-05/STC"],
        [STC, "TD-2020-VDS", "Giải ngân vốn đầu tư công", 100.5, "2020-06-12", None],
    ]
    r = await _import(seeded, _xlsx(again, header))
    assert r.status_code == 200, r.text
    assert (r.json()["imported"], r.json()["unchanged"]) == (0, 2)
    assert await seeded.count("reports") == 2 and len(await seeded.outbox()) == 3
    # the reference again with another value: refused (a correction goes through the API)
    again[0][3] = 2700
    r = await _import(seeded, _xlsx(again[:1], header))
    assert r.status_code == 422
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [(2, "report_ref")]


async def test_past_records_carry_their_submission_day_for_those_who_may_give_it(seeded):
    header = ["target_id", "value", "as_of", "submitted_on", "note", "evidence"]
    rows = [
        [
            str(ID.t_nha_o),
            1000,
            "20/06/2020",
            "25/06/2020",
            "Quý II",
            "vb:12/SXD; Tờ trình số 13/TTr-SXD",
        ]
    ]
    seeded.clock.set(seeded.clock.now().replace(year=2021))
    r = await _import(seeded, _csv(rows, header), headers=seeded.integration)
    assert r.status_code == 200 and r.json()["imported"] == 1, r.text
    out = (await seeded.get(f"/targets/{ID.t_nha_o}/reports")).json()
    (stored,) = out["reports"]
    assert stored["submitted_on"] == "2020-06-25" and stored["evidence"] == [
        "vb:12/SXD",
        "Tờ trình số 13/TTr-SXD",
    ]
    assert out["progress"]["reported_on_time"] is True

    # a unit officer imports their own unit's reports, without submission days
    officer = seeded.officer(ID.sxd)
    rows = [
        [str(ID.t_nha_o), 900, "30/06/2020", "30/06/2020", "", ""],
        [str(ID.t_thu), 10, "30/06/2020", "", "", ""],  # another unit's target
    ]
    r = await _import(seeded, _csv(rows, header), headers=officer, mode="valid")
    assert [(e["row"], e["column"]) for e in r.json()["errors"]] == [
        (2, "submitted_on"),
        (3, "target_id"),
    ]
    assert await seeded.count("reports") == 1


async def test_the_command_sends_a_reports_file_to_progress(seeded):
    out = Console(file=io.StringIO(), width=160, force_terminal=False)
    token = seeded.admin["Authorization"].removeprefix("Bearer ")
    outcome = await import_cli.run(
        "http://progress", token, "reports", "bao-cao.csv", _csv(GOOD + BAD), valid_only=True,
        transport=httpx.ASGITransport(app=seeded.app), out=out,
    )  # fmt: skip
    printed = out.file.getvalue()
    assert outcome.ok and outcome.report["imported"] == 2
    assert "progress validating and importing" in printed and "rows refused" in printed
    assert await seeded.count("reports") == 2


async def test_a_file_beyond_the_row_limit_is_refused_whole(seeded):
    rt = seeded.app.state.progress
    rt.config = rt.config.model_copy(update={"import_max_rows": 1})
    r = await _import(seeded, _csv(GOOD), mode="valid")
    assert r.status_code == 422 and r.json()["type"] == "urn:thidua:problem:import-file"
    assert "at most 1" in r.json()["detail"] and await seeded.count("reports") == 0
