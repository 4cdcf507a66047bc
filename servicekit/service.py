"""Assembles one service process: settings, database pool and migrations, the outbox relay, the
event consumer (for services that consume), and the HTTP app with health and readiness probes;
and stops it within a bound on SIGTERM: docs/architecture.md, "Stopping a service".
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import logging
import os
import signal
import threading
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import uvicorn
from aiokafka import AIOKafkaProducer
from fastapi import APIRouter, FastAPI
from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

from schemas.envelope import source_for
from servicekit import db, deadletters, metrics, telemetry
from servicekit.consumer import Consumer
from servicekit.http import create_app
from servicekit.relay import Relay, build_producer
from servicekit.settings import ServiceSettings

RUNTIME_MIGRATIONS = Path(__file__).parent / "migrations"

# Shares of `shutdown_timeout_s`, in the order the stop spends them (the rest is a margin for the
# producer's flush and closing the pool).
HTTP_SHARE = 0.4
WORKER_SHARE = 0.2
CONSUMER_SHARE = 0.2
RELAY_SHARE = 0.1

log = logging.getLogger("servicekit.service")


@dataclass
class Service:
    """What a running service holds; handlers reach it through `app.state.service`."""

    settings: ServiceSettings
    migrations: Path
    subscribe: Callable[[Consumer], None] | None = None
    # where the service's events go instead of their catalog topics (tests route them to fresh
    # ones): every unit of work servicekit opens for it, a request's or a consumed batch's
    topic_map: dict[str, str] = field(default_factory=dict)
    pool: asyncpg.Pool | None = None
    producer: AIOKafkaProducer | None = None
    relay: Relay | None = None
    consumer: Consumer | None = None
    extra: dict = field(default_factory=dict)

    async def start(self) -> None:
        s = self.settings
        self.pool = await db.create_pool(s.database_dsn, max_size=s.database_pool_max)
        await db.migrate(self.pool, RUNTIME_MIGRATIONS, self.migrations)
        self.producer = build_producer(s.kafka_bootstrap, client_id=f"thidua-{s.service}")
        await self.producer.start()
        if s.relay_enabled:
            self.relay = Relay(s.database_dsn, producer=self.producer)
            self.relay.start()
            metrics.RUNTIME.relays[s.service] = self.relay
        if self.subscribe is not None:
            self.consumer = Consumer(
                s.service,
                pool=self.pool,
                bootstrap_servers=s.kafka_bootstrap,
                source=source_for(s.service),
                topic_map=self.topic_map,
                group_id=s.consumer_group,
                stop_timeout_s=s.shutdown_timeout_s * CONSUMER_SHARE,
                subscriber_options={
                    "session_timeout_ms": s.consumer_session_timeout_ms,
                    "heartbeat_interval_ms": s.consumer_heartbeat_interval_ms,
                    "max_poll_interval_ms": s.consumer_max_poll_interval_ms,
                },
            )
            self.subscribe(self.consumer)
            metrics.RUNTIME.consumers[s.service] = self.consumer
            await self.consumer.start()

        freeze_loaded_objects()

    async def stop(self) -> None:
        """The consumer's batch in hand, then the relay's, then the connections
        (docs/architecture.md, "Stopping a service")."""
        bound = self.settings.shutdown_timeout_s
        if self.consumer:
            await self.consumer.stop()
        if self.relay:
            await self.relay.stop(grace_s=bound * RELAY_SHARE)
        if self.producer:
            await self.producer.stop()
        if self.pool:
            try:
                await asyncio.wait_for(self.pool.close(), bound * RELAY_SHARE)
            except TimeoutError:
                self.pool.terminate()

    async def database_ready(self) -> None:
        assert self.pool is not None, "not started"
        async with self.pool.acquire(timeout=2) as con:
            await con.fetchval("SELECT 1")

    async def broker_ready(self) -> None:
        assert self.producer is not None, "not started"
        # bounded: a probe must answer even when the client waits for a broker that is gone
        if not await asyncio.wait_for(self.producer.client.force_metadata_update(), 2):
            raise ConnectionError(f"no answer from {self.settings.kafka_bootstrap}")


def build_app(
    settings: ServiceSettings,
    *,
    title: str,
    description: str,
    migrations: Path,
    routers: Sequence[APIRouter] = (),
    subscribe: Callable[[Consumer], None] | None = None,
    topic_map: Mapping[str, str] | None = None,
) -> FastAPI:
    """`subscribe` declares the service's event handlers on its consumer; a service that consumes
    nothing (the registry) passes none."""
    telemetry.configure_logging(settings.service, settings.log_level)
    telemetry.setup(settings.service)
    service = Service(
        settings=settings,
        migrations=migrations,
        subscribe=subscribe,
        topic_map=dict(topic_map or {}),
    )

    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        await service.start()
        try:
            yield
        finally:
            await service.stop()
            await app.state.probes.close()
            telemetry.shutdown()

    app = create_app(
        title=title,
        description=description,
        lifespan=lifespan,
        ready_checks={"database": service.database_ready},
        degraded_checks={"broker": service.broker_ready},  # writes wait in the outbox
        # what a consumer gave up on, for operators: only where there is a consumer
        routers=[*routers, *([deadletters.router] if subscribe is not None else [])],
    )
    app.state.service = service
    metrics.install(app, settings.service)
    # one SERVER span per request; no INTERNAL span per ASGI send/receive message (two or three
    # a request, telling nothing the server span does not)
    FastAPIInstrumentor.instrument_app(
        app,
        excluded_urls="health,ready,metrics",
        exclude_spans=["receive", "send"],
        server_request_hook=telemetry.redact_server_span,
    )
    return app


def serve(app: FastAPI, settings: ServiceSettings) -> None:
    """Serve until SIGTERM or SIGINT, then drain, stop as the module says and exit with 0."""
    config = uvicorn.Config(
        app,
        host=settings.http_host,
        port=settings.http_port,
        log_level="warning",
        timeout_graceful_shutdown=max(1, round(settings.shutdown_timeout_s * HTTP_SHARE)),
    )
    _Server(config, app, settings.shutdown_timeout_s, settings.drain_delay_s).run()


class _Server(uvicorn.Server):
    """uvicorn's server, which drains before it stops, and whose stop is bounded and ends in exit
    code 0.

    Draining: the first signal makes `/ready` answer 503 (`app.state.draining`) while the
    listener stays open `drain_s` seconds more, so a load balancer takes the replica out before
    it refuses connections; a second signal ends the drain at once.

    uvicorn raises the signal again once it has stopped, so the process would die of its SIGTERM
    (exit code -15, 143 in a shell) after a clean stop: an orchestrator could not tell a clean
    stop from a killed one. Here a stop that was asked for and completed returns normally."""

    def __init__(
        self, config: uvicorn.Config, app: FastAPI, bound_s: float, drain_s: float = 0.0
    ) -> None:
        super().__init__(config)
        self._app = app
        self._bound_s = bound_s
        self._drain_s = drain_s
        self._watchdog: threading.Timer | None = None
        self._drain: threading.Timer | None = None

    @contextlib.contextmanager
    def capture_signals(self) -> Iterator[None]:
        if threading.current_thread() is not threading.main_thread():
            yield
            return
        signals = (signal.SIGTERM, signal.SIGINT)
        previous = {sig: signal.signal(sig, self.handle_exit) for sig in signals}
        try:
            yield
        finally:
            for sig, handler in previous.items():
                signal.signal(sig, handler)
            for timer in (self._watchdog, self._drain):
                if timer is not None:
                    timer.cancel()

    def handle_exit(self, sig: int, frame: object) -> None:
        if self._watchdog is None:
            self._app.state.draining = True
            # A thread, not a task: it fires even if the event loop is stuck.
            bound = self._bound_s + self._drain_s
            self._watchdog = threading.Timer(bound, _overdue, (bound,))
            self._watchdog.daemon = True
            self._watchdog.start()
            if self._drain_s > 0:
                log.info("draining for %.1fs before stopping", self._drain_s)
                # uvicorn's handler only sets flags its main loop polls: safe from a thread
                self._drain = threading.Timer(self._drain_s, self._stop, (sig, frame))
                self._drain.daemon = True
                self._drain.start()
                return
        elif self._drain is not None and self._drain.is_alive():
            self._drain.cancel()  # asked again: stop now
        self._stop(sig, frame)

    def _stop(self, sig: int, frame: object) -> None:
        super().handle_exit(sig, frame)  # type: ignore[arg-type]


def _overdue(bound_s: float) -> None:
    log.error("the stop took more than %.0fs (THIDUA_SHUTDOWN_TIMEOUT_S): exiting now", bound_s)
    logging.shutdown()
    os._exit(1)


_frozen = False
_GC_THRESHOLD = 50_000


def freeze_loaded_objects() -> None:
    """Once per process, when its service has started: move the objects alive then (modules,
    models, the app) out of the garbage collector's sight, and collect the youngest generation
    every 50,000 allocations instead of 700. A batch allocates hundreds of thousands of objects,
    freed by reference counting, not by the collector; but they set off collections, and each
    walked every object of the process, or every object of the batches in flight again and
    again. Measured in progress, ingesting 50,000 events: 16 full collections took 1.4 s, a
    quarter of the time; with the objects frozen, 0.5 s. With the higher threshold, decoding and
    applying a batch take a quarter less CPU (a collection of the youngest then walks at most
    50,000 objects: a few milliseconds)."""
    global _frozen
    if not _frozen:
        _frozen = True
        gc.collect()
        gc.freeze()
        gc.set_threshold(_GC_THRESHOLD, *gc.get_threshold()[1:])
