"""Failures, retries, parking, redelivery, suspension, and subscribers that do not wait for each
other, against real HTTP receivers."""

from __future__ import annotations

import asyncio
import dataclasses

import pytest

from tests.notify.service.conftest import Notify, eventually
from tests.notify.service.world import World

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]

SECRET = "whsec-he-thong-mot-cua-2020-abcdef"


def _wait(check, what: str, timeout: float = 30.0):
    return eventually(lambda: asyncio.sleep(0, check()), what=what, timeout=timeout)


async def _one_delivery(notify: Notify, status: str):
    rows = await notify.deliveries(status=status)
    return rows[0] if rows else None


async def test_a_receiver_that_fails_three_times_then_recovers_gets_it_once(notify, receivers):
    receiver = await receivers(secrets=[SECRET], script=[503, 500, 503])
    sub = await notify.subscribe("mot-cua", receiver.url, secret=SECRET)
    event = await notify.publish(World().overdue())

    delivered = await eventually(lambda: _one_delivery(notify, "delivered"), what="delivery")
    await asyncio.sleep(0.3)  # nothing more arrives

    assert [r.answered for r in receiver.received] == [503, 500, 503, 204]
    assert len(receiver.delivered) == 1
    assert {r.headers["idempotency-key"] for r in receiver.received} == {str(event.event_id)}
    assert all(r.verified for r in receiver.received)  # each attempt signed afresh
    # backoff: the attempts did not come all at once
    gaps = [b.at - a.at for a, b in zip(receiver.received, receiver.received[1:], strict=False)]
    assert sum(gaps) > 0.0
    assert delivered["attempts"] == 4 and delivered["last_status"] == 204

    detail = await notify.call("GET", f"/deliveries/{delivered['id']}", notify.operator)
    assert [(a["status"], a["result"]) for a in detail["attempt_log"]] == [
        (503, "retry"),
        (500, "retry"),
        (503, "retry"),
        (204, "delivered"),
    ]
    assert detail["attempt_log"][0]["error"] == "HTTP 503 Service Unavailable"
    outcomes = await notify.outcomes()
    assert outcomes == [
        (
            "NotificationDelivered",
            {
                "delivery_id": str(delivered["id"]),
                "subscription_id": sub["id"],
                "channel": "webhook",
                "event_id": str(event.event_id),
                "attempts": 4,
            },
        )
    ]
    health = await notify.call("GET", f"/subscriptions/{sub['id']}", notify.integration("mot-cua"))
    assert health["consecutive_failures"] == 0 and health["status"] == "active"


async def test_a_dead_receiver_is_parked_and_redelivered_later(notify, receivers):
    receiver = await receivers(secrets=[SECRET], status=503)
    sub = await notify.subscribe("mot-cua", receiver.url, secret=SECRET)
    world = World()
    first = await notify.publish(world.overdue())
    second = await notify.publish(world.overdue(days=3))

    await eventually(lambda: _parked(notify, 2), what="two parked deliveries")
    assert len(receiver.received) == 8  # 4 attempts each (delivery_max_attempts)
    parked = await notify.call("GET", "/deliveries?status=parked", notify.operator)
    assert {d["event_id"] for d in parked["items"]} == {str(first.event_id), str(second.event_id)}
    assert all(d["last_error"] == "HTTP 503 Service Unavailable" for d in parked["items"])
    failed = [o for name, o in await notify.outcomes() if name == "NotificationFailed"]
    assert len(failed) == 2
    assert {f["attempts"] for f in failed} == {4}
    assert {f["error"] for f in failed} == {"HTTP 503 Service Unavailable"}
    # not for clients
    r = await notify.client.get("/deliveries", headers=notify.integration("mot-cua"))
    assert r.status_code == 403

    # the receiver comes back; the operator redelivers one, then all
    receiver.status = 204
    one = parked["items"][0]
    again = await notify.call("POST", f"/deliveries/{one['id']}/redeliver", notify.operator)
    assert again["status"] == "pending" and again["round_attempts"] == 0
    await _wait(lambda: len(receiver.delivered) == 1, "the redelivered one")
    bulk = await notify.call(
        "POST", "/deliveries/redeliver", notify.operator, {"subscription_id": sub["id"]}
    )
    assert bulk["redelivered"] == 1
    await _wait(lambda: len({r.headers["ce-id"] for r in receiver.delivered}) == 2, "both")
    await eventually(lambda: _delivered_all(notify), what="all delivered")
    delivered_events = [o for name, o in await notify.outcomes() if name == "NotificationDelivered"]
    assert [o["attempts"] for o in delivered_events] == [5, 5]


async def _parked(notify: Notify, n: int):
    return len(await notify.deliveries(status="parked")) >= n


async def _delivered_all(notify: Notify):
    rows = await notify.deliveries()
    return rows and all(r["status"] == "delivered" for r in rows)


@pytest.fixture
def notify_settings():
    return {"delivery_timeout_s": 3.0, "delivery_concurrency_per_subscriber": 2}


