"""Topic creation reconciles an existing topic with the catalog (infra/topics.py), on the broker."""

from __future__ import annotations

import uuid

from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from infra.topics import Wanted, reconcile, wanted
from schemas.catalog import CLUSTER_REPLICATION, LOCAL_REPLICATION, TOPICS, Replication, replication


def test_replication_defaults_to_the_cluster_and_reads_the_environment() -> None:
    assert replication({}) == Replication(3, 2) == CLUSTER_REPLICATION
    local = {"THIDUA_KAFKA_REPLICATION_FACTOR": "1", "THIDUA_KAFKA_MIN_INSYNC_REPLICAS": "1"}
    assert replication(local) == LOCAL_REPLICATION
    assert replication({"THIDUA_KAFKA_REPLICATION_FACTOR": "1"}) == Replication(1, 1)


def test_every_topic_and_its_dead_letters_get_partitions_and_min_insync() -> None:
    by_name = {w.name: w for w in wanted(CLUSTER_REPLICATION)}
    for t in TOPICS:
        assert by_name[t.dlq].partitions == t.partitions
        for name in (t.name, t.dlq):
            assert by_name[name].replication.factor == 3
            assert by_name[name].config["min.insync.replicas"] == "2"


async def _state(admin: AIOKafkaAdminClient, name: str) -> tuple[int, dict[str, str]]:
    [described] = await admin.describe_topics([name])
    [response] = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, name)])
    [(_, _, _, _, entries)] = response.resources
    return len(described["partitions"]), {e[0]: e[1] for e in entries}


async def test_an_existing_topic_is_brought_to_the_catalog(kafka_bootstrap: str) -> None:
    name = f"reconcile.{uuid.uuid4().hex[:10]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, 1, 1, topic_configs={"retention.ms": "60000"})])
        want = Wanted(
            name, 3, LOCAL_REPLICATION, {"retention.ms": "-1", "min.insync.replicas": "1"}
        )

        report = await reconcile(admin, [want])

        assert report.created == []
        assert report.partitions_raised == {name: (1, 3)}
        assert report.reconfigured[name]["retention.ms"] == ("60000", "-1")
        partitions, config = await _state(admin, name)
        assert partitions == 3
        assert config["retention.ms"] == "-1"

        # converged: a second pass changes nothing
        again = await reconcile(admin, [want])
        assert (again.partitions_raised, again.reconfigured, again.cannot) == ({}, {}, {})

        # fewer partitions or another replication factor: reported, left alone
        fewer = Wanted(name, 2, Replication(3, 2), want.config)
        refused = await reconcile(admin, [fewer])
        assert (
            "cannot remove partitions" in refused.cannot[name] or "reassign" in refused.cannot[name]
        )
        assert (await _state(admin, name))[0] == 3
    finally:
        await admin.delete_topics([name])
        await admin.close()


async def test_a_missing_topic_is_created_with_its_settings(kafka_bootstrap: str) -> None:
    name = f"reconcile.{uuid.uuid4().hex[:10]}.v1.dlq"
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    try:
        want = Wanted(
            name, 4, LOCAL_REPLICATION, {"retention.ms": "1000", "min.insync.replicas": "1"}
        )
        report = await reconcile(admin, [want])
        assert report.created == [name]
        partitions, config = await _state(admin, name)
        assert (partitions, config["retention.ms"], config["min.insync.replicas"]) == (
            4,
            "1000",
            "1",
        )
    finally:
        await admin.delete_topics([name])
        await admin.close()
