"""The whole platform on three Kafka brokers, as `./thidua up --profile cluster` runs it: the same
code (infra.stack) starts the three KRaft nodes, PostgreSQL, the catalog's topics at replication
3 / min.insync.replicas 2, the sinks, the four services and the web application. Reports are taken,
stored and delivered as webhooks, and keep being so after one broker is SIGKILLed.

Its own stack: the cluster profile moved past its ports and the broker-loss test's (nodes
eighteen ports further, PostgreSQL one, HTTP fifty) with a state of its own, so a developer's
`./thidua up --profile cluster` is left alone. About four minutes on two cores under load."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import signal
from collections.abc import Iterator
from uuid import uuid4

import httpx
import pytest
from aiokafka.admin import AIOKafkaAdminClient

from infra import kafka, procs, stack, topics
from infra import traces as sink_traces
from infra.profile import SERVICES, WEB, Profile, load
from schemas.catalog import CLUSTER_REPLICATION, TOPICS
from tests.e2e.conftest import fresh_platform
from tests.e2e.test_trace import call, launch_campaign, subscribe_and_await_target, until

pytestmark = [pytest.mark.infra, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
def cluster_platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Profile]:
    shown = load("cluster")
    p = dataclasses.replace(
        shown,
        state=shown.state.with_name(f"{shown.state.name}-platform"),
        kafka_port=shown.kafka_port + 18,
        controller_port=shown.controller_port + 18,
        postgres_port=shown.postgres_port + 1,
        http_ports={k: v + 50 for k, v in shown.http_ports.items()},
        sink_ports={k: v + 50 for k, v in shown.sink_ports.items()},
    )
    assert p.brokers == 3
    with fresh_platform(p, tmp_path_factory) as started:
        yield started


async def _replication(bootstrap: str) -> dict[str, tuple[set[int], str]]:
    """Each catalog topic's (replica counts of its partitions, min.insync.replicas)."""
    names = [n for t in TOPICS for n in (t.name, t.dlq)]
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics([*names, "__consumer_offsets"])
        configs = await topics._configs(admin, names)
    finally:
        await admin.close()
    counts = {d["topic"]: {len(p["replicas"]) for p in d["partitions"]} for d in described}
    return {n: (counts[n], configs.get(n, {}).get("min.insync.replicas", "")) for n in counts}


async def test_the_platform_takes_reports_on_three_brokers_and_goes_on_without_one(
    cluster_platform: Profile,
) -> None:
    p = cluster_platform
    # what `./thidua status --profile cluster` prints (it runs its own event loop: in a thread)
    states = {s.name: s.state for s in await asyncio.to_thread(stack.status, p)}
    assert {states[n] for n in ("kafka", "postgres", *SERVICES, WEB)} == {"ready"}, states

    # the catalog's topics, their dead-letter topics and the group offsets on all three brokers
    replication = await _replication(p.kafka_bootstrap)
    wanted = ({CLUSTER_REPLICATION.factor}, str(CLUSTER_REPLICATION.min_insync))
    assert {n: r for n, r in replication.items() if n != "__consumer_offsets"} == {
        n: wanted for t in TOPICS for n in (t.name, t.dlq)
    }
    assert replication["__consumer_offsets"][0] == {3}

    hooks_file = p.sinks_dir / "hooks.jsonl"
    name = f"cluster-{uuid4().hex[:8]}"
    async with httpx.AsyncClient(timeout=30) as client:
        cid, unit, tid = await launch_campaign(client, p)
        _, officer = await subscribe_and_await_target(client, p, name, cid, unit, tid)
        reports = f"{p.service_url('progress')}/reports"

        async def report(value: int, as_of: str) -> str:
            body = {"target_id": tid, "value": value, "as_of": as_of}
            return (await call(client, "POST", reports, 201, json=body, headers=officer))["report"][
                "report_id"
            ]

        def delivered(report_id: str):
            return lambda: [
                h
                for h in sink_traces.read(hooks_file)
                if h["path"] == f"/hooks/{name}" and h["body"]["report_id"] == report_id
            ]

        first = await report(2600, "2020-06-30")
        [hook] = await until(delivered(first), lambda: f"no webhook for report {first}")
        assert hook["verified"] is True

        # one broker lost: two in-sync replicas are left, writes and deliveries go on
        os.kill(procs.running_pid(p.pids, kafka.node_name(2)), signal.SIGKILL)
        second = await report(5300, "2020-11-20")
        [hook] = await until(delivered(second), lambda: f"no webhook for report {second}")
        assert hook["verified"] is True

        history = await call(client, "GET", f"{p.service_url('progress')}/targets/{tid}/reports",
                             200, headers=officer)  # fmt: skip
    assert [r["report_id"] for r in history["reports"]] == [first, second]
    assert history["progress"]["current_report_id"] == second
    assert history["progress"]["met_now"] is True  # 5,300 of 5,250 billion
