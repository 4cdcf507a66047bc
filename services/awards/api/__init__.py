"""The awards service's HTTP API."""

from services.awards.api import (
    annual,
    decisions,
    findings,
    history,
    nominations,
    procedure,
    proposals,
)

ROUTERS = (
    nominations.router,
    annual.router,
    procedure.router,
    decisions.router,
    proposals.router,
    history.router,
    findings.router,
)
