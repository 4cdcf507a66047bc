"""Import bombs: a small .xlsx of 300,000 rows is refused at the row limit while the service
keeps answering, without its memory ballooning; a zip member declaring gigabytes is refused
before it is inflated; a malformed sheet is a 422 naming the problem."""

from __future__ import annotations

import asyncio
import time

import pytest

from servicekit.imports import XLSX
from tests.registry.test_imports import HEADER
from tests.xlsx_bombs import broken_xml, cell_without_row, many_rows, rss_bytes, zip_bomb

pytestmark = pytest.mark.timeout(120)


async def _post(registry, data: bytes):
    return await registry.client.post(
        "/imports/units", content=data, headers={**registry.admin, "content-type": XLSX}
    )


async def test_a_300000_row_file_is_refused_at_the_limit_while_health_answers(registry):
    data = many_rows(HEADER, 300_000)
    assert len(data) < 2_000_000
    base = rss_bytes()
    started = time.monotonic()
    upload = asyncio.create_task(_post(registry, data))
    waits, peak = [], base
    while not upload.done():
        t = time.monotonic()
        r = await asyncio.wait_for(registry.client.get("/health"), timeout=5)
        waits.append(time.monotonic() - t)
        assert r.status_code == 200
        peak = max(peak, rss_bytes())
        await asyncio.sleep(0.05)
    r = await upload
    took = time.monotonic() - started
    assert r.status_code == 422, r.text
    assert "10000" in r.json()["detail"].replace(",", ""), r.json()
    assert took < 10, f"refused after {took:.1f} s"
    assert waits and max(waits) < 1, f"/health waited {max(waits):.2f} s during the import"
    # parsed as a stream: the 10,001 rows read before the refusal, not 300,000
    assert peak - base < 40_000_000, f"memory grew by {(peak - base) / 1e6:.0f} MB"
    assert await registry.count("units") == 0


async def test_a_zip_bomb_is_refused_before_it_is_inflated(registry):
    started = time.monotonic()
    r = await _post(registry, zip_bomb())
    assert r.status_code == 422, r.text
    assert "xl/worksheets/sheet1.xml" in r.json()["detail"]
    assert time.monotonic() - started < 5


async def test_a_malformed_sheet_is_a_422_naming_the_problem(registry):
    r = await _post(registry, cell_without_row(HEADER))
    assert r.status_code == 422, r.text
    assert "past row 1" in r.json()["detail"] and "'A'" in r.json()["detail"], r.json()
    r = await _post(registry, broken_xml(HEADER))
    assert r.status_code == 422, r.text
    assert "XML" in r.json()["detail"], r.json()
    assert await registry.count("units") == 0
