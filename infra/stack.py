"""The local stack as a whole: Kafka, PostgreSQL, the topics and the four services."""

from __future__ import annotations

import asyncio
import secrets
import sys
import time
from dataclasses import dataclass

import httpx

from infra import kafka, postgres, procs, tokens, topics
from infra.profile import ROOT, SERVICES, Profile


def service_env(p: Profile, service: str) -> dict[str, str]:
    """The environment a service process runs with on this profile."""
    return {
        "THIDUA_SERVICE": service,
        "THIDUA_HTTP_PORT": str(p.http_ports[service]),
        "THIDUA_DATABASE_URL": postgres.dsn(p, service),
        "THIDUA_KAFKA_BOOTSTRAP": p.kafka_bootstrap,
        "THIDUA_PROFILE": p.name,
        "THIDUA_JWKS_FILE": str(tokens.jwks_file(p.state)),
        "THIDUA_REGISTRY_CITIZEN_ID_KEY": local_secret(p, "registry-citizen-id-key"),
        "OTEL_SERVICE_NAME": f"thidua-{service}",
    }


def local_secret(p: Profile, name: str) -> str:
    """A random secret of the local stack, made once and kept in the profile's state (0600)."""
    path = p.state / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path.read_text()


def start_infra(p: Profile) -> list[str]:
    """Kafka, PostgreSQL and the topics; idempotent. Returns what was started now."""
    started = []
    p.state.mkdir(parents=True, exist_ok=True)
    if postgres.start(p):
        started.append("postgres")
    if kafka.start(p):
        started.append("kafka")
    asyncio.run(topics.ensure(p.kafka_bootstrap))
    return started


def start_services(p: Profile, timeout: float = 60.0) -> list[str]:
    started = []
    tokens.ensure_keys(p.state)
    for service in SERVICES:
        if procs.running_pid(p.pids, service) is None:
            procs.start(
                p.pids,
                p.logs,
                service,
                [sys.executable, "-m", f"services.{service}"],
                marker=f"services.{service}",
                env=service_env(p, service),
                cwd=ROOT,
            )
            started.append(service)
    deadline = time.monotonic() + timeout
    for service in SERVICES:
        while (state := service_state(p, service)) != "ready":
            if procs.running_pid(p.pids, service) is None:
                raise SystemExit(f"{service} exited: see {p.logs / (service + '.log')}")
            if time.monotonic() > deadline:
                raise SystemExit(f"{service} is {state} after {timeout:.0f}s: see its log")
            time.sleep(0.3)
    return started


def stop_all(p: Profile) -> list[str]:
    stopped = [s for s in SERVICES if procs.stop(p.pids, s)]
    if kafka.stop(p):
        stopped.append("kafka")
    if postgres.stop(p):
        stopped.append("postgres")
    return stopped


@dataclass
class ComponentState:
    name: str
    state: str  # ready, running, not ready, stopped
    detail: str


def service_state(p: Profile, service: str) -> str:
    if procs.running_pid(p.pids, service) is None:
        return "stopped"
    try:
        r = httpx.get(f"{p.service_url(service)}/ready", timeout=2)
    except httpx.HTTPError:
        return "starting"
    return "ready" if r.status_code == 200 else "not ready"


def status(p: Profile) -> list[ComponentState]:
    states = [
        ComponentState(
            "postgres",
            "ready" if postgres.running(p) else "stopped",
            f"127.0.0.1:{p.postgres_port}",
        ),
        ComponentState(
            "kafka",
            "ready" if kafka.running(p) and kafka.port_open(p.kafka_port) else "stopped",
            p.kafka_bootstrap,
        ),
    ]
    for service in SERVICES:
        states.append(
            ComponentState(service, service_state(p, service), f"{p.service_url(service)}/docs")
        )
    return states
