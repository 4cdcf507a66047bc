"""What notify's routers share: who may act for whom (a person by the `sub` of their token, a unit
by its `unit_officer` or its Front `supervisor`, an integration client by its `client_id`,
operators, province administrators: the table in services/notify/README.md), a read
connection, pagination, problems.
"""

from __future__ import annotations

from typing import Annotated, Any, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel

from servicekit.auth import Principal, Role, authenticated, forbidden, require
from servicekit.http import ReadConnection
from servicekit.messages import Msg
from servicekit.problems import Problem

Caller = Annotated[Principal, Depends(authenticated())]
# Marking one's own inbox read changes no record of the platform: a read-only token (a
# supervisor) may do it.
InboxOwner = Annotated[Principal, Depends(authenticated(read_only=True))]


async def _subscriber(p: Principal = Depends(require(Role.INTEGRATION_CLIENT))) -> Principal:
    """An integration client managing its subscriptions: a scoped token needs `subscriptions`."""
    if not p.may_manage_subscriptions():
        raise forbidden("this client's token does not hold the 'subscriptions' scope")
    return p


Client = Annotated[Principal, Depends(_subscriber)]
Operator = Annotated[Principal, Depends(require(Role.OPERATOR))]
ClientOrOperator = Annotated[Principal, Depends(require(Role.INTEGRATION_CLIENT, Role.OPERATOR))]


ReadCon = ReadConnection

Limit = Annotated[int, Query(ge=1, le=500, description="Page size")]
Cursor = Annotated[
    int | None,
    Query(ge=1, le=2**63 - 1, description="`next_cursor` of the previous page (newest first)"),
]

PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token (problem details)"},
    403: {"description": "The caller may not act for this person, unit or client"},
    404: {"description": "Not found, or not the caller's (problem details)"},
    409: {"description": "Conflicts with the current state (problem details)"},
    422: {"description": "Invalid input: `errors` names each field and problem"},
}


def client_of(p: Principal) -> str:
    """The client id that owns what an integration client creates."""
    return p.client_id or p.sub


def is_person(p: Principal, person_id: object) -> bool:
    return p.sub == str(person_id)


def is_unit_officer_of(p: Principal, unit_id: object) -> bool:
    return p.has_role(Role.UNIT_OFFICER) and p.unit_id == str(unit_id)


def is_unit_supervisor(p: Principal, unit_id: object) -> bool:
    return p.has_role(Role.SUPERVISOR) and p.unit_id == str(unit_id)


def is_client(p: Principal, client_id: str) -> bool:
    return p.has_role(Role.INTEGRATION_CLIENT) and client_of(p) == client_id


def require_that(allowed: bool, detail: str) -> None:
    if not allowed:
        raise forbidden(detail)


def not_found(what: str) -> Problem:
    return Problem(404, "Not found", Msg("{what} was not found", what=what), type="not-found")


def invalid(pointer: str, detail: str, kind: str = "value_error") -> Problem:
    """A 422 naming one body field, shaped like the validation answers of servicekit."""
    return Problem(
        422,
        "Invalid request",
        Msg("The request is invalid: {pointer}: {detail}", pointer=pointer, detail=detail),
        type="validation",
        errors=[{"in": "body", "pointer": pointer, "detail": detail, "type": kind}],
    )


T = TypeVar("T")


class Page(BaseModel, Generic[T]):
    items: list[T]
    next_cursor: int | None = None
