"""The replicas drill: two replicas of every service behind the load balancer (`./thidua up
--replicas 2`, infra/balancer.py), reports posted through it without pause by clients that send
each with an Idempotency-Key and retry it until answered; meanwhile one replica of each service is
SIGKILLed and started again, then a SIGTERM restart rolls through the others. Counted at the end:
every acknowledged report stored once (0 lost, 0 doubled), and its webhook taken once by the
receiver (0 lost, 0 duplicates); a webhook repeated (same ce-id, recognised by the receiver) only
where notify's records show a SIGKILL cut the attempt before its outcome was recorded.

Its own platform on the `drill` profile (the test profile's ports plus 200), started and removed
by the same code as `./thidua up --replicas 2` and `./thidua reset`."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from uuid import uuid4

import asyncpg
import httpx
import pytest
from typer.testing import CliRunner

from infra import balancer, postgres, procs, stack
from infra import traces as sink_traces
from infra.__main__ import app as cli
from infra.profile import SERVICES, Profile, load
from tests.e2e.conftest import fresh_platform
from tests.e2e.test_trace import launch_campaign, subscribe_and_await_target, until

pytestmark = [pytest.mark.infra, pytest.mark.timeout(600)]

REPLICAS = 2
CLIENTS = 4
RETRY_FOR_S = 60.0  # a report not answered 2xx within this is a failure of the drill


@pytest.fixture(scope="module")
def drill(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Profile]:
    with fresh_platform(load("drill"), tmp_path_factory, replicas=REPLICAS) as p:
        yield p


@dataclass
class Load:
    acked: dict[str, str] = field(default_factory=dict)  # note → report id
    answers: Counter = field(default_factory=Counter)  # status (or error) → count
    unexpected: list[str] = field(default_factory=list)
    running: bool = True


async def reporter(n: int, url: str, headers: dict, target: str, load: Load) -> None:
    """One report after another; each retried with its key until answered 2xx."""
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        i = 0
        while load.running:
            i += 1
            note = f"drill-{n}-{i}"
            body = {"target_id": target, "value": 5000 + i, "as_of": "2020-11-20", "note": note}
            keyed = {**headers, "Idempotency-Key": str(uuid4())}
            given_up = time.monotonic() + RETRY_FOR_S
            while True:
                try:
                    r = await client.post("/reports", json=body, headers=keyed)
                    load.answers[r.status_code] += 1
                    if 200 <= r.status_code < 300:
                        load.acked[note] = r.json()["report"]["report_id"]
                        break
                    if r.status_code < 500 and r.status_code != 409:
                        load.unexpected.append(f"{note}: {r.status_code} {r.text[:200]}")
                        break
                except httpx.TransportError as e:
                    load.answers[type(e).__name__] += 1
                if time.monotonic() > given_up:
                    load.unexpected.append(f"{note}: not answered within {RETRY_FOR_S:.0f}s")
                    break
                await asyncio.sleep(0.2)


async def replica_ready(p: Profile, service: str, k: int, timeout: float = 120) -> None:  # noqa: ASYNC109
    name = balancer.replica_name(service, k)
    url = f"http://127.0.0.1:{p.replica_port(service, k)}/ready"
    deadline = time.monotonic() + timeout
    async with httpx.AsyncClient(timeout=2) as client:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(url)).status_code == 200:
                    return
            assert procs.running_pid(p.pids, name) is not None, f"{name} exited: see its log"
            assert time.monotonic() < deadline, f"{name} not ready after {timeout}s"
            await asyncio.sleep(0.3)


async def restart(p: Profile, service: str, k: int, sig: signal.Signals) -> None:
    """Kill (SIGKILL) or stop (SIGTERM, waiting for the exit) one replica, then start it again."""
    name = balancer.replica_name(service, k)
    if sig == signal.SIGKILL:
        pid = procs.running_pid(p.pids, name)
        assert pid is not None, name
        os.killpg(pid, signal.SIGKILL)
    else:
        assert await asyncio.to_thread(procs.stop, p.pids, name), name
    stack.start_process(p, name, service, p.replica_port(service, k))
    await replica_ready(p, service, k)


def test_status_finds_the_replicas_through_the_balancer_and_the_consumer_groups(
    drill: Profile,
):
    """No pid file `progress.pid` exists with replicas: the services are asked, not looked up."""
    states = {c.name: c for c in stack.status(drill)}
    for service in SERVICES:
        assert states[service].state == "ready", states[service]
        assert f"{REPLICAS}/{REPLICAS} replicas up" in states[service].detail, states[service]
    for service in ("progress", "awards", "notify"):  # the registry consumes nothing
        assert f"{REPLICAS} in consumer group {service}" in states[service].detail
    shown = CliRunner().invoke(cli, ["status", "--profile", "drill"])
    assert shown.exit_code == 0, shown.output


async def test_two_replicas_each_lose_and_double_nothing_through_a_kill_and_a_rolling_restart(
    drill: Profile,
):
    p = drill
    hooks_file = p.sinks_dir / "hooks.jsonl"
    name = f"drill-{uuid4().hex[:8]}"
    path = f"/hooks/{name}"
    load = Load()
    async with httpx.AsyncClient(timeout=30) as client:
        cid, unit, tid = await launch_campaign(client, p)
        _, officer = await subscribe_and_await_target(client, p, name, cid, unit, tid)

    clients = [
        asyncio.create_task(reporter(n, p.service_url("progress"), officer, tid, load))
        for n in range(CLIENTS)
    ]
    try:
        await until_async(lambda: _now(len(load.acked) >= 40), "reports under way")
        # one replica of each service killed, and started again
        await asyncio.gather(*(restart(p, s, 1, signal.SIGKILL) for s in SERVICES))
        killed_at = len(load.acked)
        # then a SIGTERM restart through the others
        rolling_from = datetime.now(UTC)
        await asyncio.gather(*(restart(p, s, 2, signal.SIGTERM) for s in SERVICES))
        rolled_at = len(load.acked)
        await until_async(lambda: _now(len(load.acked) >= rolled_at + 40), "reports after it")
    finally:
        load.running = False
        await asyncio.gather(*clients, return_exceptions=True)

    assert not load.unexpected, load.unexpected[:10]
    assert rolled_at > killed_at, (killed_at, rolled_at)  # reports went on during the restarts
    # every SIGTERMed replica stopped within its bound (the watchdog did not have to end it)
    overdue = [
        name
        for name, _, _ in stack.processes(p)
        if "the stop took more than" in (p.logs / f"{name}.log").read_text()
    ]
    assert overdue == [], overdue

    # stored once each, under the id the client was given
    con = await asyncpg.connect(postgres.dsn(p, "progress"))
    try:
        rows = await con.fetch(
            "SELECT note, report_id::text AS id FROM reports WHERE note LIKE 'drill-%'"
        )
        await until_async(
            lambda: con.fetchval("SELECT count(*) = 0 FROM outbox"), "progress's outbox published"
        )
    finally:
        await con.close()
    notes = Counter(r["note"] for r in rows)
    doubled = sorted(n for n, c in notes.items() if c > 1)
    stored = {r["note"]: r["id"] for r in rows}
    lost = sorted(n for n in load.acked if stored.get(n) != load.acked[n])
    assert (lost, doubled) == ([], []), (lost[:10], doubled[:10])
    assert set(stored) == set(load.acked)

    # one webhook each
    acked_ids = set(load.acked.values())

    def received() -> list[dict]:
        return [h for h in sink_traces.read(hooks_file) if h["path"] == path]

    def all_received() -> bool:
        return acked_ids <= {h["body"]["report_id"] for h in received()}

    await until(
        all_received,
        lambda: f"{len(acked_ids - {h['body']['report_id'] for h in received()})} webhooks missing",
    )
    hooks = received()
    assert all(h["verified"] for h in hooks)
    # the receiver took each report's event once: 0 duplicate webhooks
    taken = Counter(h["body"]["report_id"] for h in hooks if not h["duplicate"])
    assert set(taken) == acked_ids and set(taken.values()) == {1}, taken.most_common(3)
    # Sends are at least once (services/notify/README.md, "Exactly once, and what may repeat"): a
    # webhook whose outcome a SIGKILLed replica had not recorded is sent again, with the same
    # ce-id, which the receiver recognises. Every repeat must be one of those: recorded by
    # notify as interrupted, first sent before the rolling restart (a SIGTERM repeats nothing).
    repeats = [h for h in hooks if h["duplicate"]]
    con = await asyncpg.connect(postgres.dsn(p, "notify"))
    try:
        interrupted = {
            str(r["event_id"])
            for r in await con.fetch(
                "SELECT DISTINCT d.event_id FROM delivery_attempts a"
                " JOIN deliveries d ON d.id = a.delivery_id WHERE a.result = 'interrupted'"
            )
        }
    finally:
        await con.close()
    unexplained = [h["ce-id"] for h in repeats if h["ce-id"] not in interrupted]
    assert unexplained == [], unexplained[:10]
    first_sent = {h["ce-id"]: datetime.fromisoformat(h["time"]) for h in reversed(hooks)}
    after_sigterm = [h["ce-id"] for h in repeats if first_sent[h["ce-id"]] >= rolling_from]
    assert after_sigterm == [], after_sigterm[:10]
    print(
        f"drill: {len(load.acked)} reports acknowledged, answers {dict(load.answers)}, "
        f"{len(hooks)} webhooks, {len(repeats)} re-sent after the SIGKILL (same ce-id)"
    )


async def until_async(check, what: str, timeout: float = 120) -> None:  # noqa: ASYNC109
    deadline = time.monotonic() + timeout
    while not await check():
        assert time.monotonic() < deadline, f"after {timeout:.0f}s: {what}"
        await asyncio.sleep(0.25)


async def _now(value):
    return value
