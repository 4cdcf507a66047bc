"""What the registry's routers share: the unit of work on the request's transaction, a read
connection, roles, "today" in Vietnam, pagination. Domain errors become problem details in
servicekit.problems."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query, Request
from pydantic import BaseModel

from servicekit.auth import Principal, Role, forbidden, is_officer_only, require
from servicekit.http import ReadConnection, on_loop
from servicekit.idempotency import RequestUnitOfWork
from servicekit.messages import Msg
from services.registry.config import RegistryConfig
from services.registry.runtime import Runtime

ADMIN = require(Role.PROVINCE_ADMIN)
# Units, blocs, campaigns and targets are not personal data: every role reads them, except that a
# unit officer sees only their own unit's (checked per route).
READER = require(*Role)
# People: administrators, integration clients and the council's secretary; unit officers for
# their own unit only.
PEOPLE_READER = require(
    Role.PROVINCE_ADMIN, Role.INTEGRATION_CLIENT, Role.COUNCIL_SECRETARY, Role.UNIT_OFFICER
)

# Campaigns: the province drafts and launches its own; a unit officer their unit's own movements
# (phong trào hưởng ứng), checked per campaign in api/campaigns.
CAMPAIGN_WRITER = require(Role.PROVINCE_ADMIN, Role.UNIT_OFFICER)

Admin = Annotated[Principal, Depends(ADMIN)]
CampaignWriter = Annotated[Principal, Depends(CAMPAIGN_WRITER)]
Reader = Annotated[Principal, Depends(READER)]
PeopleReader = Annotated[Principal, Depends(PEOPLE_READER)]


# State changes and their events, in the request's transaction (see servicekit.idempotency).
Uow = RequestUnitOfWork


ReadCon = ReadConnection


def runtime_of(request: Request) -> Runtime:
    runtime = getattr(request.app.state, "registry", None)
    if runtime is None:  # an app not built by services.registry.app.create: the defaults
        runtime = request.app.state.registry = Runtime(RegistryConfig())
    assert isinstance(runtime, Runtime)
    return runtime


def config_of(request: Request) -> RegistryConfig:
    return runtime_of(request).config


Config = Annotated[RegistryConfig, Depends(on_loop(config_of))]


def today(request: Request) -> date:
    return runtime_of(request).today()


Today = Annotated[date, Depends(on_loop(today))]

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Cursor = Annotated[
    str | None, Query(max_length=2000, description="`next_cursor` of the previous page")
]

T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: str | None = None
    """Pass as `cursor` to get the next page; absent on the last page."""


def own_unit_only(p: Principal, unit_id: object, what: str = "this unit") -> None:
    if is_officer_only(p) and str(unit_id) != p.unit_id:
        raise forbidden(
            Msg("a unit officer reads only their own unit's records, not {what}", what=what)
        )


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token (problem details)"},
    403: {"description": "The caller's role or unit does not allow this (problem details)"},
    404: {"description": "Not found (problem details)"},
    409: {"description": "Conflicts with the registry's state (problem details)"},
    413: {"description": "Body too large (problem details)"},
    422: {"description": "Invalid input: `errors` names each field and problem"},
}
