"""Where a local stack lives and which ports it uses.

Five profiles share one checkout without colliding: `dev` (what `./thidua up` runs), `test`
(the Kafka and PostgreSQL the test suite shares), `e2e` (a whole platform the end-to-end tests
start from scratch and remove afterwards), `drill` (the replicas drill) and `cluster` (three
Kafka nodes, for `./thidua up --profile cluster` and the broker-loss test). Ports can be
overridden from the environment so a second checkout (a developer's beside CI's) can run at the
same time:

- `THIDUA_KAFKA_PORT`, `THIDUA_KAFKA_CONTROLLER_PORT`, `THIDUA_POSTGRES_PORT`, `THIDUA_HTTP_PORT`
  replace the dev or test profile's ports (whichever is loaded). `THIDUA_HTTP_PORT` is the first
  service's; the other services follow it (+1 … +3, the web application +4) and so do the sinks
  (+10 mail, +11 hooks, +12 traces).
- The `e2e` profile runs inside a test session that has those variables set for `test`, so it
  takes no override of its own: every e2e port is the test profile's port (overridden or not)
  plus `E2E_OFFSET` (100). Its state is `.state/e2e`, or `$THIDUA_STATE-e2e` when THIDUA_STATE
  is set, never the test profile's own. The `drill` profile (the replicas drill,
  tests/e2e/test_replicas_drill.py) is the same at `DRILL_OFFSET` (200), the `cluster` profile
  at `CLUSTER_OFFSET` (300), its three Kafka nodes each three ports above the last.

With `./thidua up --replicas N` (N > 1) each service's port is the load balancer's; replica k
(1 … N) of the i-th service listens on the first service's port + 20 + 4 (k - 1) + i, and the
balancer's statistics on the first service's port + 15 (docs/deploy.md, "Replicas").
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("registry", "progress", "awards", "notify")
# The web application (services/web): a client of the four, with no database or topic of its
# own; its port follows theirs (dev 8105, test 28105).
WEB = "web"

SINKS = ("mail", "hooks", "traces")  # local stand-ins for an SMTP server, a webhook receiver, OTLP

_BASE_PORTS = {
    "dev": {"kafka": 19092, "controller": 19093, "postgres": 15432, "http": 8101},
    "test": {"kafka": 29092, "controller": 29093, "postgres": 25432, "http": 28101},
}
PROFILES = (*_BASE_PORTS, "e2e", "drill", "cluster")
E2E_OFFSET = 100
DRILL_OFFSET = 200
CLUSTER_OFFSET = 300
MAX_REPLICAS = 8  # replica ports stay below the e2e profile's
_REPLICA_OFFSET, _STATS_OFFSET = 20, 15
_SINK_OFFSET = {"mail": 10, "hooks": 11, "traces": 12}  # from the first service's port


@dataclass(frozen=True)
class Profile:
    name: str
    state: Path  # everything the stack writes: data, logs, pid files
    kafka_port: int
    controller_port: int
    postgres_port: int
    http_ports: dict[str, int]
    sink_ports: dict[str, int] = field(default_factory=dict)
    brokers: int = 1
    """Kafka nodes (each broker and controller): 1, or 3 for the `cluster` profile."""

    @property
    def kafka_bootstrap(self) -> str:
        return ",".join(f"127.0.0.1:{self.node_ports(i)[0]}" for i in range(self.brokers))

    def node_ports(self, i: int) -> tuple[int, int, int]:
        """Kafka node i's (PLAINTEXT, CONTROLLER, SASL_SSL) ports: three apart from node to node."""
        return (self.kafka_port + 3 * i, self.controller_port + 3 * i, self.kafka_port + 3 * i + 2)

    @property
    def kafka_secure_port(self) -> int:
        """The broker's SASL_SSL (SCRAM) listener, beside the PLAINTEXT one (infra/kafka_tls.py)."""
        return self.kafka_port + 2

    @property
    def logs(self) -> Path:
        return self.state / "logs"

    @property
    def pids(self) -> Path:
        return self.state / "pids"

    @property
    def kafka_dir(self) -> Path:
        return self.state / "kafka"

    @property
    def postgres_dir(self) -> Path:
        """PostgreSQL's own folder. The server runs as `postgres`, which must be able to reach it:
        a checkout under root's home is not traversable, so fall back to a folder in /tmp."""
        own = self.state / "postgres"
        if _traversable_by_others(self.state):
            return own
        digest = hashlib.sha256(str(self.state).encode()).hexdigest()[:10]
        return Path("/tmp") / f"thidua-{self.name}-{digest}" / "postgres"

    @property
    def is_test(self) -> bool:
        """A throwaway stack (its PostgreSQL trades durability for speed)."""
        return self.name in ("test", "e2e", "drill")

    def service_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.http_ports[service]}"

    def replica_port(self, service: str, k: int) -> int:
        """Where replica k (1 … MAX_REPLICAS) of `service` listens behind the load balancer."""
        if not 1 <= k <= MAX_REPLICAS:
            raise ValueError(f"replica {k}: between 1 and {MAX_REPLICAS}")
        return self.http_ports[service] + _REPLICA_OFFSET + len(SERVICES) * (k - 1)

    @property
    def balancer_stats_port(self) -> int:
        return self.http_ports[SERVICES[0]] + _STATS_OFFSET

    @property
    def smtp_port(self) -> int:
        return self.sink_ports["mail"]

    @property
    def hooks_port(self) -> int:
        return self.sink_ports["hooks"]

    @property
    def otlp_port(self) -> int:
        return self.sink_ports["traces"]

    @property
    def hooks_url(self) -> str:
        """Where the demo webhook receiver takes notify's POSTs."""
        return f"http://127.0.0.1:{self.hooks_port}/hooks"

    @property
    def otlp_endpoint(self) -> str:
        """OTEL_EXPORTER_OTLP_ENDPOINT of the traces sink (the exporter appends /v1/traces)."""
        return f"http://127.0.0.1:{self.otlp_port}"

    @property
    def sinks_dir(self) -> Path:
        """What the sinks received: mail/*.eml, hooks.jsonl, spans.jsonl."""
        return self.state / "sinks"


