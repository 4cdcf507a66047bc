"""`./thidua deliveries` and the parked lines of `./thidua status`, against notify served over
real HTTP and a real receiver that is dead, then fixed."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest
from rich.console import Console
from typer.testing import CliRunner

from infra import deliveries_cli
from tests.notify.service.conftest import eventually
from tests.notify.service.world import World

pytestmark = [pytest.mark.infra, pytest.mark.timeout(180)]

SECRET = "whsec-he-thong-quan-ly-van-ban-2020"


async def cli(served, *args: str):
    """Runs the command as `./thidua deliveries …` would, in a thread: the service answering it
    runs on this test's event loop."""
    argv = [*args, "--url", served.url, "--profile", "test"]
    return await asyncio.to_thread(CliRunner().invoke, deliveries_cli.app, argv)


async def parked(served, n: int) -> bool:
    return len(await served.notify.deliveries(status="parked")) == n


async def status_text(dsn: str) -> str:
    """What `./thidua status` prints about notify's deliveries (it runs its own event loop)."""

    def render() -> str:
        console = Console(record=True, width=200)
        deliveries_cli.show_parked(console, dsn)
        return console.export_text()

    return await asyncio.to_thread(render)


async def test_parked_deliveries_are_listed_shown_and_redelivered(served_notify, receivers):
    served, notify = served_notify, served_notify.notify
    receiver = await receivers(secrets=[SECRET], status=503)  # down
    sub = await notify.subscribe("qlvb", receiver.url, secret=SECRET)
    first = await notify.publish(World().overdue())
    second = await notify.publish(World().overdue())
    await eventually(lambda: parked(served, 2), what="two parked deliveries")

    # status: per subscriber, with the count
    text = await status_text(served.dsn)
    assert "parked deliveries: 2" in text
    (line,) = [row for row in text.splitlines() if sub["id"] in row]
    assert "webhook" in line and "qlvb" in line and " 2 " in line
    assert "suspended subscribers: none" in text

    listed = await cli(served, "list", "--json")
    assert listed.exit_code == 0, listed.output
    items = json.loads(listed.output)["items"]
    assert {d["event_id"] for d in items} == {str(first.event_id), str(second.event_id)}
    assert {(d["status"], d["last_error"]) for d in items} == {
        ("parked", "HTTP 503 Service Unavailable")
    }
    table = await cli(served, "list")
    assert table.exit_code == 0 and "2 parked deliveries" in table.output, table.output

    # the receiver is fixed: one by id, then all of the subscription's
    receiver.status = 204
    one = next(d for d in items if d["event_id"] == str(first.event_id))
    again = await cli(served, "redeliver", one["id"])
    assert again.exit_code == 0 and f"redelivering {one['id']}" in again.output, again.output
    await eventually(
        lambda: asyncio.sleep(0, len(receiver.delivered) == 1), what="the redelivered one"
    )
    assert receiver.delivered[0].headers["idempotency-key"] == str(first.event_id)

    shown = await cli(served, "show", one["id"], "--json")
    detail = json.loads(shown.output)
    assert detail["status"] == "delivered"
    assert [a["result"] for a in detail["attempt_log"]] == [
        "retry",
        "retry",
        "retry",
        "parked",
        "delivered",
    ]
    readable = await cli(served, "show", one["id"])
    assert readable.exit_code == 0 and "delivered" in readable.output

    rest = await cli(served, "redeliver", "--all", "--subscription", sub["id"])
    assert rest.exit_code == 0 and "redelivering 1 parked" in rest.output, rest.output
    await eventually(lambda: asyncio.sleep(0, len(receiver.delivered) == 2), what="the other")
    assert {r.headers["idempotency-key"] for r in receiver.delivered} == {
        str(first.event_id),
        str(second.event_id),
    }
    await eventually(lambda: parked(served, 0), what="nothing parked")
    assert "parked deliveries: none" in await status_text(served.dsn)


async def test_a_suspended_subscriber_shows_in_status(served_notify, receivers):
    served, notify = served_notify, served_notify.notify
    receiver = await receivers(secrets=[SECRET], status=503)
    sub = await notify.subscribe("qlvb", receiver.url, secret=SECRET)
    await notify.pool.execute(
        "UPDATE webhook_subscriptions SET suspended_at = now(), suspended_reason = $2"
        " WHERE id = $1",
        uuid.UUID(sub["id"]),
        "20 consecutive failures",
    )
    text = await status_text(served.dsn)
    (line,) = [row for row in text.splitlines() if sub["id"] in row]
    assert "qlvb" in line and "20 consecutive failures" in line


async def test_wrong_use_is_refused_with_a_clear_error(served_notify):
    served = served_notify
    neither = await cli(served, "redeliver")
    assert neither.exit_code == 2 and "give a delivery id, or --all" in neither.output
    both = await cli(served, "redeliver", str(uuid.uuid4()), "--all")
    assert both.exit_code == 2
    unknown = await cli(served, "show", str(uuid.uuid4()))
    assert unknown.exit_code == 1 and "notify answered 404" in unknown.output
    status = await cli(served, "list", "--status", "lost")
    assert status.exit_code == 2 and "'lost' is not one of" in status.output
    gone = await asyncio.to_thread(
        CliRunner().invoke,
        deliveries_cli.app,
        ["list", "--url", "http://127.0.0.1:9", "--profile", "test"],
    )
    assert gone.exit_code == 1 and "notify is not reachable" in gone.output
