"""The SSRF guard in production mode with no allowlist: a webhook may only target public
addresses. (The other tests allow 127.0.0.0/8 through the settings, as tests need.)"""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]

SECRET = "whsec-he-thong-mot-cua-2020-abcdef"


@pytest.fixture
def notify_settings():
    return {"webhook_production": True, "webhook_allowed_networks": []}


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://127.0.0.1:8080/hook", "loopback"),
        ("http://[::1]/hook", "loopback"),
        ("http://localhost/hook", "loopback"),
        ("http://10.1.2.3/hook", "private"),
        ("https://192.168.1.10/hook", "private"),
        ("http://172.16.0.1/hook", "private"),
        ("http://169.254.169.254/latest/meta-data", "link-local"),
        ("http://[::ffff:10.0.0.1]/hook", "private"),
        ("http://0.0.0.0/hook", "unspecified"),
        ("http://100.64.0.1/hook", "not a public"),
    ],
)
async def test_private_and_loopback_targets_are_refused(notify, url, reason):
    r = await notify.client.post(
        "/subscriptions",
        headers=notify.integration("mot-cua"),
        json={"url": url, "secret": SECRET},
    )
    assert r.status_code == 422, r.text
    [error] = r.json()["errors"]
    assert error["pointer"] == "#/url" and reason in error["detail"], error
    assert await notify.pool.fetchval("SELECT count(*) FROM webhook_subscriptions") == 0


async def test_a_patch_to_a_private_target_is_refused_too(notify, monkeypatch):
    async def documentation(host, port):
        return ["203.0.113.10"]

    monkeypatch.setattr(notify.app.state.notify, "resolver", documentation)
    me = notify.integration("mot-cua")
    r = await notify.client.post(
        "/subscriptions", headers=me, json={"url": "https://hook.example.vn/x", "secret": SECRET}
    )
    # 203.0.113.0/24 is documentation space, which Python counts as private: refused too
    assert r.status_code == 422
    detail = r.json()["errors"][0]["detail"]
    assert "resolves to an address that" in detail and "203.0.113" not in detail

    async def really_public(host, port):
        return ["8.8.8.8"]

    monkeypatch.setattr(notify.app.state.notify, "resolver", really_public)
    created = await notify.call(
        "POST",
        "/subscriptions",
        me,
        {"url": "https://hook.example.vn/x", "secret": SECRET},
        expect=201,
    )
    assert created["url"] == "https://hook.example.vn/x"
    r = await notify.client.patch(
        f"/subscriptions/{created['id']}", headers=me, json={"url": "http://10.0.0.8/x"}
    )
    assert r.status_code == 422
    still = await notify.call("GET", f"/subscriptions/{created['id']}", me)
    assert still["url"] == "https://hook.example.vn/x"
