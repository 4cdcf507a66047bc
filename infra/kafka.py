"""KRaft Kafka brokers run from their Maven Central jars, no containers: one for the dev, test
and e2e profiles, three (each broker and controller) for the `cluster` profile.

The jars are named in infra/kafka/pom.xml and copied by Maven into infra/kafka/target/jars
(Maven's local repository caches them, so a second setup fetches nothing).
"""

from __future__ import annotations

import socket
import subprocess
import time
import uuid
from pathlib import Path

from infra import kafka_tls, maven, procs
from infra.profile import ROOT, Profile
from schemas.catalog import CLUSTER_REPLICATION, LOCAL_REPLICATION, Replication

POM = ROOT / "infra" / "kafka" / "pom.xml"
JARS = ROOT / "infra" / "kafka" / "target" / "jars"
NAME = "kafka"
HEAP = "-Xmx512m -Xms256m"
CLUSTER_HEAP = "-Xmx320m -Xms192m"  # three of them on a developer's machine


def version() -> str:
    jar = next(JARS.glob("kafka_2.13-*.jar"), None)
    return jar.name.removeprefix("kafka_2.13-").removesuffix(".jar") if jar else "not fetched"


def fetch_jars() -> None:
    """Copy the broker's runtime jars into JARS, unless they are there for the pom as it is."""
    maven.copy_dependencies(POM, JARS, "Kafka's jars")


def replication(p: Profile) -> Replication:
    """What the profile's brokers can hold: the cluster's 3 and 2 with three, else 1 and 1."""
    if p.brokers >= CLUSTER_REPLICATION.factor:
        return CLUSTER_REPLICATION
    return LOCAL_REPLICATION


def node_name(i: int) -> str:
    return NAME if i == 0 else f"{NAME}-{i + 1}"


def node_dir(p: Profile, i: int) -> Path:
    """One broker keeps today's layout; a cluster's nodes each have a folder of their own."""
    return p.kafka_dir if p.brokers == 1 else p.kafka_dir / f"node-{i + 1}"


def _write_config(p: Profile, i: int) -> Path:
    conf = node_dir(p, i) / "config"
    conf.mkdir(parents=True, exist_ok=True)
    port, controller, secure = p.node_ports(i)
    r = replication(p)
    voters = ",".join(f"{j + 1}@127.0.0.1:{p.node_ports(j)[1]}" for j in range(p.brokers))
    props = {
        "process.roles": "broker,controller",
        "node.id": str(i + 1),
        "controller.quorum.voters": voters,
        "listeners": f"PLAINTEXT://127.0.0.1:{port},"
        f"SASL_SSL://127.0.0.1:{secure},CONTROLLER://127.0.0.1:{controller}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{port},SASL_SSL://127.0.0.1:{secure}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": (
            "PLAINTEXT:PLAINTEXT,SASL_SSL:SASL_SSL,CONTROLLER:PLAINTEXT"
        ),
        "log.dirs": str(node_dir(p, i) / "data"),
        # internal topics as replicated as the catalog's (one node: a single replica)
        "offsets.topic.replication.factor": str(r.factor),
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": str(r.factor),
        "transaction.state.log.min.isr": str(r.min_insync),
        "share.coordinator.state.topic.replication.factor": str(r.factor),
        "share.coordinator.state.topic.min.isr": str(r.min_insync),
        "group.initial.rebalance.delay.ms": "0",
        # topics come from schemas/catalog.py only
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": str(r.factor),
        "min.insync.replicas": str(r.min_insync),
        **kafka_tls.listener_config(p),
    }
    server = conf / "server.properties"
    server.write_text("".join(f"{k}={v}\n" for k, v in props.items()))
    (conf / "log4j2.properties").write_text(
        "status = warn\n"
        "appender.out.type = Console\nappender.out.name = OUT\n"
        "appender.out.layout.type = PatternLayout\n"
        "appender.out.layout.pattern = [%d] %p %m (%c)%n\n"
        "rootLogger.level = warn\nrootLogger.appenderRef.out.ref = OUT\n"
        "logger.server.name = kafka.server.KafkaRaftServer\nlogger.server.level = info\n"
    )
    return server


def _java(p: Profile, *args: str, i: int = 0) -> list[str]:
    log4j = node_dir(p, i) / "config" / "log4j2.properties"
    heap = HEAP if p.brokers == 1 else CLUSTER_HEAP
    return ["java", *heap.split(), f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{JARS}/*", *args]


def _format_storage(p: Profile, i: int, server: Path) -> None:
    if (node_dir(p, i) / "data" / "meta.properties").exists():
        return
    shared = p.kafka_dir / "cluster-id"  # every node of a cluster is formatted with the same id
    if not shared.exists():
        shared.parent.mkdir(parents=True, exist_ok=True)
        shared.write_text(uuid.uuid4().hex[:22])
    subprocess.run(
        _java(p, "kafka.tools.StorageTool", "format", "-t", shared.read_text(), "-c", str(server)),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def running(p: Profile) -> bool:
    return all(node_running(p, i) for i in range(p.brokers))


def node_running(p: Profile, i: int) -> bool:
    return procs.running_pid(p.pids, node_name(i)) is not None


def start(p: Profile) -> bool:
    """Start the broker(s) unless ours are running. Returns True if one was started now."""
    if running(p):
        return False
    fetch_jars()
    for i in range(p.brokers):
        start_node(p, i, wait=False)
    wait_ready(p)
    kafka_tls.ensure_user(p, _java(p))
    return True


def start_node(p: Profile, i: int, wait: bool = True) -> None:
    """Start one node of the profile (a cluster test restarts the one it stopped)."""
    if node_running(p, i):
        return
    if port_open(p.node_ports(i)[0]):
        raise SystemExit(
            f"port {p.node_ports(i)[0]} is taken by a process this profile did not start"
        )
    server = _write_config(p, i)
    _format_storage(p, i, server)
    command = _java(p, "kafka.Kafka", str(server), i=i)
    procs.start(p.pids, p.logs, node_name(i), command, marker=str(server))
    if wait:
        wait_ready(p)


def wait_ready(p: Profile, timeout: float = 60.0) -> None:
    """Up means: every node's port answers and an admin client can list topics through it."""
    deadline = time.monotonic() + timeout
    for i in range(p.brokers):
        log = p.logs / f"{node_name(i)}.log"
        while True:
            if not node_running(p, i):
                raise SystemExit(f"Kafka exited during start: see {log}")
            port = p.node_ports(i)[0]
            if port_open(port) and _lists_topics(f"127.0.0.1:{port}"):
                break
            if time.monotonic() > deadline:
                raise SystemExit(f"Kafka did not answer within {timeout:.0f}s: see {log}")
            time.sleep(0.3)


def _lists_topics(bootstrap: str) -> bool:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=3000)
        await admin.start()
        try:
            await admin.list_topics()
        finally:
            await admin.close()

    try:
        asyncio.run(probe())
        return True
    except Exception:
        return False


def stop(p: Profile) -> bool:
    stopped = [procs.stop(p.pids, node_name(i), timeout=30) for i in range(p.brokers)]
    return any(stopped)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0
