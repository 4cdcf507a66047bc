"""What an operator alerts on, scraped from a service app's `/metrics` on the real broker and
database and read with prometheus_client's parser: consumer lag per partition rising while the
handler is held and falling to zero once it is released, the consumer's counters by topic, dead
letters, relay leadership, outbox backlog and age while the relay is stopped, the pool's use.
The same app's JSON log lines: one access line per request and one per applied batch, with trace
ids."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from uuid import uuid4

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from schemas.envelope import Envelope
from servicekit import probes
from servicekit.consumer import Consumer
from servicekit.service import build_app
from servicekit.settings import ServiceSettings
from servicekit.unit_of_work import UnitOfWork
from tests.runtime.helpers_runtime import eventually, produce, report, reporting_router

pytestmark = [pytest.mark.infra, pytest.mark.timeout(180)]

Samples = dict[tuple[str, frozenset], float]


def _app(dsn: str, bootstrap: str, topic: str, group: str, gate: asyncio.Event, migrations: Path):
    """A service that writes a TargetReported to `topic` per POST (outbox, relay) and consumes
    `topic` itself, each batch waiting for `gate`."""
    router = reporting_router(topic)

    def subscribe(consumer: Consumer) -> None:
        @consumer.batch_handler(topic)
        async def held(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
            await gate.wait()

    settings = ServiceSettings(
        service="metrics-test",
        database_url=dsn,
        kafka_bootstrap=bootstrap,
        consumer_group=group,
        database_pool_max=7,
    )
    return build_app(
        settings,
        title="metrics",
        description="",
        migrations=migrations,
        routers=[router],
        subscribe=subscribe,
    )


async def _scrape(client: httpx.AsyncClient) -> Samples:
    response = await client.get("/metrics")
    assert response.status_code == 200
    return {
        (s.name, frozenset(s.labels.items())): s.value
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    }


def _value(samples: Samples, name: str, **labels: str) -> float | None:
    return samples.get((name, frozenset(labels.items())))


def _sum(samples: Samples, name: str, **labels: str) -> float:
    wanted = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and wanted <= ls)


async def test_metrics_an_operator_alerts_on_and_the_log_lines_of_requests_and_batches(
    fresh_database, fresh_topic, kafka_bootstrap, tmp_path, monkeypatch, capsys
):
    monkeypatch.setattr(probes, "REFRESH_S", 0.0)  # every scrape reads afresh
    topic = await fresh_topic(partitions=2)
    group = f"metrics-{uuid4().hex[:8]}"
    gate = asyncio.Event()
    app = _app(fresh_database, kafka_bootstrap, topic, group, gate, tmp_path)
    service = "metrics-test"
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://m") as client:

            async def scrape_until(check, what: str) -> Samples:
                async def attempt() -> Samples | None:
                    samples = await _scrape(client)
                    return samples if check(samples) else None

                return await eventually(attempt, what=what, timeout=60)  # type: ignore[return-value]

            # held: every record produced is lag, per partition of the group
            await produce(
                kafka_bootstrap, [report(topic, target_id=uuid4(), seq=i) for i in range(6)]
            )
            samples = await scrape_until(
                lambda s: _sum(s, "thidua_consumer_lag", topic=topic) == 6, "a lag of 6"
            )
            partitions = {
                dict(ls)["partition"]
                for (n, ls), _ in samples.items()
                if n == "thidua_consumer_lag" and dict(ls)["topic"] == topic
            }
            assert partitions == {"0", "1"}
            where = {"service": service, "group": group, "topic": topic, "partition": "0"}
            assert _value(samples, "thidua_consumer_lag", **where) is not None
            assert _value(samples, "thidua_outbox_relay_active", service=service) in (0.0, 1.0)
            assert _value(samples, "thidua_db_pool_max", service=service) == 7
            size = _value(samples, "thidua_db_pool_size", service=service)
            in_use = _value(samples, "thidua_db_pool_in_use", service=service)
            assert size is not None and in_use is not None and 1 <= in_use <= size <= 7, (
                "the held batch's transaction holds a connection"
            )
            for probe in ("outbox", "kafka"):
                assert _value(samples, "thidua_probe_success", service=service, probe=probe) == 1

            # released: the lag falls to zero, the counters say applied by topic
            gate.set()
            samples = await scrape_until(
                lambda s: _sum(s, "thidua_consumer_lag", topic=topic) == 0, "no lag"
            )
            labels = {"consumer": service, "topic": topic}
            assert _value(samples, "thidua_consumer_events_total", **labels, outcome="applied") == 6
            assert (
                _value(samples, "thidua_consumer_events_total", **labels, outcome="duplicates") == 0
            )
            assert _value(samples, "thidua_dead_letters", service=service, topic=topic) == 0

            # a record that is not an event: a dead letter, counted by topic and on its .dlq
            await produce(kafka_bootstrap, [(topic, b"k", b"\xff not an event", [])])
            samples = await scrape_until(
                lambda s: _value(s, "thidua_dead_letters", service=service, topic=topic) == 1,
                "one dead letter",
            )
            dead = _value(
                samples, "thidua_consumer_events_total", **labels, outcome="dead_lettered"
            )
            assert dead == 1

            # the relay leads and publishes a request's event; the batch's log line names its trace
            await scrape_until(
                lambda s: _value(s, "thidua_outbox_relay_active", service=service) == 1,
                "the relay leading",
            )
            published = await client.post("/reports")
            assert published.status_code == 201
            request_trace = published.headers["traceresponse"].split("-")[1]
            await scrape_until(
                lambda s: (
                    _value(s, "thidua_consumer_events_total", **labels, outcome="applied") == 7
                ),
                "the request's event applied",
            )

            # the relay stopped: the outbox fills and ages
            await app.state.service.relay.stop()
            for _ in range(3):
                assert (await client.post("/reports")).status_code == 201
            await asyncio.sleep(1.1)
            samples = await _scrape(client)
            assert _value(samples, "thidua_outbox_relay_active", service=service) == 0
            assert _value(samples, "thidua_outbox_backlog", service=service) == 3
            assert _value(samples, "thidua_outbox_oldest_age_seconds", service=service) >= 1.0

    lines = [
        json.loads(line) for line in capsys.readouterr().err.splitlines() if line.startswith("{")
    ]
    access = [
        line
        for line in lines
        if line["logger"] == "servicekit.access" and line["route"] == "/reports"
    ]
    assert len(access) == 4
    first = access[0]
    assert (first["method"], first["status"]) == ("POST", 201)
    assert first["duration_ms"] > 0
    assert first["trace_id"] == request_trace and len(first["span_id"]) == 16
    assert not [line for line in lines if line.get("route") == "/metrics"], "scrapes are not logged"
    batches = [line for line in lines if line.get("topic") == topic and "count" in line]
    assert sum(line["count"] for line in batches) == 7
    assert all(line["consumer"] == service and line["offsets"] for line in batches)
    assert any(request_trace in line["trace_ids"] for line in batches), (
        "the batch's line names the trace of the request whose event it applied"
    )
