"""Three KRaft brokers (the `cluster` profile, infra/kafka.py): one is SIGKILLed while the relay's
producer (acks=all, idempotent) writes to a topic at replication 3 / min.insync.replicas 2, and
every acknowledged event is read back exactly once. It starts its own three brokers (about a
minute on two cores) and removes them afterwards."""

from __future__ import annotations

import asyncio
import dataclasses
import os
import shutil
import signal
import time
from collections import Counter
from collections.abc import Iterator

import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient

from infra import kafka, procs
from infra.profile import Profile, load
from infra.topics import Wanted, reconcile
from schemas.catalog import CLUSTER_REPLICATION
from servicekit.relay import build_producer
from tests.runtime.helpers_runtime import eventually

pytestmark = [pytest.mark.infra, pytest.mark.timeout(900)]

TOPIC = "cluster.loss.v1"
EVENTS = 3000
KILL_AFTER = 1000


@pytest.fixture(scope="module")
def cluster() -> Iterator[Profile]:
    """The cluster profile's three nodes, moved past its ports (nine further) and into a state of
    their own, so a developer's `./thidua up --profile cluster` is left alone."""
    shown = load("cluster")
    p = dataclasses.replace(
        shown,
        state=shown.state.with_name(f"{shown.state.name}-test"),
        kafka_port=shown.kafka_port + 9,
        controller_port=shown.controller_port + 9,
    )
    kafka.stop(p)
    shutil.rmtree(p.kafka_dir, ignore_errors=True)  # a fresh cluster every run
    kafka.start(p)
    try:
        yield p
    finally:
        kafka.stop(p)
        shutil.rmtree(p.kafka_dir, ignore_errors=True)


async def _leaders(admin: AIOKafkaAdminClient) -> dict[int, int]:
    [described] = await admin.describe_topics([TOPIC])
    return {part["partition"]: part["leader"] for part in described["partitions"]}


async def _read_all(bootstrap: str) -> list[int]:
    reader = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
    await reader.start()
    try:
        parts = [TopicPartition(TOPIC, i) for i in range(4)]
        reader.assign(parts)
        await reader.seek_to_beginning(*parts)
        ends = await reader.end_offsets(parts)
        seen: list[int] = []
        while [tp for tp in parts if await reader.position(tp) < ends[tp]]:
            batch = await reader.getmany(timeout_ms=1000)
            seen += [int(r.value) for records in batch.values() for r in records]
        return seen
    finally:
        await reader.stop()


async def test_losing_a_broker_under_load_loses_and_doubles_nothing(cluster: Profile) -> None:
    bootstrap = cluster.kafka_bootstrap
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    topic = Wanted(TOPIC, 4, CLUSTER_REPLICATION, {"min.insync.replicas": "2"})
    await reconcile(admin, [topic])
    producer = build_producer(bootstrap, request_timeout_ms=10000, client_id="broker-loss")
    await producer.start()
    acknowledged: list[int] = []
    failed: list[int] = []
    killed: int | None = None
    started = time.monotonic()
    try:

        async def send(seq: int) -> None:
            try:
                await (await producer.send(TOPIC, str(seq).encode(), key=str(seq % 97).encode()))
                acknowledged.append(seq)
            except Exception:
                failed.append(seq)  # not acknowledged: the outbox would send it again

        pending: list[asyncio.Task[None]] = []
        for seq in range(EVENTS):
            pending.append(asyncio.create_task(send(seq)))
            if seq == KILL_AFTER:
                leader = (await _leaders(admin))[0]  # the leader of partition 0 goes
                killed = leader - 1
                os.kill(procs.running_pid(cluster.pids, kafka.node_name(killed)), signal.SIGKILL)
            if len(pending) >= 50:
                await asyncio.gather(*pending)
                pending = []
        await asyncio.gather(*pending)
        elapsed = time.monotonic() - started
        assert killed is not None

        # leadership went to the two left (asked of them: the admin client may pick the dead one)
        left = ",".join(
            f"127.0.0.1:{cluster.node_ports(i)[0]}" for i in range(cluster.brokers) if i != killed
        )

        async def moved() -> bool:
            survivors = AIOKafkaAdminClient(bootstrap_servers=left)
            await survivors.start()
            try:
                return killed + 1 not in (await _leaders(survivors)).values()
            finally:
                await survivors.close()

        await eventually(moved, timeout=30, what="leadership to leave the killed broker")

        seen = Counter(await _read_all(bootstrap))
        lost = [s for s in acknowledged if s not in seen]
        doubled = [s for s, n in seen.items() if n > 1]
        print(
            f"{len(acknowledged)} acknowledged, {len(failed)} refused, {len(lost)} lost, "
            f"{len(doubled)} doubled, broker {killed + 1} killed, {elapsed:.1f}s"
        )
        assert (lost, doubled) == ([], [])
        assert len(acknowledged) >= EVENTS - 200  # two in-sync replicas kept taking writes
    finally:
        await producer.stop()
        await admin.close()
        if killed is not None:
            procs.stop(cluster.pids, kafka.node_name(killed))
