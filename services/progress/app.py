"""The progress service's process: its HTTP API and its Kafka side.

- HTTP (services/progress/api): reports, completion, dashboards, standings, the bloc head's
  entries, ratings and initiatives.
- Consumer (servicekit.consumer, one transaction per batch): the registry's topics build the read
  model (`consumers/`). A rebuild (`read_own_topics`: a new consumer group on an empty database,
  as `./thidua replay` runs it) also reads progress's own topics back; a live instance does not,
  since what it published is already in its database.
- Background tasks (`jobs/scheduler.py`): the standings worker, and the scheduler of reminders,
  daily standings and year-end leaders.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

from fastapi import FastAPI

from servicekit.consumer import Consumer
from servicekit.service import build_app
from servicekit.settings import ServiceSettings
from services import progress as package
from services.progress.api import ROUTERS
from services.progress.config import Clock, ProgressConfig, SystemClock
from services.progress.consumers import HANDLERS, KEYED_BY_EFFECT
from services.progress.jobs.scheduler import Scheduler
from services.progress.runtime import Runtime

NAME = "progress"


def subscriber(rt: Runtime) -> Callable[[Consumer], None]:
    """Declares the batch handlers on the service's consumer."""
    config = rt.config

    def subscribe(consumer: Consumer) -> None:
        # Set before start, which reads it (the benchmark takes bigger batches).
        consumer.max_records = config.batch_size
        for topic, handler in HANDLERS.items():
            if topic.startswith(f"{NAME}.") and not config.read_own_topics:
                continue
            keyed = KEYED_BY_EFFECT.get(topic)
            consumer.batch_handler(config.topic(topic), keyed_by_effect=keyed)(handler)

    return subscribe


def create(
    settings: ServiceSettings | None = None,
    config: ProgressConfig | None = None,
    clock: Clock | None = None,
) -> FastAPI:
    settings = settings or ServiceSettings(service=NAME)
    config = config or ProgressConfig()
    clock = clock or SystemClock()
    rt = Runtime(config=config, clock=clock)
    app = build_app(
        settings,
        title="thidua progress",
        description=package.__doc__ or "",
        migrations=Path(__file__).parent / "migrations",
        routers=ROUTERS,
        subscribe=subscriber(rt) if config.consume else None,
        topic_map=config.topic_map,
    )
    app.state.progress = rt
    service_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        async with service_lifespan(app):
            pool = app.state.service.pool
            scheduler = Scheduler(pool, config, clock)
            app.state.scheduler = scheduler
            # the standings worker stays on in a replay: rankings are recomputed, not read
            # back, and what it publishes waits in the outbox when the relay is off
            scheduler.start(timed=config.scheduler and settings.background_enabled)
            try:
                yield
            finally:
                await scheduler.stop()

    app.router.lifespan_context = lifespan
    return app
