"""Gauges an operator alerts on that cost a read elsewhere, taken when `/metrics` is scraped:

- consumer lag per group, topic and partition: the group's committed offsets against the
  partitions' end offsets, asked of the broker (not the consumer's own view, which stops moving
  with a stuck consumer);
- dead letters held by the `.dlq` topic of each topic the service consumes;
- outbox backlog and the age of its oldest row;
- whatever queries the service registers (`register_query`: notify's parked deliveries and
  suspended subscribers);
- the database pool's size and connections in use (no I/O).

Bounded cost: one refresh at a time, at most every `REFRESH_S` seconds (a scrape in between gets
the values of the last one), four requests to the broker and two index reads plus the registered
queries per refresh, each probe within `TIMEOUT_S`. A probe that fails or is late exposes no
values that time and `thidua_probe_success{probe}` 0: missing numbers are not zeros.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

import asyncpg
from aiokafka import AIOKafkaConsumer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from servicekit.dlq import DLQ_SUFFIX, dlq_topic
from servicekit.kafka_security import client_options
from servicekit.telemetry import rate_limit

log = rate_limit(logging.getLogger("servicekit.probes"))  # a probe may fail at every scrape

REFRESH_S = 5.0
TIMEOUT_S = 3.0
_BACKLOG_CAP = 100_000  # rows counted at most: a count past it says "at least", cheaply

_OUTBOX = f"""
SELECT (SELECT count(*) FROM (SELECT 1 FROM outbox LIMIT {_BACKLOG_CAP}) AS o) AS backlog,
       coalesce(extract(epoch FROM now() - (SELECT created_at FROM outbox ORDER BY seq LIMIT 1)),
                0) AS oldest
