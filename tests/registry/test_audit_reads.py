"""The audit trail of personal data: reads of people (list, one, statuses, exports) are recorded
with the reader; a request refused before authentication (413, 400, a bad URL) with a valid token
names its caller; a path chosen by the caller is stored bounded and without control characters."""

from __future__ import annotations

from tests.registry.seed import province
from tests.registry.test_api_people_blocs import person


async def _rows(registry, action_like: str) -> list:
    return await registry.pool.fetch(
        "SELECT actor, action, object, outcome, status FROM audit_log WHERE action LIKE $1"
        " ORDER BY at, action",
        action_like,
    )


async def test_reads_of_people_are_audited_with_the_reader(registry):
    u = await province(registry)
    pid = await person(registry, u["stc"], "Trần Thị Bình")
    reader = registry.token(["province_admin"], sub="reader-1")
    await registry.get("/people", params={"q": "binh"}, headers=reader)
    await registry.get(f"/people/{pid}", headers=reader)
    await registry.get(f"/people/{pid}/statuses", headers=reader)
    await registry.get("/exports/people", headers=reader)
    await registry.get("/units", headers=reader)  # no personal data: not a read to audit
    rows = await registry.pool.fetch(
        "SELECT action, object, outcome FROM audit_log WHERE actor = 'reader-1'"
    )
    assert sorted((r["action"], r["object"], r["outcome"]) for r in rows) == sorted(
        [
            ("GET /people", None, "ok"),
            ("GET /people/{person_id}", f"person_id={pid}", "ok"),
            ("GET /people/{person_id}/statuses", f"person_id={pid}", "ok"),
            ("GET /exports/{kind}", "kind=people", "ok"),
        ]
    )
    # the query (a person's name) is not kept
    assert "binh" not in str([dict(r) for r in rows]).lower()


async def test_refusals_before_authentication_name_a_valid_tokens_subject(registry):
    me = registry.token(["province_admin"], sub="sender-1")
    big = b"x" * 4_000_001
    r = await registry.client.post(
        "/units", content=big, headers={**me, "content-type": "application/json"}
    )
    assert r.status_code == 413
    r = await registry.client.post("/units/%01", json={}, headers=me)
    assert r.status_code == 422
    # an invalid token stays anonymous
    r = await registry.client.post(
        "/units", content=big, headers={"Authorization": "Bearer nope", "content-type": "x/y"}
    )
    assert r.status_code == 413
    rows = await _rows(registry, "POST /units%")
    assert [(x["actor"], x["status"]) for x in rows] == [
        ("sender-1", 413),
        ("sender-1", 422),
        ("anonymous", 413),
    ]


async def test_a_callers_path_is_stored_escaped_and_bounded(registry):
    me = registry.token(["province_admin"], sub="prober")
    for path in ("/nowhere/%00%1b[31m", "/nowhere/" + "a" * 5000, "/units/%e2%80%aeevil"):
        r = await registry.client.post(path, json={}, headers=me)
        assert r.status_code in (404, 405, 422), r.text
    rows = await registry.pool.fetch(
        "SELECT action, object FROM audit_log WHERE actor = 'prober' ORDER BY at"
    )
    assert len(rows) == 3, rows
    for row in rows:
        for text in (row["action"], row["object"] or ""):
            assert len(text) <= 210, len(text)
            assert not any(ord(c) < 32 or 0x7F <= ord(c) <= 0x9F for c in text), text
            assert "\u202e" not in text
    assert "\\x00" in rows[0]["action"] and "\\x1b" in rows[0]["action"]
