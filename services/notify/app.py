"""The notify service's process: its HTTP API, its consumer (stage one: inbox items and
deliveries, consumers/intake.py) and its dispatcher (stage two: sending, jobs/dispatcher.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiohttp
from fastapi import FastAPI

from servicekit import metrics
from servicekit.service import WORKER_SHARE, build_app
from servicekit.settings import ServiceSettings
from services import notify as package
from services.notify.adapters.targets import Resolver
from services.notify.api import ROUTERS
from services.notify.config import NAME, NotifySettings
from services.notify.consumers.intake import subscriber
from services.notify.jobs.dispatcher import Dispatcher
from services.notify.runtime import NotifyRuntime
from services.notify.store import gauges

__all__ = ["NAME", "create"]


def create(
    settings: ServiceSettings | None = None,
    *,
    resolver: Resolver | None = None,
    http_client: aiohttp.ClientSession | None = None,
) -> FastAPI:
    """`settings` may be plain ServiceSettings: notify's own come from the environment then.
    `resolver` and `http_client` replace the system's DNS and the dispatcher's HTTP client
    session (`webhook.new_session` makes one; the caller closes it)."""
    s = NotifySettings.of(settings)
    runtime = NotifyRuntime.from_settings(s, resolver)
    app = build_app(
        s,
        title="thidua notify",
        description=package.__doc__ or "",
        migrations=Path(__file__).parent / "migrations",
        routers=ROUTERS,
        subscribe=subscriber(runtime),
    )
    app.state.notify = runtime
    for gauge in gauges.GAUGES:  # on /metrics, read at scrape time (servicekit.probes)
        metrics.register_query(app, *gauge)
    servicekit_lifespan = app.router.lifespan_context

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        # build_app's lifespan starts the pool, migrations, relay and consumer; the dispatcher
        # needs the pool, and stops before it closes.
        async with servicekit_lifespan(app):
            dispatcher = None
            if s.dispatch_enabled and s.background_enabled:
                dispatcher = Dispatcher(
                    app.state.service.pool,
                    runtime,
                    client=http_client,
                    # its stop waits for attempts under way, then for their recording
                    stop_grace_s=s.shutdown_timeout_s * WORKER_SHARE / 2,
                )
                runtime.dispatcher = dispatcher
                await dispatcher.start()
            try:
                yield
            finally:
                if dispatcher is not None:
                    await dispatcher.stop()
                    runtime.dispatcher = None

    app.router.lifespan_context = lifespan
    return app
