"""Reconcile the broker's topics with the catalog (schemas/catalog.py); auto-creation is off.

Every catalog topic and its `.dlq` sibling is created when missing, and an existing one is brought
to the catalog's settings: its configs (retention, cleanup, min.insync.replicas) are set with
AlterConfigs, which replaces the topic's dynamic configs with exactly the catalog's, and its
partitions are raised to the catalog's count. What Kafka cannot do in place is reported, never
forced: partitions are never reduced (that would drop data and reshuffle keys), and a different
replication factor needs a partition reassignment (kafka-reassign-partitions) an operator plans.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType

from schemas.catalog import DLQ_CONFIG, TOPICS, Replication, replication
from servicekit.kafka_security import client_options

# error codes a concurrent reconciler may cause and that leave the wanted state in place
TOPIC_ALREADY_EXISTS = 36
INVALID_PARTITIONS = 37


@dataclass(frozen=True)
class Wanted:
    name: str
    partitions: int
    replication: Replication
    config: dict[str, str]


@dataclass
class Report:
    created: list[str] = field(default_factory=list)
    partitions_raised: dict[str, tuple[int, int]] = field(default_factory=dict)
    reconfigured: dict[str, dict[str, tuple[str | None, str]]] = field(default_factory=dict)
    cannot: dict[str, str] = field(default_factory=dict)
    """What differs and is left alone, with the reason (fewer partitions, replication factor)."""

    def lines(self) -> list[str]:
        out = [f"created {len(self.created)} topics: {', '.join(self.created) or '-'}"]
        out += [f"{n}: partitions {a} -> {b}" for n, (a, b) in self.partitions_raised.items()]
        for name, changes in self.reconfigured.items():
            out += [f"{name}: {k} {old} -> {new}" for k, (old, new) in changes.items()]
        out += [f"{name}: NOT CHANGED: {why}" for name, why in self.cannot.items()]
        return out


def wanted(default: Replication | None = None) -> list[Wanted]:
    default = default or replication()
    topics = []
    for t in TOPICS:
        r = t.replication or default
        topics.append(Wanted(t.name, t.partitions, r, {**t.config, **r.config()}))
        topics.append(Wanted(t.dlq, t.dlq_partitions, r, {**DLQ_CONFIG, **r.config()}))
    return topics


async def ensure(bootstrap: str, default: Replication | None = None) -> Report:
    """Create what is missing and bring what exists to the catalog's settings."""
    admin = AIOKafkaAdminClient(
        bootstrap_servers=bootstrap, request_timeout_ms=15000, **client_options()
    )
    await admin.start()
    try:
        return await reconcile(admin, wanted(default))
    finally:
        await admin.close()


async def reconcile(admin: AIOKafkaAdminClient, topics: list[Wanted]) -> Report:
    report = Report()
    existing = set(await admin.list_topics())
    missing = [t for t in topics if t.name not in existing]
    if missing:
        response = await admin.create_topics(
            [
                NewTopic(t.name, t.partitions, t.replication.factor, topic_configs=t.config)
                for t in missing
            ]
        )
        _raise_errors("create topics", response.topic_errors, TOPIC_ALREADY_EXISTS)
        report.created = [t.name for t in missing]
    present = [t for t in topics if t.name in existing]
    if not present:
        return report
    described = {d["topic"]: d for d in await admin.describe_topics([t.name for t in present])}
    raise_to: dict[str, NewPartitions] = {}
    for t in present:
        partitions = described[t.name]["partitions"]
        have = len(partitions)
        if have < t.partitions:
            raise_to[t.name] = NewPartitions(t.partitions)
            report.partitions_raised[t.name] = (have, t.partitions)
        elif have > t.partitions:
            report.cannot[t.name] = (
                f"has {have} partitions, the catalog {t.partitions}: Kafka cannot remove partitions"
            )
        factor = len(partitions[0]["replicas"]) if partitions else t.replication.factor
        if factor != t.replication.factor:
            report.cannot[t.name] = (
                f"replication factor {factor}, the catalog {t.replication.factor}: "
                "reassign its partitions (kafka-reassign-partitions)"
            )
    if raise_to:
        response = await admin.create_partitions(raise_to)
        _raise_errors("add partitions", response.topic_errors, INVALID_PARTITIONS)
    current = await _configs(admin, [t.name for t in present])
    stale = {}
    for t in present:
        changes = {
            k: (current[t.name].get(k), v)
            for k, v in t.config.items()
            if current[t.name].get(k) != v
        }
        if changes:
            stale[t.name] = t.config
            report.reconfigured[t.name] = changes
    if stale:
        await _alter(admin, stale)
    return report


async def _alter(admin: AIOKafkaAdminClient, configs: dict[str, dict[str, str]]) -> None:
    """Set the configs and wait until the broker shows them: a change travels through the metadata
    log, and one sent while a topic is still being set up can be overtaken (seen once in tests),
    so it is sent again, a few times at most."""
    import asyncio

    for _ in range(5):
        responses = await admin.alter_configs(
            [ConfigResource(ConfigResourceType.TOPIC, n, c) for n, c in configs.items()]
        )
        for response in responses:
            _raise_errors("alter configs", [(r[3], r[0], r[1]) for r in response.resources])
        for _ in range(10):
            current = await _configs(admin, list(configs))
            if all(current[n].get(k) == v for n, c in configs.items() for k, v in c.items()):
                return
            await asyncio.sleep(0.2)
    raise RuntimeError(f"the broker did not apply the configs of {', '.join(configs)}")


async def _configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    responses = await admin.describe_configs(
        [ConfigResource(ConfigResourceType.TOPIC, n) for n in names]
    )
    out: dict[str, dict[str, str]] = {}
    for response in responses:
        for code, message, _type, name, entries in response.resources:
            if code:
                raise RuntimeError(f"describe configs of {name}: {code} {message}")
            out[name] = {e[0]: e[1] for e in entries}
    return out


def _raise_errors(what: str, items: list, *tolerated: int) -> None:
    errors = [(item[0], item[1], item[2] if len(item) > 2 else "") for item in items]
    bad = [e for e in errors if e[1] not in (0, *tolerated)]
    if bad:
        raise RuntimeError(f"could not {what}: {bad}")


def main(environ: Mapping[str, str]) -> None:
    import asyncio

    report = asyncio.run(ensure(environ.get("THIDUA_KAFKA_BOOTSTRAP", "127.0.0.1:19092")))
    print("\n".join(report.lines()))


if __name__ == "__main__":  # used by the compose file's one-shot `topics` service and the chart
    import os

    main(os.environ)