async def test_a_slow_receiver_does_not_delay_a_fast_one(notify, receivers):
    slow = await receivers(secrets=[SECRET], delay=2.0)
    fast = await receivers(secrets=[SECRET])
    await notify.subscribe("cham", slow.url, secret=SECRET)
    await notify.subscribe("nhanh", fast.url, secret=SECRET)
    world = World()
    for days in range(1, 7):
        await notify.publish(world.overdue(days=days))

    await _wait(lambda: len(fast.delivered) == 6, "the fast receiver's six")
    # The slow one takes 2 s per call, 2 at a time: 6 s for its six. The fast one is done
    # before the slow one has had even its first two answered.
    assert len(slow.delivered) == 0
    assert slow.max_in_flight <= 2  # the per-subscriber limit
    await _wait(lambda: len(slow.delivered) == 6, "the slow receiver's six", timeout=30)
    assert slow.max_in_flight == 2
    assert fast.max_in_flight <= 2


async def test_a_receiver_slower_than_the_timeout_fails_the_attempt(notify, receivers):
    hanging = await receivers(secrets=[SECRET], delay=10.0)
    await notify.subscribe("treo", hanging.url, secret=SECRET)
    await notify.publish(World().overdue())
    row = await eventually(
        lambda: notify.pool.fetchrow(
            "SELECT * FROM delivery_attempts WHERE result <> 'sending' LIMIT 1"
        ),
        what="the first attempt to end",
        timeout=10,
    )
    assert row["error"] == "timed out after 3 s" and row["result"] == "retry"
    assert 2900 <= row["duration_ms"] < 4500


async def test_a_failing_subscriber_is_suspended_its_owner_told_and_it_can_be_resumed(
    notify, receivers
):
    runtime = notify.app.state.notify
    runtime.policy = dataclasses.replace(runtime.policy, suspend_after_failures=3)
    receiver = await receivers(secrets=[SECRET], status=500)
    healthy = await receivers(secrets=[SECRET])
    sub = await notify.subscribe("hong", receiver.url, secret=SECRET)
    await notify.subscribe("tot", healthy.url, secret=SECRET)
    world = World()
    await notify.publish(world.overdue())

    await eventually(lambda: _suspended(notify, sub["id"]), what="the suspension")
    attempts_then = len(receiver.received)
    assert attempts_then == 3
    # the owner is told, in its inbox
    owner = notify.integration("hong")
    notices = await notify.call("GET", "/clients/hong/inbox", owner)
    [notice] = notices["items"]
    assert notice["event_type"] == "notify.SubscriptionSuspended"
    assert sub["id"] in notice["body"] and notice["event_id"] is None
    r = await notify.client.get("/clients/hong/inbox", headers=notify.integration("tot"))
    assert r.status_code == 403
    state = await notify.call("GET", f"/subscriptions/{sub['id']}", owner)
    assert state["status"] == "suspended" and state["suspended_reason"].startswith("HTTP 500")

    # while suspended, its deliveries wait without spending attempts; others flow
    await notify.publish(world.overdue(days=4))
    await _wait(lambda: len(healthy.delivered) == 2, "the healthy subscriber's two")
    await asyncio.sleep(0.5)
    assert len(receiver.received) == attempts_then
    ops = await notify.call("GET", "/subscriptions?status=suspended", notify.operator)
    assert [s["id"] for s in ops["items"]] == [sub["id"]]

    receiver.status = 204
    resumed = await notify.call("POST", f"/subscriptions/{sub['id']}/resume", notify.operator)
    assert resumed["status"] == "active" and resumed["consecutive_failures"] == 0
    await _wait(lambda: len(receiver.delivered) == 2, "both, after the resumption")


async def _suspended(notify: Notify, subscription_id: str):
    return await notify.pool.fetchval(
        "SELECT suspended_at IS NOT NULL FROM webhook_subscriptions WHERE id = $1::uuid",
        subscription_id,
    )


async def test_redelivering_a_delivered_notification_repeats_its_idempotency_key(notify, receivers):
    receiver = await receivers(secrets=[SECRET])
    await notify.subscribe("mot-cua", receiver.url, secret=SECRET)
    await notify.publish(World().overdue())
    delivered = await eventually(lambda: _one_delivery(notify, "delivered"), what="delivery")
    await notify.call("POST", f"/deliveries/{delivered['id']}/redeliver", notify.operator)
    await _wait(lambda: len(receiver.delivered) == 2, "the second copy")
    first, second = receiver.received
    assert first.headers["idempotency-key"] == second.headers["idempotency-key"]
    assert first.headers["thidua-delivery"] == second.headers["thidua-delivery"]
    assert first.verified and second.verified


async def test_a_cursor_past_int64_is_refused_not_a_server_error(notify: Notify) -> None:
    for cursor in ("9223372036854775808", "99999999999999999999999", "0", "x"):
        r = await notify.client.get(
            "/deliveries", params={"cursor": cursor}, headers=notify.operator
        )
        assert r.status_code == 422, (cursor, r.text)
        assert r.json()["errors"][0]["name"] == "cursor"
