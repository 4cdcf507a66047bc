"""Notify's own gauges on /metrics, read by the queries it registers: deliveries parked by
channel and webhook subscribers suspended, as an operator's alert sees them."""

from __future__ import annotations

import dataclasses

import pytest
from prometheus_client.parser import text_string_to_metric_families

from servicekit import probes
from tests.notify.service.conftest import Notify, eventually
from tests.notify.service.world import World

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]

SECRET = "whsec-he-thong-mot-cua-2020-abcdef"


async def _gauges(notify: Notify) -> dict[tuple[str, tuple], float]:
    """This notify's samples of its own gauges, by name and labels other than `service`."""
    text = (await notify.client.get("/metrics")).text
    service = notify.app.state.service.settings.service
    return {
        (s.name, tuple(sorted((k, v) for k, v in s.labels.items() if k != "service"))): s.value
        for family in text_string_to_metric_families(text)
        for s in family.samples
        if s.name.startswith(("thidua_deliveries", "thidua_webhook", "thidua_probe"))
        and s.labels.get("service") == service
    }


def _parked(channel: str) -> tuple[str, tuple]:
    return "thidua_deliveries_parked", (("channel", channel),)


SUSPENDED = "thidua_webhook_subscribers_suspended", ()


async def test_parked_deliveries_and_suspended_subscribers_are_gauges(
    notify, receivers, monkeypatch
):
    monkeypatch.setattr(probes, "REFRESH_S", 0.0)
    before = await _gauges(notify)
    assert before[_parked("webhook")] == before[_parked("email")] == 0
    assert before[SUSPENDED] == 0
    for probe in ("thidua_deliveries_parked", "thidua_webhook_subscribers_suspended"):
        assert before["thidua_probe_success", (("probe", probe),)] == 1

    dead = await receivers(secrets=[SECRET], status=503)
    await notify.subscribe("mot-cua", dead.url, secret=SECRET)
    world = World()
    await notify.publish(world.overdue())

    async def parked_one():
        gauges = await _gauges(notify)
        return gauges if gauges[_parked("webhook")] == 1 else None

    gauges = await eventually(parked_one, what="one parked webhook delivery")
    assert gauges[_parked("email")] == 0 and gauges[SUSPENDED] == 0

    # the next failures suspend the subscriber
    runtime = notify.app.state.notify
    runtime.policy = dataclasses.replace(runtime.policy, suspend_after_failures=1)
    await notify.publish(world.overdue(days=3))

    async def suspended():
        gauges = await _gauges(notify)
        return gauges if gauges[SUSPENDED] == 1 else None

    await eventually(suspended, what="one suspended subscriber")
