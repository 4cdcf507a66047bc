"""A scoped integration-client token manages webhook subscriptions only with the `subscriptions`
scope (servicekit.auth); `read` alone writes nothing."""

from __future__ import annotations

import pytest

pytestmark = [pytest.mark.infra, pytest.mark.timeout(60)]


async def test_a_scoped_client_manages_subscriptions_only_with_that_scope(notify, receivers):
    receiver = await receivers(secrets=["whsec-scoped-client-0123456789"])
    body = {"url": receiver.url, "secret": "whsec-scoped-client-0123456789"}

    def client(*scopes: str) -> dict[str, str]:
        return notify.token(["integration_client"], sub="svc-x", client_id="x", scopes=list(scopes))

    r = await notify.client.post("/subscriptions", json=body, headers=client("read"))
    assert r.status_code == 403 and r.json()["reason"] == "read_only"
    await notify.call("POST", "/subscriptions", client("reports:*"), body, expect=403)
    await notify.call("POST", "/subscriptions", client("read", "subscriptions"), body, expect=201)
    listed = await notify.call("GET", "/subscriptions", client("read"))
    assert len(listed["items"]) == 1