"""


@dataclass(frozen=True)
class Query:
    """A gauge read by SQL on the service's database: one sample per row, labelled by the
    `labels` columns, valued by the `value` column."""

    name: str
    help: str
    sql: str
    labels: tuple[str, ...] = ()


@dataclass
class _Kafka:
    """The clients the offsets are asked with, kept open between scrapes."""

    admin: AIOKafkaAdminClient
    reader: AIOKafkaConsumer

    @classmethod
    async def open(cls, bootstrap: str) -> _Kafka:
        admin = AIOKafkaAdminClient(
            bootstrap_servers=bootstrap, client_id="thidua-probes", **client_options()
        )
        reader = AIOKafkaConsumer(
            bootstrap_servers=bootstrap,
            enable_auto_commit=False,
            client_id="thidua-probes",
            **client_options(),
        )
        try:
            await admin.start()
            await reader.start()
        except BaseException:
            await _Kafka(admin, reader).close()
            raise
        return cls(admin, reader)

    async def close(self) -> None:
        with contextlib.suppress(Exception):
            await self.reader.stop()
        with contextlib.suppress(Exception):
            await self.admin.close()

    async def partitions(self, topics: Sequence[str]) -> list[TopicPartition]:
        cluster = await self.reader._client.fetch_all_metadata()  # aiokafka has no public call
        return [TopicPartition(t, n) for t in topics for n in cluster.partitions_for_topic(t) or ()]


@dataclass
class Probes(Collector):
    """The probes of one service app (`app.state.probes`, made by `servicekit.metrics.install`)."""

    service: str
    queries: list[Query] = field(default_factory=list)
    _families: list[Metric] = field(default_factory=list)
    _pool: asyncpg.Pool | None = None
    _taken_at: float = float("-inf")
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    _kafka: _Kafka | None = None

    def register_query(self, name: str, help: str, sql: str, labels: Sequence[str] = ()) -> None:
        self.queries.append(Query(name, help, sql, tuple(labels)))

    async def refresh(self, running: Any) -> None:
        """Take the probes of a running `servicekit.service.Service`, unless taken less than
        `REFRESH_S` ago."""
        self._pool = running.pool
        async with self._lock:
            if time.monotonic() - self._taken_at < REFRESH_S or running.pool is None:
                return
            probes: dict[str, Awaitable[list[Metric]]] = {"outbox": self._outbox(running.pool)}
            consumer = running.consumer
            if consumer is not None and consumer.topics:
                probes["kafka"] = self._offsets(
                    running.settings.kafka_bootstrap, consumer.group_id, consumer.topics
                )
            for query in self.queries:
                probes[query.name] = self._query(running.pool, query)
            results = await asyncio.gather(
                *(_bounded(name, probe) for name, probe in probes.items())
            )
            success = GaugeMetricFamily(
                "thidua_probe_success",
                "1 when the probe's last reading succeeded within its time, else 0 (its metrics "
                "are missing then)",
                labels=["service", "probe"],
            )
            families: list[Metric] = [success]
            for name, result in zip(probes, results, strict=True):
                success.add_metric([self.service, name], int(result is not None))
                families.extend(result or ())
            self._families = families
            self._taken_at = time.monotonic()

    def collect(self) -> Iterator[Metric]:
        """What `prometheus_client.generate_latest(probes)` writes."""
        yield from self._families
        if self._pool is not None:
            pool = self._pool
            size = pool.get_size()
            for name, help, value in (
                ("thidua_db_pool_size", "Connections the pool holds", size),
                ("thidua_db_pool_in_use", "Connections taken out", size - pool.get_idle_size()),
                ("thidua_db_pool_max", "Connections the pool may hold", pool.get_max_size()),
            ):
                gauge = GaugeMetricFamily(name, help, labels=["service"])
                gauge.add_metric([self.service], value)
                yield gauge

    async def close(self) -> None:
        kafka, self._kafka = self._kafka, None
        if kafka is not None:
            await kafka.close()

    # the probes

    async def _outbox(self, pool: asyncpg.Pool) -> list[Metric]:
        row = await pool.fetchrow(_OUTBOX)
        assert row is not None  # one row, always
        backlog = GaugeMetricFamily(
            "thidua_outbox_backlog",
            f"Outbox rows not yet published (counted up to {_BACKLOG_CAP})",
            labels=["service"],
        )
        backlog.add_metric([self.service], row["backlog"])
        oldest = GaugeMetricFamily(
            "thidua_outbox_oldest_age_seconds",
            "Age of the oldest outbox row not yet published (0 when empty)",
            labels=["service"],
        )
        oldest.add_metric([self.service], float(row["oldest"]))
        return [backlog, oldest]

    async def _offsets(self, bootstrap: str, group: str, topics: Sequence[str]) -> list[Metric]:
        if self._kafka is None:
            self._kafka = await _Kafka.open(bootstrap)
        kafka = self._kafka
        try:
            consumed = await kafka.partitions(topics)
            dead = await kafka.partitions([dlq_topic(t) for t in topics])
            committed = await kafka.admin.list_consumer_group_offsets(group, partitions=consumed)
            begins = await kafka.reader.beginning_offsets([*consumed, *dead])
            ends = await kafka.reader.end_offsets([*consumed, *dead])
        except BaseException:
            self._kafka = None  # fresh clients next time
            await kafka.close()
            raise
        lag = GaugeMetricFamily(
            "thidua_consumer_lag",
            "Records of a partition the consumer group has not committed yet (end offset minus "
            "committed offset, or minus the beginning while nothing is committed)",
            labels=["service", "group", "topic", "partition"],
        )
        for tp in consumed:
            meta = committed.get(tp)
            done = meta.offset if meta is not None and meta.offset >= 0 else begins[tp]
            lag.add_metric([self.service, group, tp.topic, str(tp.partition)], ends[tp] - done)
        held: dict[str, int] = {t: 0 for t in topics}
        for tp in dead:
            held[tp.topic.removesuffix(DLQ_SUFFIX)] += ends[tp] - begins[tp]
        letters = GaugeMetricFamily(
            "thidua_dead_letters",
            "Dead letters held by the .dlq topic of a topic the service consumes",
            labels=["service", "topic"],
        )
        for topic, count in held.items():
            letters.add_metric([self.service, topic], count)
        return [lag, letters]

    async def _query(self, pool: asyncpg.Pool, query: Query) -> list[Metric]:
        gauge = GaugeMetricFamily(query.name, query.help, labels=["service", *query.labels])
        for row in await pool.fetch(query.sql):
            gauge.add_metric([self.service, *(str(row[c]) for c in query.labels)], row["value"])
        return [gauge]


async def _bounded(name: str, probe: Awaitable[list[Metric]]) -> list[Metric] | None:
    try:
        return await asyncio.wait_for(probe, TIMEOUT_S)
    except Exception as e:
        log.warning("probe %s failed: %s: %s", name, type(e).__name__, e)
        return None
