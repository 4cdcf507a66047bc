"""What the operators' console reads of each service without a token: `/health`, `/ready` (its
database and broker checks) and the Prometheus text of `/metrics`, where `servicekit.probes` puts
consumer lag, dead letters held, outbox backlog and age and notify's parked deliveries. The
console owns none of it and reads no service's database: the same figures `./thidua status`
prints, as each service measures them."""

from __future__ import annotations

import asyncio
from collections import defaultdict
from dataclasses import dataclass, field

import httpx
from prometheus_client.parser import text_string_to_metric_families

from infra.balancer import Replica, parse_stats

PROBE_TIMEOUT_S = 5.0


@dataclass(frozen=True)
class Lag:
    service: str
    group: str
    topic: str
    lag: int  # summed over the topic's partitions


@dataclass
class ServiceState:
    """One service as it answered: alive, ready (and what it checked), and its gauges."""

    name: str
    url: str
    alive: bool = False
    status: str = "không trả lời"  # /ready's status, or why there is none
    checks: dict[str, str] = field(default_factory=dict)
    degraded: list[str] = field(default_factory=list)
    lag: list[Lag] = field(default_factory=list)
    dead_letters: dict[str, int] = field(default_factory=dict)  # topic → letters held
    outbox_backlog: int | None = None
    outbox_oldest_s: float | None = None
    relays_leading: int | None = None
    parked: int | None = None  # notify only
    suspended: int | None = None  # notify only
    failed_probes: list[str] = field(default_factory=list)
    metrics_read: bool = False

    @property
    def ready(self) -> bool:
        return self.status in ("ready", "degraded")

    def check_ok(self, name: str) -> bool | None:
        """True/False as the service's /ready found the dependency; None when not asked."""
        return None if name not in self.checks else self.checks[name] == "ok"


def _samples(text: str) -> dict[str, list[tuple[dict[str, str], float]]]:
    out: dict[str, list[tuple[dict[str, str], float]]] = defaultdict(list)
    for family in text_string_to_metric_families(text):
        for s in family.samples:
            out[s.name].append((s.labels, s.value))
    return out


def read_metrics(state: ServiceState, text: str) -> None:
    """The gauges of one service's `/metrics` text into `state`."""
    samples = _samples(text)
    lag: dict[tuple[str, str], float] = defaultdict(float)
    for labels, value in samples["thidua_consumer_lag"]:
        lag[labels["group"], labels["topic"]] += value
    state.lag = [Lag(state.name, g, t, int(n)) for (g, t), n in sorted(lag.items())]
    state.dead_letters = {labels["topic"]: int(v) for labels, v in samples["thidua_dead_letters"]}
    for _, value in samples["thidua_outbox_backlog"]:
        state.outbox_backlog = int(value)
    for _, value in samples["thidua_outbox_oldest_age_seconds"]:
        state.outbox_oldest_s = value
    leading = [v for _, v in samples["thidua_outbox_relay_active"]]
    state.relays_leading = int(sum(leading)) if leading else None
    parked = samples.get("thidua_deliveries_parked")
    if parked is not None:
        state.parked = int(sum(v for _, v in parked))
    suspended = samples.get("thidua_webhook_subscribers_suspended")
    if suspended is not None:
        state.suspended = int(sum(v for _, v in suspended))
    state.failed_probes = sorted(
        labels["probe"] for labels, v in samples["thidua_probe_success"] if v == 0
    )
    state.metrics_read = True


async def probe(http: httpx.AsyncClient, name: str, url: str) -> ServiceState:
    state = ServiceState(name, url)
    try:
        state.alive = (await http.get(f"{url}/health", timeout=PROBE_TIMEOUT_S)).status_code == 200
        ready = await http.get(f"{url}/ready", timeout=PROBE_TIMEOUT_S)
        body = ready.json()
        state.status = str(body.get("status", ready.status_code))
        state.checks = dict(body.get("checks") or {})
        state.degraded = list(body.get("degraded") or [])
        metrics = await http.get(f"{url}/metrics", timeout=PROBE_TIMEOUT_S)
        if metrics.status_code == 200:
            read_metrics(state, metrics.text)
    except (httpx.HTTPError, ValueError) as exc:
        if not state.alive:
            state.status = f"không trả lời ({type(exc).__name__})"
    return state


async def replicas(http: httpx.AsyncClient, stats_url: str | None) -> list[Replica] | None:
    """The replicas behind the load balancer and its checks' verdicts (HAProxy's CSV
    statistics, read as `./thidua status` reads them); None without a balancer answering."""
    if not stats_url:
        return None
    try:
        r = await http.get(stats_url, timeout=PROBE_TIMEOUT_S)
    except httpx.HTTPError:
        return None
    return parse_stats(r.text) if r.status_code == 200 else None


async def probe_all(http: httpx.AsyncClient, urls: dict[str, str]) -> list[ServiceState]:
    """Every service at once (a stopped one costs its timeout, not the sum)."""
    return list(await asyncio.gather(*(probe(http, n, u) for n, u in urls.items())))
