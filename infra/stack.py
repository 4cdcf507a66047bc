"""The local stack as a whole: Kafka, PostgreSQL, the topics, the sinks (infra/sinks: SMTP,
webhook receiver, OTLP receiver), the four services — one process each or N replicas each behind
the load balancer (infra/balancer.py) — and the web application."""

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

from infra import balancer, kafka, operations, postgres, procs, tokens, topics
from infra.profile import MAX_REPLICAS, ROOT, SERVICES, SINKS, WEB, Profile


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


def web_env(p: Profile) -> dict[str, str]:
    """The web application calls the four services of the profile, signs people in with the
    profile's development key (infra/tokens.py, as `./thidua token`) and reads progress's
    events from the profile's Kafka for its live pages."""
    return {
        "THIDUA_SERVICE": WEB,
        "THIDUA_HTTP_PORT": str(p.http_ports[WEB]),
        "THIDUA_KAFKA_BOOTSTRAP": p.kafka_bootstrap,
        "THIDUA_PROFILE": p.name,
        "THIDUA_JWKS_FILE": str(tokens.jwks_file(p.state)),
        "THIDUA_WEB_DEV_STATE": str(p.state),
        "THIDUA_WEB_SESSION_KEY": local_secret(p, "web-session-key"),
        **{f"THIDUA_WEB_{s.upper()}_URL": p.service_url(s) for s in SERVICES},
        # the operators' console: the traces sink's file, the replicas' balancer (if it runs)
        "THIDUA_WEB_TRACES_FILE": str(p.sinks_dir / "spans.jsonl"),
        "THIDUA_WEB_BALANCER_STATS_URL": balancer.stats_url(p),
        "OTEL_SERVICE_NAME": f"thidua-{WEB}",
        "OTEL_TRACES_EXPORTER": "none",
        "OTEL_METRICS_EXPORTER": "none",
        "OTEL_LOGS_EXPORTER": "none",
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


# A replica told to stop answers 503 on /ready at once and serves on this long: more than the
# balancer's checks need to take it out (infra/balancer.py: FALL checks, CHECK_INTERVAL_MS apart).
REPLICA_DRAIN_S = 3.0


def replica_count(p: Profile) -> int:
    """How many processes per service the last `up` ran (1 when it ran no balancer)."""
    try:
        return int((p.state / "replicas").read_text())
    except (FileNotFoundError, ValueError):
        return 1


def processes(p: Profile, replicas: int | None = None) -> list[tuple[str, str, int]]:
    """(process name, service, port) of every service process the stack runs."""
    n = replica_count(p) if replicas is None else replicas
    if n == 1:
        return [(service, service, p.http_ports[service]) for service in SERVICES]
    return [
        (balancer.replica_name(service, k), service, p.replica_port(service, k))
        for service in SERVICES
        for k in range(1, n + 1)
    ]


def start_process(p: Profile, name: str, service: str, port: int) -> int:
    """One service process, or one replica (its own port, draining before it stops)."""
    env = service_env(p, service)
    if port != p.http_ports[service]:
        env |= {"THIDUA_HTTP_PORT": str(port), "THIDUA_DRAIN_DELAY_S": str(REPLICA_DRAIN_S)}
    return procs.start(
        p.pids,
        p.logs,
        name,
        [sys.executable, "-m", f"services.{service}"],
        marker=f"services.{service}",
        env=env,
        cwd=ROOT,
    )


def start_services(p: Profile, timeout: float = 60.0, replicas: int = 1) -> list[str]:
    """The sinks, then the service processes not running yet (and the balancer in front of
    them when `replicas` > 1), then the web application; waits until each is ready."""
    if not 1 <= replicas <= MAX_REPLICAS:
        raise SystemExit(f"--replicas {replicas}: between 1 and {MAX_REPLICAS}")
    running = replica_count(p)
    if running != replicas and any(procs.running_pid(p.pids, n) for n, _, _ in processes(p)):
        raise SystemExit(
            f"the services run as {running} replica(s) each: ./thidua down first to change that"
        )
    started = start_sinks(p)
    tokens.ensure_keys(p.state)
    (p.state / "replicas").write_text(str(replicas))
    mine = processes(p, replicas)
    for name, service, port in mine:
        if procs.running_pid(p.pids, name) is None:
            start_process(p, name, service, port)
            started.append(name)
    deadline = time.monotonic() + timeout
    for name, _service, port in mine:
        _await_ready(p, name, port, deadline, timeout)
    if replicas > 1:
        if balancer.start(p, replicas):
            started.append(balancer.NAME)
        for service in SERVICES:
            while (state := service_state(p, service)) != "ready":
                if time.monotonic() > deadline:
                    raise SystemExit(f"{service} behind the balancer is {state}: see its log")
                time.sleep(0.3)
    if procs.running_pid(p.pids, WEB) is None:
        command = [sys.executable, "-m", f"services.{WEB}"]
        procs.start(
            p.pids, p.logs, WEB, command, marker=f"services.{WEB}", env=web_env(p), cwd=ROOT
        )
        started.append(WEB)
    _await_ready(p, WEB, p.http_ports[WEB], deadline, timeout)
    return started


def _await_ready(p: Profile, name: str, port: int, deadline: float, timeout: float) -> None:
    """Until the process `name` answers ready on `port`; stops at its exit or the deadline."""
    while (state := _answer(f"http://127.0.0.1:{port}/ready")) != "ready":
        if procs.running_pid(p.pids, name) is None:
            raise SystemExit(f"{name} exited: see {p.logs / (name + '.log')}")
        if time.monotonic() > deadline:
            raise SystemExit(f"{name} is {state} after {timeout:.0f}s: see its log")
        time.sleep(0.3)


def stop_all(p: Profile) -> list[str]:
    stopped = [WEB] if procs.stop(p.pids, WEB) else []
    stopped += [balancer.NAME] if balancer.stop(p) else []
    stopped += [name for name, _, _ in processes(p) if procs.stop(p.pids, name)]
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
    """What the service's port answers (the process, or the balancer in front of replicas):
    asked, not read from pid files, so replicas started by any means count."""
    return _answer(f"{p.service_url(service)}/ready")


def _answer(url: str) -> str:
    try:
        r = httpx.get(url, timeout=2)
    except httpx.ConnectError:
        return "stopped"
    except httpx.HTTPError:
        return "starting"
    if r.status_code != 200:
        return "not ready"
    degraded = r.json().get("degraded") or []
    return f"degraded ({', '.join(degraded)})" if degraded else "ready"


def service_detail(
    p: Profile, service: str, replicas: list[balancer.Replica] | None, members: dict[str, int]
) -> str:
    """Where the service is; the replicas the balancer finds up; its consumer group's members."""
    parts = [f"{p.service_url(service)}/docs"]
    if replicas is not None:
        mine = [r for r in replicas if r.service == service]
        up = sum(r.status.startswith("UP") for r in mine)
        parts.append(f"{up}/{len(mine)} replicas up behind the balancer")
    if members.get(service):
        parts.append(f"{members[service]} in consumer group {service}")
    return "; ".join(parts)


def _members(p: Profile) -> dict[str, int]:
    """Consumer group members per service (its group id is its name), or none if Kafka is down."""
    if not kafka.port_open(p.kafka_port):
        return {}
    try:
        return asyncio.run(operations.group_members(p.kafka_bootstrap, list(SERVICES)))
    except Exception:  # a status line, not a failure: the table says Kafka's state itself
        return {}


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
    behind, members = balancer.replicas(p), _members(p)
    for service in SERVICES:
        detail = service_detail(p, service, behind, members)
        states.append(ComponentState(service, service_state(p, service), detail))
    states.append(ComponentState(WEB, service_state(p, WEB), f"{p.service_url(WEB)}/"))
    return states
