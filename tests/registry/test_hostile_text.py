"""Hostile text: control and bidirectional characters are refused at the edge with the field named
(bodies, URLs, imported cells), nothing is stored; names that look like spreadsheet formulas are
exported as text."""

from __future__ import annotations

import base64
import io
import json
from uuid import uuid4

import pytest
from openpyxl import load_workbook

from tests.registry.seed import unit
from tests.registry.test_imports import HEADER, _csv

FORBIDDEN = ["\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "\u202e", "\u2066"]


@pytest.mark.parametrize("char", FORBIDDEN)
async def test_a_body_text_with_a_forbidden_character_is_refused_naming_the_field(registry, char):
    body = {
        "code": "000.00.00.H12",
        "name": f"Ủy ban{char}nhân dân tỉnh",
        "kind": "provincial_committee",
        "level": "province",
        "valid_from": "2000-01-01",
    }
    r = await registry.post("/units", body, expect=422)
    errors = r.json()["errors"]
    assert [e["pointer"] for e in errors] == ["#/name"], errors
    assert f"U+{ord(char[0]):04X}" in errors[0]["detail"]
    assert await registry.count("units") == 0


async def test_tab_and_newline_stay_allowed_where_a_text_allows_them(registry):
    ubnd = await unit(registry, "P", "Ủy ban nhân dân tỉnh", "provincial_committee", "province")
    person = {
        "full_name": "Nguyễn Văn A",
        "gender": "male",
        "birth_year": 1980,
        "unit_id": ubnd,
        "position": "Chuyên viên\tphòng Tổng hợp",
        "valid_from": "2020-01-01",
    }
    await registry.post("/people", person, expect=201)


async def test_a_query_or_path_with_a_forbidden_character_is_refused(registry):
    r = await registry.get("/people", params={"q": "Nguy\x00n"}, expect=422)
    problem = r.json()
    assert problem["errors"][0] == {
        "in": "query",
        "name": "q",
        "detail": problem["errors"][0]["detail"],
    }
    assert "U+0000" in problem["detail"]
    r = await registry.get("/units", params={"q": "a\u202eb"}, expect=422)
    assert "U+202E" in r.json()["detail"]
    r = await registry.get("/units/%00", expect=422)
    assert r.json()["errors"][0]["in"] == "path"


async def test_an_imported_cell_with_a_forbidden_character_is_a_row_error_in_dry_run_and_run(
    registry,
):
    rows = [
        ["P", "Ủy ban nhân dân tỉnh", "provincial_committee", "province", "", "2000-01-01", ""],
        ["S", "Sở\x00Tài chính", "department", "province", "P", "2000-01-01", ""],
    ]
    h = {**registry.admin, "content-type": "text/csv"}
    for params in ({"dry_run": "true"}, {}):
        r = await registry.client.post(
            "/imports/units", params=params, content=_csv(rows), headers=h
        )
        assert r.status_code == 422, r.text
        errors = r.json()["errors"]
        assert [(e["row"], e["column"]) for e in errors] == [(3, "name")], errors
        assert "U+0000" in errors[0]["detail"]
    assert await registry.count("units") == 0
    r = await registry.client.post(
        "/imports/units", params={"mode": "valid"}, content=_csv(rows), headers=h
    )
    assert r.status_code == 200 and r.json()["imported"] == 1
    assert await registry.count("units") == 1


FORMULAS = ['=HYPERLINK("http://example.invalid","x")', "+cmd|' /C calc'!A0", "@SUM(1+1)", "-2+3"]


async def test_names_that_look_like_formulas_are_exported_as_text(registry):
    rows = [["P", FORMULAS[0], "provincial_committee", "province", "", "2000-01-01", ""]]
    rows += [
        [f"S{i}", name, "department", "province", "P", "2000-01-01", ""]
        for i, name in enumerate(FORMULAS[1:])
    ]
    h = {**registry.admin, "content-type": "text/csv"}
    r = await registry.client.post("/imports/units", content=_csv(rows, HEADER), headers=h)
    assert r.status_code == 200, r.text
    # A row stored before the check existed: exporting it must not fail either.
    await registry.pool.execute("UPDATE unit_versions SET name = name || E'\\x01' WHERE true")
    x = await registry.get("/exports/units", params={"as_of": "2020-01-01"})
    sheet = load_workbook(io.BytesIO(x.content)).active
    names = {row[1].value: row[1].data_type for row in sheet.iter_rows(min_row=2)}
    assert names == {name: "s" for name in FORMULAS}


def _cursor(*parts: object) -> str:
    raw = json.dumps(list(parts)).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


@pytest.mark.parametrize(
    ("path", "cursor"),
    [
        ("/units", "not-base64!"),
        ("/units", _cursor("name", {"a": 1}, str(uuid4()))),
        ("/units", _cursor("name", True, str(uuid4()))),
        ("/units", _cursor("code", "X", "not-a-uuid")),
        ("/units?sort=valid_from", _cursor("valid_from", "2020-99-99", str(uuid4()))),
        ("/people?sort=birth_year", _cursor("birth_year", "nineteen", str(uuid4()))),
        ("/people?sort=birth_year", _cursor("birth_year", 2**70, str(uuid4()))),
    ],
)
async def test_a_tampered_cursor_is_refused_naming_it(registry, path, cursor):
    await unit(registry, "P", "Ủy ban nhân dân tỉnh", "provincial_committee", "province")
    r = await registry.get(path, params={"cursor": cursor}, expect=422)
    assert r.json()["errors"][0]["name"] == "cursor"


async def test_query_values_naming_people_are_redacted_in_spans(registry, spans):
    await registry.get("/people", params={"q": "Nguyễn Văn Bí Mật", "limit": 5})
    server = [
        s
        for s in spans.get_finished_spans()
        if s.kind.name == "SERVER" and "/people" in str(s.attributes.get("http.target", ""))
    ]
    assert server, "no server span for the request"
    values = " ".join(str(v) for s in server for v in s.attributes.values())
    assert "Mật" not in values and "M%E1%BA%ADt" not in values
    assert "q=REDACTED" in values and "limit=5" in values
