"""Subscription management: own only, secrets shown once, rotation, bad input refused."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from services.notify.adapters.webhook import verify
from tests.notify.service.conftest import eventually
from tests.notify.service.world import World

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]

SECRET = "whsec-he-thong-mot-cua-2020-abcdef"


async def _count(notify) -> int:
    return await notify.pool.fetchval("SELECT count(*) FROM webhook_subscriptions")


async def test_a_generated_secret_is_shown_once_and_never_again(notify, receivers):
    receiver = await receivers()
    me = notify.integration("mot-cua")
    created = await notify.call(
        "POST", "/subscriptions", me, {"url": receiver.url, "description": "Một cửa"}, expect=201
    )
    secret = created["secret"]
    assert secret.startswith("whsec_") and len(secret) > 40
    assert created["client_id"] == "mot-cua" and created["status"] == "active"
    assert created["filter"] == {"event_types": [], "campaign_ids": [], "unit_ids": []}
    one = await notify.call("GET", f"/subscriptions/{created['id']}", me)
    listed = await notify.call("GET", "/subscriptions", me)
    for answer in (one, listed, await notify.call("GET", "/subscriptions", notify.operator)):
        assert secret not in str(answer) and "secret" not in {*answer} - {"secret_rotated_at"}
    stored = await notify.pool.fetchval("SELECT secret FROM webhook_subscriptions")
    assert secret.encode() not in stored  # encrypted at rest
    assert secret not in str(await notify.pool.fetch("SELECT * FROM audit_log"))

    receiver.secrets.append(secret)
    await notify.publish(World().overdue())
    await eventually(lambda: asyncio.sleep(0, receiver.delivered), what="the signed delivery")
    assert receiver.received[0].verified


async def test_rotation_returns_the_new_secret_once_and_signs_with_both_meanwhile(
    notify, receivers
):
    receiver = await receivers(secrets=[SECRET])
    me = notify.integration("mot-cua")
    sub = await notify.subscribe("mot-cua", receiver.url, secret=SECRET)
    rotated = await notify.call("POST", f"/subscriptions/{sub['id']}/secret", me, {})
    new = rotated["secret"]
    assert new and new != SECRET and rotated["previous_secret_valid_until"]
    after = await notify.call("GET", f"/subscriptions/{sub['id']}", me)
    assert after["secret_rotated_at"] and after["previous_secret_valid_until"]
    assert new not in str(after)

    await notify.publish(World().overdue())
    await eventually(lambda: asyncio.sleep(0, receiver.delivered), what="the delivery")
    got = receiver.received[0]
    header = got.headers["thidua-signature"]
    assert header.count("v1=") == 2
    assert verify(new, header, got.body) and verify(SECRET, header, got.body)
    assert not verify("whsec-something-else-entirely-123", header, got.body)

    # the client may also choose the next secret itself: then nothing is echoed
    chosen = "whsec-chosen-by-the-client-0123456789"
    again = await notify.call("POST", f"/subscriptions/{sub['id']}/secret", me, {"secret": chosen})
    assert again["secret"] is None


async def test_subscriptions_are_their_clients_own(notify, receivers):
    receiver = await receivers()
    a = await notify.subscribe("client-a", receiver.url, secret=SECRET)
    b = await notify.subscribe("client-b", receiver.url, secret=SECRET)
    as_a, as_b = notify.integration("client-a"), notify.integration("client-b")
    listed = await notify.call("GET", "/subscriptions", as_a)
    assert [s["id"] for s in listed["items"]] == [a["id"]]
    # B's subscription does not exist for A, whatever A tries
    for method, path, body in [
        ("GET", f"/subscriptions/{b['id']}", None),
        ("PATCH", f"/subscriptions/{b['id']}", {"description": "của tôi"}),
        ("DELETE", f"/subscriptions/{b['id']}", None),
        ("POST", f"/subscriptions/{b['id']}/secret", {}),
        ("POST", f"/subscriptions/{b['id']}/resume", None),
        ("GET", f"/subscriptions/{b['id']}/deliveries", None),
    ]:
        r = await notify.client.request(method, path, headers=as_a, json=body)
        assert r.status_code == 404, (method, path, r.text)
    # an operator sees all, changes nothing but resumption
    everyone = await notify.call("GET", "/subscriptions", notify.operator)
    assert {s["id"] for s in everyone["items"]} == {a["id"], b["id"]}
    r = await notify.client.patch(
        f"/subscriptions/{b['id']}", headers=notify.operator, json={"description": "x"}
    )
    assert r.status_code == 403
    # other roles and no token
    for headers in (notify.admin, notify.officer(uuid.uuid4()), notify.person(uuid.uuid4())):
        r = await notify.client.get("/subscriptions", headers=headers)
        assert r.status_code == 403
    assert (await notify.client.get("/subscriptions")).status_code == 401

    patched = await notify.call(
        "PATCH", f"/subscriptions/{b['id']}", as_b, {"filter": {"event_types": ["ReportOverdue"]}}
    )
    assert patched["filter"]["event_types"] == ["ReportOverdue"]
    await notify.call("DELETE", f"/subscriptions/{b['id']}", as_b, expect=204)
    r = await notify.client.get(f"/subscriptions/{b['id']}", headers=as_b)
    assert r.status_code == 404


@pytest.mark.parametrize(
    ("body", "pointer"),
    [
        ({"url": "ftp://example.vn/hook"}, "#/url"),
        ({"url": "file:///etc/passwd"}, "#/url"),
        ({"url": "http://user:pass@example.vn/hook"}, "#/url"),
        ({"url": "http://2130706433/hook"}, "#/url"),
        ({"url": "not a url"}, "#/url"),
        ({"url": "https://example.vn/" + "a" * 2100}, "#/url"),
        ({"filter": {"event_types": ["NoSuchEvent"]}}, "#/filter/event_types"),
        ({"filter": {"event_types": ["NotificationFailed"]}}, "#/filter"),
        ({"filter": {"campaign_ids": ["not-a-uuid"]}}, "#/filter/campaign_ids/0"),
        ({"filter": {"colour": "red"}}, "#/filter/colour"),
        ({"secret": "short"}, "#/secret"),
        ({"secret": "a" * 40}, "#/secret"),
    ],
)
async def test_bad_subscription_input_is_refused_naming_the_field(notify, receivers, body, pointer):
    receiver = await receivers()
    request = {"url": receiver.url, "secret": SECRET, **body}
    r = await notify.client.post(
        "/subscriptions", headers=notify.integration("mot-cua"), json=request
    )
    assert r.status_code == 422, r.text
    problem = r.json()
    assert problem["type"] == "urn:thidua:problem:validation"
    assert any(e["pointer"].startswith(pointer) for e in problem["errors"]), problem
    assert await _count(notify) == 0


async def test_an_idempotent_creation_must_bring_its_own_secret(notify, receivers):
    receiver = await receivers()
    headers = {**notify.integration("mot-cua"), "Idempotency-Key": "tao-dang-ky-1"}
    r = await notify.client.post("/subscriptions", headers=headers, json={"url": receiver.url})
    assert r.status_code == 422 and r.json()["errors"][0]["pointer"] == "#/secret"
    headers["Idempotency-Key"] = "tao-dang-ky-2"
    body = {"url": receiver.url, "secret": SECRET}
    first = await notify.client.post("/subscriptions", headers=headers, json=body)
    again = await notify.client.post("/subscriptions", headers=headers, json=body)
    assert first.status_code == again.status_code == 201
    assert again.headers.get("idempotent-replayed") == "true"
    assert first.json()["id"] == again.json()["id"] and first.json()["secret"] is None
    assert await _count(notify) == 1
    stored = await notify.pool.fetch("SELECT response_body FROM idempotency_keys")
    assert all(SECRET.encode() not in bytes(r["response_body"]) for r in stored)
