"""The registry service's process: its HTTP API and its Kafka side."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from servicekit.service import build_app
from servicekit.settings import ServiceSettings
from services import registry as package
from services.registry.api import ROUTERS
from services.registry.config import RegistryConfig
from services.registry.runtime import Runtime

NAME = "registry"


def create(
    settings: ServiceSettings | None = None, config: RegistryConfig | None = None
) -> FastAPI:
    settings = settings or ServiceSettings(service=NAME)
    app = build_app(
        settings,
        title="thidua registry",
        description=package.__doc__ or "",
        migrations=Path(__file__).parent / "migrations",
        routers=ROUTERS,
    )
    app.state.registry = Runtime(config or RegistryConfig())
    return app
