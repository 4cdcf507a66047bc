"""People read the registry's problems in Vietnamese: a bad unit and a bad import row, in the
language `Accept-Language` asks for, Vietnamese when a person's token asks for none, English for
an integration client; the pointers, `type` and `code` stay as they are."""

from __future__ import annotations

from typing import Any

from tests.registry.seed import province
from tests.registry.test_imports import _csv

VI = {"Accept-Language": "vi"}
EN = {"Accept-Language": "en"}
BAD_UNIT = {
    "code": "000.00.99.H12",
    "name": "Sở " + "x" * 600,
    "kind": "department",
    "level": "nowhere",
    "valid_from": "2020-01-01",
    "colour": "đỏ",
}


async def _post_unit(registry: Any, headers: dict[str, str]) -> Any:
    r = await registry.post("/units", BAD_UNIT, headers={**registry.admin, **headers}, expect=422)
    assert r.headers["content-type"].startswith("application/problem+json")
    return r


def _by_pointer(problem: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {e["pointer"]: e for e in problem["errors"]}


async def test_a_bad_unit_is_answered_in_vietnamese(registry):
    r = await _post_unit(registry, VI)
    assert r.headers["content-language"] == "vi"
    problem = r.json()
    errors = _by_pointer(problem)
    assert problem["title"] == "Yêu cầu không hợp lệ"
    assert problem["type"] == "urn:thidua:problem:validation"
    assert errors["#/name"]["detail"] == "Không quá 500 ký tự"
    assert errors["#/name"]["type"] == "string_too_long"
    assert errors["#/level"]["detail"].startswith("Phải là một trong các giá trị: 'province'")
    assert errors["#/colour"]["detail"] == "Trường không được chấp nhận"
    assert problem["detail"].startswith("Yêu cầu không hợp lệ: #/")
    assert "Không quá 500 ký tự" in problem["detail"]
    assert "should" not in problem["detail"] and "Input" not in problem["detail"]
    assert await registry.count("units") == 0


async def test_the_same_unit_in_english_when_asked(registry):
    r = await _post_unit(registry, EN)
    assert r.headers["content-language"] == "en"
    problem = r.json()
    errors = _by_pointer(problem)
    assert problem["title"] == "Invalid request"
    assert errors["#/name"]["detail"] == "String should have at most 500 characters"
    assert errors["#/colour"]["detail"] == "Extra inputs are not permitted"
    assert problem["detail"].startswith("The request is invalid: #/")


async def test_a_person_asking_nothing_reads_vietnamese_a_client_english(registry):
    registry.client.headers.pop("Accept-Language", None)
    r = await _post_unit(registry, {})
    assert r.headers["content-language"] == "vi"
    assert _by_pointer(r.json())["#/name"]["detail"] == "Không quá 500 ký tự"
    client = registry.token(["integration_client"], sub="client")
    r = await registry.client.post("/units", json=BAD_UNIT, headers=client)
    assert r.status_code in (403, 422), r.text
    assert r.headers["content-language"] == "en"
    # a client may ask for Vietnamese, with q-values
    r = await registry.client.post(
        "/units", json=BAD_UNIT, headers={**client, "Accept-Language": "en;q=0.3, vi;q=0.9"}
    )
    assert r.headers["content-language"] == "vi"


async def test_a_domain_error_translates_its_template_and_keeps_its_values(registry):
    u = await province(registry)
    missing = "7c0a9f1e-0000-4000-8000-000000000001"
    r = await registry.get(f"/units/{missing}", headers={**registry.admin, **VI}, expect=404)
    assert r.json()["detail"] == f"Không có đơn vị {missing}"
    assert r.json()["title"] == "Không tìm thấy"
    r = await registry.get(f"/units/{missing}", headers={**registry.admin, **EN}, expect=404)
    assert r.json()["detail"] == f"no unit {missing}"
    # a rule of the domain, its field named by the pointer as before
    r = await registry.post(
        f"/units/{u['stc']}/close",
        {"closed_on": "1990-01-01"},
        headers={**registry.admin, **VI},
        expect=None,
    )
    assert r.status_code in (409, 422), r.text
    assert r.json()["detail"].startswith("Đơn vị 000.00.01.H12 bắt đầu từ ngày 01/01/2000")
    assert [e["pointer"] for e in r.json()["errors"]] == ["#/closed_on"]


async def test_a_bad_import_row_is_reported_in_vietnamese(registry):
    await province(registry)
    rows = [
        ["000.00.50.H12", "Sở Mới", "department", "province", "NOPE", "2020-01-01", ""],
        ["000.00.51.H12", "", "department", "province", "000.00.00.H12", "2020-01-01", ""],
    ]
    for lang, expected in (
        ("vi", {(2, "parent_code"): "Không có đơn vị mang mã này", (3, "name"): "Bắt buộc"}),
        ("en", {(2, "parent_code"): "no unit has this code", (3, "name"): "required"}),
    ):
        r = await registry.client.post(
            "/imports/units",
            content=_csv(rows),
            headers={**registry.admin, "content-type": "text/csv", "Accept-Language": lang},
        )
        assert r.status_code == 422, r.text
        assert r.headers["content-language"] == lang
        problem = r.json()
        found = {(e["row"], e["column"]): e["detail"] for e in problem["errors"]}
        assert set(found) == set(expected), found
        for key, start in expected.items():
            assert found[key].startswith(start), found
        report = {(e["row"], e["column"]): e["problem"] for e in problem["report"]["errors"]}
        assert report == found
    vi_title = "Có dòng dữ liệu không hợp lệ"
    r = await registry.client.post(
        "/imports/units",
        content=_csv(rows),
        headers={**registry.admin, "content-type": "text/csv", "Accept-Language": "vi"},
    )
    assert r.json()["title"] == vi_title
    assert r.json()["detail"] == "2 trên 2 dòng có lỗi; chưa nhập dòng nào"
    assert await registry.count("import_files") == 0
