"""The local stack as a whole: Kafka, PostgreSQL, the topics, the sinks (infra/sinks: SMTP,
webhook receiver, OTLP receiver) and the four services."""

from __future__ import annotations

import asyncio
import os
import secrets
import shutil
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from infra import kafka, postgres, procs, tokens, topics
from infra.profile import ROOT, SERVICES, SINKS, Profile


def service_env(p: Profile, service: str) -> dict[str, str]:
    """The environment a service process runs with on this profile."""
    return {
        "THIDUA_SERVICE": service,
        "THIDUA_HTTP_PORT": str(p.http_ports[service]),
        "THIDUA_DATABASE_URL": postgres.dsn(p, service),
        "THIDUA_KAFKA_BOOTSTRAP": p.kafka_bootstrap,
        "THIDUA_PROFILE": p.name,
        "THIDUA_JWKS_FILE": str(tokens.jwks_file(p.state)),
        "OTEL_SERVICE_NAME": f"thidua-{service}",
        # traces go to the traces sink (within a second, for ./thidua trace); metrics are
        # scraped from /metrics, not pushed
        "OTEL_EXPORTER_OTLP_ENDPOINT": p.otlp_endpoint,
        "OTEL_BSP_SCHEDULE_DELAY": "1000",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
        **(notify_env(p) if service == "notify" else {}),
        # the key that makes citizen ids recognisable: the registry's alone
        **(
            {"THIDUA_REGISTRY_CITIZEN_ID_KEY": local_secret(p, "registry-citizen-id-key")}
            if service == "registry"
            else {}
        ),
        **(PROGRESS_ENV if service == "progress" else {}),
    }


# A local stack's reminders go out within seconds of a missed deadline being known (the demo
# waits for them), not at the production round of five minutes.
PROGRESS_ENV = {
    "THIDUA_PROGRESS_SCHEDULER_INTERVAL_SECONDS": "5",
    "THIDUA_PROGRESS_SCHEDULER_START_DELAY_SECONDS": "5",
}


def notify_env(p: Profile) -> dict[str, str]:
    """Emails to the mail sink, webhooks allowed to loopback (the hooks sink), and a key of the
    profile's own for the webhook secrets (not the built-in development key)."""
    return {
        "THIDUA_SMTP_HOST": "127.0.0.1",
        "THIDUA_SMTP_PORT": str(p.smtp_port),
        "THIDUA_WEBHOOK_ALLOWED_NETWORKS": '["127.0.0.0/8"]',
        "THIDUA_SECRETS_KEY": local_secret(p, "notify-secrets-key"),
    }


def local_secret(p: Profile, name: str) -> str:
    """A random secret of the local stack (32 bytes, url-safe base64), made once and kept in the
    profile's state (0600)."""
    return local_secret_file(p, name).read_text()


def local_secret_file(p: Profile, name: str) -> Path:
    path = p.state / "secrets" / name
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(secrets.token_urlsafe(32))
    return path


def sink_argv(p: Profile, sink: str) -> list[str]:
    argv = [sys.executable, "-m", f"infra.sinks.{sink}", "--port", str(p.sink_ports[sink])]
    if sink == "mail":
        return [*argv, "--dir", str(p.sinks_dir / "mail")]
    if sink == "hooks":
        secret = local_secret_file(p, "webhook-receiver-secret")
        return [*argv, "--out", str(p.sinks_dir / "hooks.jsonl"), "--secret-file", str(secret)]
    return [*argv, "--out", str(p.sinks_dir / "spans.jsonl")]


def start_sinks(p: Profile, timeout: float = 30.0) -> list[str]:
    """The sinks not running yet; waits until each listens. What they receive (mails, webhooks,
    spans) is personal data: their folder is the owner's alone."""
    p.sinks_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(p.sinks_dir, 0o700)
    started = []
    for sink in SINKS:
        if procs.running_pid(p.pids, sink) is None:
            if kafka.port_open(p.sink_ports[sink]):
                raise SystemExit(
                    f"port {p.sink_ports[sink]} ({sink} sink) is taken by a process this profile "
                    "did not start"
                )
            procs.start(
                p.pids, p.logs, sink, sink_argv(p, sink), marker=f"infra.sinks.{sink}", cwd=ROOT
            )
            started.append(sink)
    deadline = time.monotonic() + timeout
    for sink in SINKS:
        while (state := sink_state(p, sink)) != "ready":
            if state == "stopped":
                raise SystemExit(f"the {sink} sink exited: see {p.logs / (sink + '.log')}")
            if time.monotonic() > deadline:
                raise SystemExit(f"the {sink} sink is {state} after {timeout:.0f}s: see its log")
            time.sleep(0.1)
    return started


def sink_state(p: Profile, sink: str) -> str:
    if procs.running_pid(p.pids, sink) is None:
        return "stopped"
    return "ready" if kafka.port_open(p.sink_ports[sink]) else "starting"


def start_infra(p: Profile) -> list[str]:
    """Kafka, PostgreSQL and the topics; idempotent. Returns what was started now."""
    started = []
    p.state.mkdir(parents=True, exist_ok=True)
    if postgres.start(p):
        started.append("postgres")
    if kafka.start(p):
        started.append("kafka")
    asyncio.run(topics.ensure(p.kafka_bootstrap, kafka.replication(p)))
    return started


def start_services(p: Profile, timeout: float = 60.0) -> list[str]:
    """The sinks, then the services not running yet; waits until each is ready."""
    started = start_sinks(p)
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
    # after the services, so what they flush on their way out is still received
    stopped += [s for s in SINKS if procs.stop(p.pids, s)]
    if kafka.stop(p):
        stopped.append("kafka")
    if postgres.stop(p):
        stopped.append("postgres")
    return stopped


def remove(p: Profile) -> None:
    """Stop everything and delete the profile's data (`./thidua reset`)."""
    stop_all(p)
    postgres.remove(p)
    shutil.rmtree(p.state, ignore_errors=True)


@dataclass
class ComponentState:
    name: str
    state: str  # ready, degraded (…), running, not ready, stopped
    detail: str


def service_state(p: Profile, service: str) -> str:
    if procs.running_pid(p.pids, service) is None:
        return "stopped"
    try:
        r = httpx.get(f"{p.service_url(service)}/ready", timeout=2)
    except httpx.HTTPError:
        return "starting"
    if r.status_code != 200:
        return "not ready"
    degraded = r.json().get("degraded") or []
    return f"degraded ({', '.join(degraded)})" if degraded else "ready"


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
    where = {
        "mail": f"smtp://127.0.0.1:{p.smtp_port} → {p.sinks_dir / 'mail'}",
        "hooks": f"{p.hooks_url} → {p.sinks_dir / 'hooks.jsonl'}",
        "traces": f"{p.otlp_endpoint}/v1/traces → {p.sinks_dir / 'spans.jsonl'}",
    }
    for sink in SINKS:
        states.append(ComponentState(sink, sink_state(p, sink), where[sink]))
    for service in SERVICES:
        states.append(
            ComponentState(service, service_state(p, service), f"{p.service_url(service)}/docs")
        )
    return states
