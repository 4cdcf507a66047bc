"""The token is checked before the body: a caller without a valid token learns nothing about what
the API accepts (401 whatever the body), a caller with one gets the body's problems (422, or 400
for a body that is not JSON)."""

from __future__ import annotations

import pytest

BAD_BODIES = [
    b"{not json",
    b'{"code": 1}',
    b'{"code": "P", "name": "x", "kind": "nope", "level": "province", "valid_from": "2000"}',
    b"[]",
]


@pytest.mark.parametrize("body", BAD_BODIES)
async def test_an_invalid_body_without_a_valid_token_is_401(registry, body):
    json = {"content-type": "application/json"}
    for headers in ({}, {"Authorization": "Bearer not.a.token"}):
        r = await registry.client.post("/units", content=body, headers={**json, **headers})
        assert r.status_code == 401, r.text
        assert r.headers["www-authenticate"].startswith("Bearer")
    r = await registry.client.post("/units", content=body, headers={**json, **registry.admin})
    assert r.status_code == (400 if body == b"{not json" else 422), r.text


async def test_invalid_parameters_without_a_token_are_401(registry):
    r = await registry.client.get("/units", params={"limit": "many"})
    assert r.status_code == 401
    r = await registry.client.get("/units", params={"limit": "many"}, headers=registry.admin)
    assert r.status_code == 422