def _traversable_by_others(path: Path) -> bool:
    for part in [path, *path.parents]:
        if part.exists() and not os.stat(part).st_mode & 0o001:
            return False
    return True


def _port(var: str, default: int) -> int:
    return int(os.environ.get(var, default))


def load(name: str | None = None) -> Profile:
    name = name or os.environ.get("THIDUA_PROFILE", "dev")
    if name not in PROFILES:
        raise SystemExit(f"unknown profile {name!r}: expected one of {sorted(PROFILES)}")
    if name == "e2e":
        return _shifted(load("test"), "e2e", E2E_OFFSET)
    if name == "drill":
        return _shifted(load("test"), "drill", DRILL_OFFSET)
    if name == "cluster":
        return _shifted(load("test"), "cluster", CLUSTER_OFFSET, brokers=3)
    base = _BASE_PORTS[name]
    state = Path(os.environ.get("THIDUA_STATE", ROOT / ".state" / name)).resolve()
    http = _port("THIDUA_HTTP_PORT", base["http"])
    return Profile(
        name=name,
        state=state,
        kafka_port=_port("THIDUA_KAFKA_PORT", base["kafka"]),
        controller_port=_port("THIDUA_KAFKA_CONTROLLER_PORT", base["controller"]),
        postgres_port=_port("THIDUA_POSTGRES_PORT", base["postgres"]),
        http_ports={svc: http + i for i, svc in enumerate((*SERVICES, WEB))},
        sink_ports={sink: http + offset for sink, offset in _SINK_OFFSET.items()},
    )


def _shifted(test: Profile, name: str, offset: int, brokers: int = 1) -> Profile:
    """The test profile's ports shifted by `offset`, and a state of its own. The `cluster`
    profile runs three Kafka nodes (replication 3, min.insync.replicas 2), each three ports above
    the last."""
    given = os.environ.get("THIDUA_STATE")
    state = Path(f"{given}-{name}") if given else ROOT / ".state" / name

    def shift(ports: dict[str, int]) -> dict[str, int]:
        return {k: v + offset for k, v in ports.items()}

    return Profile(
        name=name,
        state=state.resolve(),
        kafka_port=test.kafka_port + offset,
        controller_port=test.controller_port + offset,
        postgres_port=test.postgres_port + offset,
        http_ports=shift(test.http_ports),
        sink_ports=shift(test.sink_ports),
        brokers=brokers,
    )
