"""A single-node KRaft Kafka broker run from its Maven Central jars, no containers.

The jars are named in infra/kafka/pom.xml and copied by Maven into infra/kafka/target/jars
(Maven's local repository caches them, so a second setup fetches nothing).
"""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
import uuid
from pathlib import Path

from infra import apt, procs
from infra.profile import ROOT, Profile

POM = ROOT / "infra" / "kafka" / "pom.xml"
JARS = ROOT / "infra" / "kafka" / "target" / "jars"
NAME = "kafka"
HEAP = "-Xmx512m -Xms256m"


def version() -> str:
    jar = next(JARS.glob("kafka_2.13-*.jar"), None)
    return jar.name.removeprefix("kafka_2.13-").removesuffix(".jar") if jar else "not fetched"


def fetch_jars() -> None:
    """Copy the broker's runtime jars into JARS, unless they are there for the pom as it is."""
    stamp = JARS / ".pom"
    if stamp.exists() and stamp.read_text() == POM.read_text():
        return
    if not shutil.which("mvn") or not shutil.which("java"):
        apt.install("openjdk-17-jre-headless", "maven", why="Kafka needs Java 17 and Maven")
    shutil.rmtree(JARS, ignore_errors=True)
    done = subprocess.run(
        [
            "mvn",
            "-q",
            "-B",
            "-Dstyle.color=never",
            "-f",
            str(POM),
            "dependency:copy-dependencies",
            "-DincludeScope=runtime",
            f"-DoutputDirectory={JARS}",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"fetching Kafka's jars failed:\n{done.stdout}{done.stderr}")
    stamp.write_text(POM.read_text())


def _write_config(p: Profile) -> Path:
    conf = p.kafka_dir / "config"
    conf.mkdir(parents=True, exist_ok=True)
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.voters": f"1@127.0.0.1:{p.controller_port}",
        "listeners": f"PLAINTEXT://127.0.0.1:{p.kafka_port},CONTROLLER://127.0.0.1:{p.controller_port}",
        "advertised.listeners": f"PLAINTEXT://127.0.0.1:{p.kafka_port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
        "log.dirs": str(p.kafka_dir / "data"),
        # one node: every internal topic has a single replica
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "10",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "group.initial.rebalance.delay.ms": "0",
        # topics come from schemas/catalog.py only
        "auto.create.topics.enable": "false",
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
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


def _java(p: Profile, *args: str) -> list[str]:
    log4j = p.kafka_dir / "config" / "log4j2.properties"
    return ["java", *HEAP.split(), f"-Dlog4j2.configurationFile={log4j}", "-cp", f"{JARS}/*", *args]


def _format_storage(p: Profile, server: Path) -> None:
    if (p.kafka_dir / "data" / "meta.properties").exists():
        return
    cluster_id = str(uuid.uuid4().hex[:22])
    subprocess.run(
        _java(p, "kafka.tools.StorageTool", "format", "-t", cluster_id, "-c", str(server)),
        check=True,
        stdout=subprocess.DEVNULL,
    )


def running(p: Profile) -> bool:
    return procs.running_pid(p.pids, NAME) is not None


def start(p: Profile) -> bool:
    """Start the broker unless ours is running. Returns True if it was started now."""
    if running(p):
        return False
    if port_open(p.kafka_port):
        raise SystemExit(f"port {p.kafka_port} is taken by a process this profile did not start")
    fetch_jars()
    server = _write_config(p)
    _format_storage(p, server)
    procs.start(p.pids, p.logs, NAME, _java(p, "kafka.Kafka", str(server)), marker=str(server))
    wait_ready(p)
    return True


def wait_ready(p: Profile, timeout: float = 60.0) -> None:
    """Up means: the port answers and an admin client can list topics."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not running(p):
            raise SystemExit(f"Kafka exited during start: see {p.logs / 'kafka.log'}")
        if port_open(p.kafka_port) and _lists_topics(p):
            return
        time.sleep(0.3)
    raise SystemExit(f"Kafka did not answer within {timeout:.0f}s: see {p.logs / 'kafka.log'}")


def _lists_topics(p: Profile) -> bool:
    import asyncio

    from aiokafka.admin import AIOKafkaAdminClient

    async def probe() -> None:
        admin = AIOKafkaAdminClient(bootstrap_servers=p.kafka_bootstrap, request_timeout_ms=3000)
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
    return procs.stop(p.pids, NAME, timeout=30)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0
