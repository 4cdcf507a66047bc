"""A unit's officer reads a refused report, a refused import row and the import command's report
in Vietnamese; in English when the request asks for it (`Accept-Language`, `LANG` for the
command). Nothing refused is stored."""

from __future__ import annotations

import io

import httpx
import pytest
from rich.console import Console

from infra import import_cli
from tests.progress.seed import ID
from tests.progress.test_imports import BAD, GOOD, _csv, _import
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra


async def test_a_bad_report_is_answered_in_vietnamese(seeded):
    officer = seeded.officer(ID.stc)
    body = report(as_of="2020-06-16", note="x" * 4001)
    r = await seeded.post(
        "/reports", body, headers={**officer, "Accept-Language": "vi"}, expect=422
    )
    assert r.headers["content-language"] == "vi"
    problem = r.json()
    details = {e["pointer"]: e["detail"] for e in problem["errors"]}
    assert details == {
        "#/as_of": "Ngày báo cáo (as_of) chưa đến",
        "#/note": "Ghi chú dài quá 4000 ký tự",
    }
    assert {e["type"] for e in problem["errors"]} == {"future_date", "too_long"}
    assert problem["title"] == "Yêu cầu không hợp lệ"
    assert problem["detail"] == (
        "Yêu cầu không hợp lệ: #/as_of: Ngày báo cáo (as_of) chưa đến;"
        " #/note: Ghi chú dài quá 4000 ký tự"
    )
    # the same report in English
    r = await seeded.post(
        "/reports", body, headers={**officer, "Accept-Language": "en"}, expect=422
    )
    assert r.headers["content-language"] == "en"
    assert {e["detail"] for e in r.json()["errors"]} == {
        "as_of is in the future",
        "the note is longer than 4000 characters",
    }
    assert await seeded.count("reports") == 0 and await seeded.outbox() == []


async def test_a_report_the_model_refuses_is_explained_in_vietnamese(seeded):
    officer = {**seeded.officer(ID.stc), "Accept-Language": "vi-VN,vi;q=0.9,en;q=0.5"}
    body = {**report(value="ba nghìn"), "unit_id": str(ID.stc)}
    del body["as_of"]
    r = await seeded.post("/reports", body, headers=officer, expect=422)
    details = {e["pointer"]: e["detail"] for e in r.json()["errors"]}
    assert details["#/as_of"] == "Trường bắt buộc"
    assert details["#/unit_id"] == "Trường không được chấp nhận"
    assert all("Input" not in d and "Field" not in d for d in details.values()), details


async def test_bad_import_rows_are_reported_in_vietnamese(seeded):
    headers = {**seeded.admin, "Accept-Language": "vi"}
    r = await _import(seeded, _csv(GOOD + BAD), headers=headers)
    assert r.status_code == 422, r.text
    assert r.headers["content-language"] == "vi"
    problem = r.json()
    assert problem["title"] == "Có dòng dữ liệu không hợp lệ"
    assert problem["detail"] == "5 trên 7 dòng có lỗi; chưa nhập dòng nào"
    rows = {(e["row"], e["column"]): e["detail"] for e in problem["errors"]}
    assert (
        rows[(4, "unit_code")] == "Không có đơn vị nào mang mã này có chỉ tiêu trong phong trào này"
    )
    assert rows[(5, "as_of")] == "Ngày viết theo dạng YYYY-MM-DD hoặc DD/MM/YYYY"
    assert rows[(6, "value")] == "Phải là số"
    assert rows[(7, "as_of")] == "Ngày báo cáo (as_of) chưa đến"
    # a dry run of the valid rows answers its report in Vietnamese too
    r = await _import(seeded, _csv(GOOD + BAD), headers=headers, mode="valid", dry_run=True)
    assert r.status_code == 200 and r.headers["content-language"] == "vi"
    assert {e["problem"] for e in r.json()["errors"]} == set(rows.values())
    assert await seeded.count("reports") == 0


async def test_an_import_report_answered_again_speaks_the_asker_s_language(seeded):
    """The same file again answers its first report, kept in the database: in the language of
    the second request, its formatted messages (a row number, a date) included."""
    twice = [GOOD[0], GOOD[0]]  # row 3 repeats row 2's report
    data = _csv(twice + BAD)
    english = {**seeded.admin, "Accept-Language": "en"}
    first = await _import(seeded, data, headers=english, mode="valid")
    assert first.status_code == 200 and first.json()["imported"] == 1, first.text
    assert (3, "report_ref", "the same report is on row 2") in {
        (e["row"], e["column"], e["problem"]) for e in first.json()["errors"]
    }
    vietnamese = {**seeded.admin, "Accept-Language": "vi"}
    fresh = await _import(seeded, data, headers=vietnamese, mode="valid", dry_run=True)
    again = await _import(seeded, data, headers=vietnamese, mode="valid")
    assert again.status_code == 200 and again.json()["replayed"] is True
    assert again.headers["content-language"] == "vi"
    problems = [(e["row"], e["column"], e["problem"]) for e in again.json()["errors"]]
    assert problems == [(e["row"], e["column"], e["problem"]) for e in fresh.json()["errors"]]
    assert (3, "report_ref", "Báo cáo này cũng có ở dòng 2") in problems, problems
    # and in English again, as first answered
    assert (await _import(seeded, data, headers=english, mode="valid")).json()["errors"] == (
        first.json()["errors"]
    )
    assert await seeded.count("reports") == 1


async def test_the_import_command_speaks_the_language_of_lang(seeded, monkeypatch):
    token = seeded.admin["Authorization"].removeprefix("Bearer ")
    printed = {}
    for lang in ("vi_VN.UTF-8", "C.UTF-8"):
        monkeypatch.setenv("LANG", lang)
        out = Console(file=io.StringIO(), width=200, force_terminal=False)
        outcome = await import_cli.run(
            "http://progress", token, "reports", "bao-cao.csv", _csv(GOOD + BAD),
            transport=httpx.ASGITransport(app=seeded.app), out=out,
        )  # fmt: skip
        assert outcome.status == 422
        printed[lang] = out.file.getvalue()
    vi, en = printed["vi_VN.UTF-8"], printed["C.UTF-8"]
    assert "Các dòng bị từ chối" in vi and "Ngày báo cáo (as_of) chưa đến" in vi
    assert "5 trên 7 dòng có lỗi; chưa nhập dòng nào" in vi
    assert "rows refused" in en and "as_of is in the future" in en
    assert "Các dòng bị từ chối" not in en
