"""Where a local stack lives and which ports it uses.

Two profiles share one checkout without colliding: `dev` (what `./thidua up` runs) and `test`
(what the test suite starts). Every port can be overridden from the environment so a second
checkout (a developer's beside CI's) can run at the same time.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SERVICES = ("registry", "progress", "awards", "notify")

_BASE_PORTS = {
    "dev": {"kafka": 19092, "controller": 19093, "postgres": 15432, "http": 8101},
    "test": {"kafka": 29092, "controller": 29093, "postgres": 25432, "http": 28101},
}


@dataclass(frozen=True)
class Profile:
    name: str
    state: Path  # everything the stack writes: data, logs, pid files
    kafka_port: int
    controller_port: int
    postgres_port: int
    http_ports: dict[str, int]

    @property
    def kafka_bootstrap(self) -> str:
        return f"127.0.0.1:{self.kafka_port}"

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
        return self.name == "test"

    def service_url(self, service: str) -> str:
        return f"http://127.0.0.1:{self.http_ports[service]}"


def _traversable_by_others(path: Path) -> bool:
    for part in [path, *path.parents]:
        if part.exists() and not os.stat(part).st_mode & 0o001:
            return False
    return True


def _port(var: str, default: int) -> int:
    return int(os.environ.get(var, default))


def load(name: str | None = None) -> Profile:
    name = name or os.environ.get("THIDUA_PROFILE", "dev")
    if name not in _BASE_PORTS:
        raise SystemExit(f"unknown profile {name!r}: expected one of {sorted(_BASE_PORTS)}")
    base = _BASE_PORTS[name]
    state = Path(os.environ.get("THIDUA_STATE", ROOT / ".state" / name)).resolve()
    http = _port("THIDUA_HTTP_PORT", base["http"])
    return Profile(
        name=name,
        state=state,
        kafka_port=_port("THIDUA_KAFKA_PORT", base["kafka"]),
        controller_port=_port("THIDUA_KAFKA_CONTROLLER_PORT", base["controller"]),
        postgres_port=_port("THIDUA_POSTGRES_PORT", base["postgres"]),
        http_ports={svc: http + i for i, svc in enumerate(SERVICES)},
    )
