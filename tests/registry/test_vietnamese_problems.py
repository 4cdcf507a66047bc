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


# Answers no exception handler builds: the router's 404/405, the middlewares' 413, bad URL text
# and Idempotency-Key problems, the token's 401 and the role's 403.
OUTSIDE_HANDLERS = [
    # (method, path, headers beyond the admin's, body, status, Vietnamese detail starts with)
    ("GET", "/no-such-route", {}, None, 404, "Không tìm thấy"),
    ("DELETE", "/units", {}, None, 405, "Phương thức không được phép"),
    ("POST", "/units", {"content-length": "99999999"}, b"{}", 413, "Nội dung yêu cầu vượt quá"),
    ("GET", "/units?q=a%00b", {}, None, 422, "query q chứa ký tự điều khiển"),
    ("POST", "/units", {"Authorization": ""}, b"{}", 401, "Cần có token"),
    ("POST", "/units", {"Authorization": "Bearer a.b.c"}, b"{}", 401, "Token sai định dạng"),
    ("POST", "/units", {"Idempotency-Key": "a b"}, b"{}", 400, "Idempotency-Key phải"),
]


async def test_answers_outside_the_handlers_follow_the_language_too(registry):
    for method, path, extra, body, status, start in OUTSIDE_HANDLERS:
        for lang in ("vi", "en"):
            headers = {**registry.admin, "content-type": "application/json", **extra}
            if headers["Authorization"] == "":
                del headers["Authorization"]
            r = await registry.client.request(
                method, path, content=body, headers={**headers, "Accept-Language": lang}
            )
            where = f"{method} {path} ({lang})"
            assert r.status_code == status, (where, r.text)
            assert r.headers["content-type"].startswith("application/problem+json"), where
            assert r.headers["content-language"] == lang, (where, r.headers)
            detail = r.json()["detail"]
            if lang == "vi":
                assert detail.startswith(start), (where, detail)
            else:
                assert not detail.startswith(start), (where, detail)
    # the role's 403, with the role named in both languages
    officer = registry.officer("7c0a9f1e-0000-4000-8000-000000000001")
    r = await registry.post("/units", {}, headers={**officer, **VI}, expect=403)
    assert r.json()["detail"] == "Cần vai trò province_admin"
    # a key reused with another body: the middleware's 422 from the stored request
    key = {**registry.admin, "Idempotency-Key": "k-1", **VI}
    await registry.post("/units", {"code": "x"}, headers=key, expect=422)
    r = await registry.post("/units", {"code": "y"}, headers=key, expect=422)
    assert r.json()["type"] == "urn:thidua:problem:idempotency-key-reused"
    assert r.json()["detail"] == "Idempotency-Key này đã dùng cho một yêu cầu có nội dung khác"


async def test_before_its_token_is_read_a_client_is_answered_in_english(registry):
    """A middleware answers before the token is verified: the roles the token claims choose
    the default language, as they do after (a person's Vietnamese, a client's English)."""
    too_large = {"content-type": "application/json", "content-length": "99999999"}
    client = registry.token(["integration_client"], sub="client")
    r = await registry.client.post("/units", content=b"{}", headers={**client, **too_large})
    assert (r.status_code, r.headers["content-language"]) == (413, "en")
    assert r.json()["detail"] == "the request body exceeds the limit of 4000000 bytes"
    registry.client.headers.pop("Accept-Language", None)
    r = await registry.client.post("/units", content=b"{}", headers={**registry.admin, **too_large})
    assert (r.status_code, r.headers["content-language"]) == (413, "vi")
    assert r.json()["detail"] == "Nội dung yêu cầu vượt quá giới hạn 4000000 byte"
