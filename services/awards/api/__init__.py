"""The awards service's HTTP API."""

from services.awards.api import annual, decisions, history, nominations, procedure

ROUTERS = (
    nominations.router,
    annual.router,
    procedure.router,
    decisions.router,
    history.router,
)
