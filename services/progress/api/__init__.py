"""The progress service's HTTP API: thin routers over the commands (`commands/`) and the stored
read models (`store/`)."""

from __future__ import annotations

from fastapi import APIRouter

from services.progress.api import blocs, imports, ratings, reports, views

ROUTERS: list[APIRouter] = [
    reports.router,
    views.router,
    blocs.router,
    ratings.router,
    imports.router,
]
