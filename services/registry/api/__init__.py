"""The registry's HTTP API: thin routers over the commands (services/registry/commands/)."""

from __future__ import annotations

from fastapi import APIRouter

from services.registry.api import blocs, campaigns, imports, occasions, people, units

ROUTERS: list[APIRouter] = [
    units.router,
    people.router,
    blocs.router,
    campaigns.router,
    imports.router,
    occasions.router,
]
