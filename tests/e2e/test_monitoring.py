"""The four services of the e2e platform, scraped as Prometheus would: every metric the alert
rules and the Grafana dashboard name is exposed by some service (parsed with prometheus_client's
parser), with a sensible value; each request leaves an access line in the service's JSON log with
the trace the client was given."""

from __future__ import annotations

import json

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from infra.profile import SERVICES, Profile
from tests.foundation.test_monitoring import (
    dashboard_expressions,
    metric_names,
    rule_expressions,
)

pytestmark = [pytest.mark.infra, pytest.mark.timeout(600)]

CONSUMERS = ("progress", "awards", "notify")


async def _scrape(client: httpx.AsyncClient, p: Profile, service: str) -> dict:
    response = await client.get(f"{p.service_url(service)}/metrics")
    assert response.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def _only(samples: dict, name: str, **labels: str) -> list[float]:
    wanted = set(labels.items())
    return [v for (n, ls), v in samples.items() if n == name and wanted <= ls]


async def test_every_metric_of_the_alerts_and_the_dashboard_is_exposed(platform: Profile):
    p = platform
    traces: dict[str, str] = {}
    scraped: dict[str, dict] = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for service in SERVICES:  # a request each, so the HTTP series exist
            r = await client.get(f"{p.service_url(service)}/schemas")
            assert r.status_code == 200
            traces[service] = r.headers["traceresponse"].split("-")[1]
        for service in SERVICES:
            scraped[service] = await _scrape(client, p, service)

    exposed = {name for samples in scraped.values() for name, _ in samples}
    wanted = metric_names([*rule_expressions().values(), *dashboard_expressions()])
    missing = sorted(wanted - exposed)
    assert not missing, f"named by the alerts or the dashboard, exposed by no service: {missing}"

    for service, samples in scraped.items():
        mine = {"service": service}
        assert _only(samples, "thidua_outbox_relay_active", **mine) == [1], service
        assert _only(samples, "thidua_probe_success", **mine), service
        assert set(_only(samples, "thidua_probe_success", **mine)) == {1}, service
        (backlog,) = _only(samples, "thidua_outbox_backlog", **mine)
        (age,) = _only(samples, "thidua_outbox_oldest_age_seconds", **mine)
        assert backlog >= 0 and 0 <= age < 120, (service, backlog, age)
        (size,) = _only(samples, "thidua_db_pool_size", **mine)
        (in_use,) = _only(samples, "thidua_db_pool_in_use", **mine)
        (bound,) = _only(samples, "thidua_db_pool_max", **mine)
        assert 0 <= in_use <= size <= bound, (service, in_use, size, bound)
        assert _only(samples, "thidua_dependency_up", **mine, dependency="database") == [1]
    for service in CONSUMERS:
        lags = _only(scraped[service], "thidua_consumer_lag", service=service, group=service)
        assert lags and all(lag >= 0 for lag in lags), service
        letters = _only(scraped[service], "thidua_dead_letters", service=service)
        assert letters and all(n >= 0 for n in letters), service
    assert not _only(scraped["registry"], "thidua_consumer_lag"), "the registry consumes nothing"
    notify = scraped["notify"]
    for channel in ("email", "webhook"):
        assert len(_only(notify, "thidua_deliveries_parked", channel=channel)) == 1
    assert len(_only(notify, "thidua_webhook_subscribers_suspended")) == 1

    for service, trace_id in traces.items():
        lines = [json.loads(line) for line in (p.logs / f"{service}.log").read_text().splitlines()]
        (access,) = [
            line
            for line in lines
            if line["logger"] == "servicekit.access" and line.get("trace_id") == trace_id
        ]
        assert (access["method"], access["route"], access["status"]) == (
            "GET",
            "/schemas",
            200,
        )
