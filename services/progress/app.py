"""The progress service's process: its HTTP API and its Kafka side."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI

from servicekit.service import build_app
from servicekit.settings import ServiceSettings
from services import progress as package

NAME = "progress"


def create(settings: ServiceSettings | None = None) -> FastAPI:
    settings = settings or ServiceSettings(service=NAME)
    return build_app(
        settings,
        title="thidua progress",
        description=package.__doc__ or "",
        migrations=Path(__file__).parent / "migrations",
    )
