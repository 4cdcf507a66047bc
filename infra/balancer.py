"""The local load balancer in front of a service's replicas (`./thidua up --replicas N`): HAProxy
from Debian's package, installed by the setup when missing, as PostgreSQL is. Each service is
reached at its usual port; the balancer sends a request to a replica whose `/ready` answers 200,
checked every second, and takes one out after two failed checks (a replica told to stop answers
503 at once, and serves on through its drain delay: docs/deploy.md, "Replicas")."""

from __future__ import annotations

import csv
import io
import os
import shutil
from dataclasses import dataclass
from pathlib import Path

import httpx

from infra import apt, procs
from infra.profile import SERVICES, Profile

NAME = "haproxy"
CHECK_INTERVAL_MS = 1000
FALL, RISE = 2, 1


def ensure_binary() -> str:
    """HAProxy's path (/usr/sbin is not on every user's PATH); installed when missing."""
    path = f"{os.environ.get('PATH', '')}:/usr/sbin"
    if shutil.which(NAME, path=path) is None:
        apt.install(NAME, why="the replicas' load balancer (HAProxy) is not installed")
    found = shutil.which(NAME, path=path)
    if found is None:
        raise SystemExit("HAProxy was installed but is not on the PATH")
    return found


def config(p: Profile, replicas: int) -> str:
    """HAProxy's configuration for `replicas` processes of each service."""
    lines = [
        "global",
        "    maxconn 4096",
        "defaults",
        "    mode http",
        "    timeout connect 2s",
        "    timeout client 60s",
        "    timeout server 60s",
        # a request whose connection was refused goes to another replica (nothing was sent);
        # one already sent is never repeated here, whatever became of it (HAProxy's
        # `empty-response` would send a POST again after a replica died holding it): a client
        # gets 502 and repeats it with its Idempotency-Key, which the service answers once
        "    retries 3",
        "    option redispatch",
        "    retry-on conn-failure",
        "    option httpchk GET /ready",
        "    http-check expect status 200",
        f"    default-server inter {CHECK_INTERVAL_MS} fall {FALL} rise {RISE}",
        "listen stats",
        f"    bind 127.0.0.1:{p.balancer_stats_port}",
        "    stats enable",
        "    stats uri /stats",
    ]
    for service in SERVICES:
        lines += [
            f"frontend {service}",
            f"    bind 127.0.0.1:{p.http_ports[service]}",
            f"    default_backend {service}_replicas",
            f"backend {service}_replicas",
            "    balance roundrobin",
        ]
        for k in range(1, replicas + 1):
            port = p.replica_port(service, k)
            lines.append(f"    server {replica_name(service, k)} 127.0.0.1:{port} check")
    return "\n".join(lines) + "\n"


def replica_name(service: str, k: int) -> str:
    return f"{service}-{k}"


def config_path(p: Profile) -> Path:
    return p.state / "haproxy.cfg"


def start(p: Profile, replicas: int) -> bool:
    """Start the balancer unless it runs; True if started now."""
    binary = ensure_binary()
    path = config_path(p)
    path.write_text(config(p, replicas))
    if procs.running_pid(p.pids, NAME) is not None:
        return False
    procs.start(p.pids, p.logs, NAME, [binary, "-db", "-f", str(path)], marker=str(path))
    return True


def stop(p: Profile) -> bool:
    return procs.stop(p.pids, NAME)


@dataclass(frozen=True)
class Replica:
    service: str
    name: str
    status: str  # HAProxy's: UP, DOWN, NOLB (draining), MAINT, "UP 1/2" while changing…
    port: int


def stats_url(p: Profile) -> str:
    """HAProxy's statistics as CSV (`./thidua status` and the web application's console)."""
    return f"http://127.0.0.1:{p.balancer_stats_port}/stats;csv"


def replicas(p: Profile) -> list[Replica] | None:
    """Every replica the balancer knows and its check's verdict; None when no balancer answers."""
    try:
        r = httpx.get(stats_url(p), timeout=2)
    except httpx.HTTPError:
        return None
    return parse_stats(r.text) if r.status_code == 200 else None


def parse_stats(text: str) -> list[Replica]:
    """The replicas of HAProxy's CSV statistics (its `<service>_replicas` backends' servers)."""
    rows = csv.DictReader(io.StringIO(text.lstrip("# ")))
    out = []
    for row in rows:
        backend, name = row["pxname"], row["svname"]
        if not backend.endswith("_replicas") or name in ("BACKEND", "FRONTEND"):
            continue
        port = int(row.get("addr", ":0").rsplit(":", 1)[-1] or 0)
        out.append(Replica(backend.removesuffix("_replicas"), name, row["status"], port))
    return out
