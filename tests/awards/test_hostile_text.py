"""Hostile text in awards: control and bidirectional characters refused with the field named,
imported cells with them reported by row and column, and the awardee list written as text even
when a name looks like a spreadsheet formula."""

from __future__ import annotations

import io
from datetime import date
from decimal import Decimal
from uuid import uuid4

import pytest
from openpyxl import load_workbook

from services.awards.adapters.exports import DecisionView, Line, to_xlsx
from tests.awards.conftest import Awards
from tests.awards.test_history import HEADER, post_file
from tests.awards.world import build

pytestmark = pytest.mark.timeout(120)


@pytest.mark.parametrize("char", ["\x00", "\x0b", "\u202e"])
async def test_a_council_name_with_a_forbidden_character_is_refused(awards: Awards, char) -> None:
    body = {
        "name": f"Hội đồng{char}Thi đua",
        "term_start": "2020-01-01",
        "term_end": "2025-12-31",
        "members": [
            {"subject": "m1", "full_name": "Lê Văn Một", "title": "Chủ tịch", "role": "chair"}
        ],
    }
    r = await awards.post("/councils", body, expect=422)
    assert [e["pointer"] for e in r.json()["errors"]] == ["#/name"]
    assert await awards.count("councils") == 0


async def test_an_imported_history_cell_with_a_forbidden_character_is_a_row_error(
    awards: Awards,
) -> None:
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    data = (HEADER + "\nTập thể,,,CM-STC,TTLDXS,2018,,,3/QĐ\x00UBND,2019-01-15\n").encode()
    for params in ({"dry_run": "true"}, {}):
        status, problem = await post_file(awards, data, **params)
        assert status == 422, problem
        assert [(e["row"], e["column"]) for e in problem["errors"]] == [(2, "decision_number")]
    assert await awards.count("award_history") == 0


def test_awardee_names_that_look_like_formulas_are_written_as_text() -> None:
    names = ['=HYPERLINK("http://example.invalid","x")', "+cmd|' /C calc'!A0", "@SUM(1)"]
    view = DecisionView(
        uuid4(), "=1+1", date(2021, 1, 15), "A", "Chủ tịch", "province_chairman", None,
        1_490_000, 0,
    )  # fmt: skip
    for i, name in enumerate(names, 1):
        view.lines.append(
            Line(i, uuid4(), "person", uuid4(), name, "=A1", None, "LDTT",
                 "Lao động tiên tiến", 2020, None, Decimal("0.3"), 447_000, None)
        )  # fmt: skip
    sheet = load_workbook(io.BytesIO(to_xlsx(view))).active
    cells = [c for row in sheet.iter_rows() for c in row if isinstance(c.value, str)]
    assert {c.value for c in cells} >= {*names, "=A1"}
    assert {c.data_type for c in cells} == {"s"}
