"""The awards service's process: its HTTP API and its Kafka side (the read model consumer and the
outbox relay of its own events)."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from servicekit.service import build_app
from servicekit.settings import ServiceSettings
from services import awards as package
from services.awards.api import ROUTERS
from services.awards.config import AwardsConfig
from services.awards.consumers.readmodel import subscriber
from services.awards.runtime import Clock, Runtime, SystemClock

NAME = "awards"


def create(
    settings: ServiceSettings | None = None,
    config: AwardsConfig | None = None,
    *,
    clock: Clock | None = None,
) -> FastAPI:
    """`config` defaults to THIDUA_AWARDS_* from the environment; `clock` (tests) to the
    system's."""
    settings = settings or ServiceSettings(service=NAME)
    cfg = config or AwardsConfig()
    app = build_app(
        settings,
        title="thidua awards",
        description=package.__doc__ or "",
        migrations=Path(__file__).parent / "migrations",
        routers=ROUTERS,
        subscribe=subscriber(cfg) if cfg.consume else None,
        topic_map=cfg.topic_map,
    )
    app.state.awards = Runtime(cfg=cfg, clock=clock or SystemClock())
    return app
