"""Importing the award history of earlier years: every row checked with a row-by-row report,
Vietnamese headers and names, .xlsx and .csv, all-or-nothing or the valid rows, re-imports
harmless; and what is imported counts for multi-year titles."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from tests.awards.conftest import Awards
from tests.awards.world import build, nominations
from tests.xlsx_bombs import cell_without_row, zip_bomb

pytestmark = pytest.mark.timeout(120)

HEADER = (
    "Loại,Mã cá nhân,Họ và tên,Mã đơn vị,Danh hiệu,Năm,Từ ngày,Đến ngày,Số quyết định,"
    "Ngày quyết định"
)


async def post_file(awards: Awards, data: bytes, **params) -> tuple[int, dict]:
    r = await awards.client.post(
        "/award-history/imports", content=data, params=params, headers=awards.admin
    )
    return r.status_code, r.json()


async def test_rows_are_checked_and_reported(awards: Awards) -> None:
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    lines = [
        HEADER,
        # by name within the unit, award by its Vietnamese name
        "Cá nhân,,Nguyễn Thị Hoa,CM-STC,Chiến sĩ thi đua cơ sở,2018,,,12/QĐ-STC,20/12/2018",
        # a collective by unit code, over a period
        "Tập thể,,,CM-STC,TTLDXS,,2017-01-01,2017-12-31,3/QĐ-UBND,2018-01-15",
        # bad: unknown person name; award for a collective given to a person; no year
        "Cá nhân,,Không Có Ai,CM-STC,LDTT,2018,,,1/QĐ,",
        f"Cá nhân,{w.person('minh')},,,TTLDXS,2018,,,1/QĐ,",
        f"Cá nhân,{w.person('minh')},,,LDTT,,,,1/QĐ,",
        "Tập thể,,,CM-NOPE,TTLDTT,2018,,,1/QĐ,",
        f"Cá nhân,{w.person('minh')},,,LDTT,2018,,,1/QĐ,31/02/2018",
    ]
    data = ("\n".join(lines) + "\n").encode()
    status, problem = await post_file(awards, data)
    assert status == 422
    errors = {(e["row"], e["column"]) for e in problem["errors"]}
    assert errors == {
        (4, "full_name"),
        (5, "award_code"),
        (6, "year"),
        (7, "unit_code"),
        (8, "decided_on"),
    }
    assert await awards.count("award_history") == 0

    status, report = await post_file(awards, data, mode="valid")
    assert status == 200
    assert (report["rows"], report["valid"], report["imported"]) == (7, 2, 2)
    held = await awards.pool.fetch(
        "SELECT subject_kind, award_code, period_end, decision_number FROM award_history"
        " ORDER BY period_end"
    )
    assert [(r["subject_kind"], r["award_code"], r["decision_number"]) for r in held] == [
        ("collective", "TTLDXS", "3/QĐ-UBND"),
        ("person", "CSTDCS", "12/QĐ-STC"),
    ]
    # the same file again: the first report, nothing more
    status, again = await post_file(awards, data, mode="valid")
    assert again["replayed"] is True and await awards.count("award_history") == 2
    # another file holding the same awards: unchanged
    status, other = await post_file(awards, data + b"\n", mode="valid")
    assert (other["imported"], other["unchanged"]) == (0, 2)
    # unreadable files
    status, problem = await post_file(awards, b"\xff\xfe\x00garbage")
    assert status == 422
    status, problem = await post_file(awards, b"a,b\n1,2\n")
    assert status == 422 and "award_code" in problem["detail"]
    r = await awards.client.post(
        "/award-history/imports", content=data, headers=awards.officer(w.stc)
    )
    assert r.status_code == 403


async def test_a_period_without_its_start_is_reported_with_the_decision_date(
    awards: Awards,
) -> None:
    """A row giving the period's end and the decision's date but not the period's start is a
    row error naming period_start, not a server error (the decision date is compared with the
    start only when there is one)."""
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    lines = [HEADER, f"Cá nhân,{w.person('minh')},,,LDTT,,,2018-12-31,1/QĐ,2019-01-10"]
    status, problem = await post_file(awards, ("\n".join(lines) + "\n").encode())
    assert status == 422
    assert [(e["row"], e["column"]) for e in problem["errors"]] == [(2, "period_start")]
    assert await awards.count("award_history") == 0


async def test_xlsx_import_makes_a_multi_year_title_screenable(awards: Awards) -> None:
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    body = nominations(w)["an_cstd_tinh"]
    n = (await awards.post("/nominations", body, expect=201)).json()["nomination_id"]
    res = (await awards.post("/screenings", {"nomination_ids": [n]})).json()
    assert res["results"][0]["failing"] == ["R03-2013"]  # no CSTĐCS on record yet

    wb = Workbook()
    ws = wb.active
    ws.append(["Mã cá nhân", "Mã danh hiệu", "Năm", "Số quyết định", "Ngày quyết định"])
    for y in (2018, 2019, 2020):
        ws.append([str(w.person("an")), "CSTDCS", y, f"{y}/QĐ-STC", f"05/12/{y}"])
    out = io.BytesIO()
    wb.save(out)
    status, report = await post_file(awards, out.getvalue())
    assert status == 200 and report["imported"] == 3
    history = await awards.get("/award-history", params={"subject_id": str(w.person("an"))})
    assert [h["source"] for h in history.json()] == ["import"] * 3
    res = (await awards.post("/screenings", {"nomination_ids": [n]})).json()
    assert res["results"][0]["verdict"] == "eligible"


async def test_hostile_workbooks_are_refused_by_the_shared_reader(awards: Awards) -> None:
    header = ["Mã cá nhân", "Mã danh hiệu", "Năm"]
    status, problem = await post_file(awards, cell_without_row(header))
    assert status == 422 and "past row 1" in problem["detail"], problem
    status, problem = await post_file(awards, zip_bomb())
    assert status == 422 and "xl/worksheets/sheet1.xml" in problem["detail"], problem
    assert await awards.count("award_history") == 0
