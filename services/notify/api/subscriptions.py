"""Webhook subscriptions of integration clients (other government systems): register, list,
change, delete, rotate the secret, resume. A client sees and changes only its own (another
client's answers 404); operators see all and may resume a suspended one. A request with an
`Idempotency-Key` must bring its own secret: its answer is kept for replays, and a generated
secret must not be. Secrets, URLs and suspension: services/notify/README.md.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field, field_validator

from schemas.events import ALL_EVENTS
from servicekit.audit import audit_object
from servicekit.auth import Principal, Role
from servicekit.idempotency import Transaction
from servicekit.messages import Msg
from servicekit.problems import Problem
from servicekit.text import In
from services.notify.adapters.secrets import secret_problem
from services.notify.api.common import (
    PROBLEMS,
    Client,
    ClientOrOperator,
    Cursor,
    Limit,
    Page,
    ReadCon,
    client_of,
    invalid,
    not_found,
)
from services.notify.api.deliveries import DeliveryOut, delivery_out
from services.notify.commands import subscriptions as commands
from services.notify.config import NAME
from services.notify.domain.filters import SubscriptionFilter
from services.notify.domain.ssrf import MAX_URL_LENGTH, UnsafeUrl
from services.notify.runtime import runtime_of
from services.notify.store import deliveries
from services.notify.store import subscriptions as store

Secret = Annotated[
    str | None,
    Field(
        default=None,
        description="Your secret for the signatures (24 to 256 visible ASCII characters). "
        "Leave it out and notify generates one, shown in this answer only.",
    ),
]


_OWN_TYPES = frozenset(
    name for cls in ALL_EVENTS if cls.owner == NAME for name in (cls.ce_type(), cls.event_name)
)


def _own_events_refused(f: SubscriptionFilter) -> SubscriptionFilter:
    for i, t in enumerate(f.event_types):
        if t in _OWN_TYPES:
            raise ValueError(
                Msg(
                    "entry {i} ({event_type!r}) is one of notify's own events, which are not"
                    " delivered to webhooks (read them from Kafka)",
                    i=i,
                    event_type=t,
                )
            )
    return f


class SubscriptionIn(In):
    url: str = Field(max_length=MAX_URL_LENGTH, description="http or https URL to POST to")
    filter: SubscriptionFilter = Field(default_factory=SubscriptionFilter)
    description: str | None = Field(default=None, max_length=500)
    secret: Secret = None

    _filter = field_validator("filter")(_own_events_refused)

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None and (problem := secret_problem(value)):
            raise ValueError(problem)
        return value


class SubscriptionPatch(In):
    url: str | None = Field(default=None, max_length=MAX_URL_LENGTH)
    filter: SubscriptionFilter | None = None
    description: str | None = Field(default=None, max_length=500)

    @field_validator("filter")
    @classmethod
    def _filter(cls, value: SubscriptionFilter | None) -> SubscriptionFilter | None:
        return None if value is None else _own_events_refused(value)


class RotateIn(In):
    secret: Secret = None

    @field_validator("secret")
    @classmethod
    def _secret(cls, value: str | None) -> str | None:
        if value is not None and (problem := secret_problem(value)):
            raise ValueError(problem)
        return value


class SubscriptionOut(BaseModel):
    id: UUID
    client_id: str
    url: str
    filter: SubscriptionFilter
    description: str | None
    status: Literal["active", "suspended"]
    suspended_at: datetime | None
    suspended_reason: str | None
    consecutive_failures: int
    secret_rotated_at: datetime | None
    previous_secret_valid_until: datetime | None
    created_at: datetime
    updated_at: datetime


class SubscriptionCreated(SubscriptionOut):
    secret: str | None = Field(
        description="The generated secret, shown this once; none when you chose it."
    )


class Rotated(BaseModel):
    id: UUID
    secret: str | None = Field(description="The generated secret, shown this once.")
    previous_secret_valid_until: datetime
    """Until then deliveries carry a signature with the previous secret too."""


def subscription_out(r: asyncpg.Record) -> SubscriptionOut:
    grace = r["previous_secret_until"]
    return SubscriptionOut(
        id=r["id"],
        client_id=r["client_id"],
        url=r["url"],
        filter=SubscriptionFilter.model_validate_json(r["filter"]),
        description=r["description"],
        status="suspended" if r["suspended_at"] else "active",
        suspended_at=r["suspended_at"],
        suspended_reason=r["suspended_reason"],
        consecutive_failures=r["consecutive_failures"],
        secret_rotated_at=r["secret_rotated_at"],
        previous_secret_valid_until=grace if grace and grace > r["now"] else None,
        created_at=r["created_at"],
        updated_at=r["updated_at"],
    )


router = APIRouter(prefix="/subscriptions", tags=["subscriptions"], responses=PROBLEMS)


def _unsafe(e: UnsafeUrl) -> Problem:
    return invalid("#/url", str(e), e.code)


async def _find(
    con: asyncpg.Connection, p: Principal, subscription_id: UUID, *, lock: bool = False
) -> asyncpg.Record:
    """The subscription if the caller may see it: its owner, or an operator."""
    row = await store.find(con, subscription_id, lock=lock)
    if row is None or not (
        (p.has_role(Role.INTEGRATION_CLIENT) and row["client_id"] == client_of(p))
        or p.has_role(Role.OPERATOR)
    ):
        raise not_found("the subscription")
    return row


def _owned(row: asyncpg.Record, p: Principal) -> None:
    """Changing a subscription is for its owner only (operators may resume, nothing else)."""
    if not (p.has_role(Role.INTEGRATION_CLIENT) and row["client_id"] == client_of(p)):
        raise not_found("the subscription")


@router.post("", status_code=201, summary="Register a webhook")
async def create_subscription(
    body: SubscriptionIn, p: Client, tx: Transaction, request: Request
) -> SubscriptionCreated:
    if body.secret is None and request.headers.get("idempotency-key"):
        raise invalid(
            "#/secret",
            "a request with an Idempotency-Key must bring its own secret: its answer is kept "
            "for replays, and a generated secret must not be",
            "missing",
        )
    try:
        row, secret = await commands.create(
            runtime_of(request),
            tx,
            client_id=client_of(p),
            url=body.url,
            filter=body.filter,
            description=body.description,
            secret=body.secret,
        )
    except UnsafeUrl as e:
        raise _unsafe(e) from None
    audit_object(request, f"subscription:{row['id']}")
    out = subscription_out(row)
    return SubscriptionCreated(
        **out.model_dump(), secret=None if body.secret is not None else secret
    )


class SubscriptionPage(BaseModel):
    items: list[SubscriptionOut]
    next_cursor: str | None = None


@router.get("", summary="Your subscriptions (an operator: everyone's)")
async def list_subscriptions(
    p: ClientOrOperator,
    con: ReadCon,
    client_id: Annotated[str | None, Query(max_length=200, description="Operators")] = None,
    status: Literal["active", "suspended"] | None = None,
    limit: Limit = 100,
    cursor: Annotated[str | None, Query(max_length=100)] = None,
) -> SubscriptionPage:
    if not p.has_role(Role.OPERATOR):
        client_id = client_of(p)
    rows = await store.page(
        con, client_id=client_id, status=status, after=_cursor(cursor), limit=limit
    )
    last = rows[-1] if len(rows) == limit else None
    return SubscriptionPage(
        items=[subscription_out(r) for r in rows],
        next_cursor=f"{last['created_at'].isoformat()}_{last['id']}" if last else None,
    )


def _cursor(text: str | None) -> tuple[datetime, UUID] | None:
    if not text:
        return None
    try:
        at, _, sid = text.rpartition("_")
        return datetime.fromisoformat(at), UUID(sid)
    except ValueError:
        raise Problem(
            422, "Invalid request", "cursor: not a cursor this API gave", type="validation"
        ) from None


@router.get("/{subscription_id}", summary="One subscription")
async def get_subscription(
    subscription_id: UUID, p: ClientOrOperator, con: ReadCon
) -> SubscriptionOut:
    return subscription_out(await _find(con, p, subscription_id))


@router.patch("/{subscription_id}", summary="Change the URL, filter or description")
async def patch_subscription(
    subscription_id: UUID, body: SubscriptionPatch, p: Client, tx: Transaction, request: Request
) -> SubscriptionOut:
    row = await _find(tx, p, subscription_id, lock=True)
    _owned(row, p)
    try:
        row = await commands.change(
            runtime_of(request),
            tx,
            row,
            url=body.url,
            filter=body.filter,
            description=body.description,
            description_given="description" in body.model_fields_set,
        )
    except UnsafeUrl as e:
        raise _unsafe(e) from None
    return subscription_out(row)


@router.delete("/{subscription_id}", status_code=204, summary="Delete a subscription")
async def delete_subscription(subscription_id: UUID, p: Client, tx: Transaction) -> Response:
    _owned(await _find(tx, p, subscription_id, lock=True), p)
    await commands.delete(tx, subscription_id)
    return Response(status_code=204)


@router.post("/{subscription_id}/secret", summary="Rotate the secret")
async def rotate_secret(
    subscription_id: UUID,
    p: Client,
    tx: Transaction,
    request: Request,
    body: RotateIn | None = None,
) -> Rotated:
    body = body or RotateIn()
    if body.secret is None and request.headers.get("idempotency-key"):
        raise invalid("#/secret", "a request with an Idempotency-Key must bring its own secret",
                      "missing")  # fmt: skip
    _owned(await _find(tx, p, subscription_id, lock=True), p)
    secret, until = await commands.rotate_secret(
        runtime_of(request), tx, subscription_id, body.secret
    )
    return Rotated(
        id=subscription_id,
        secret=None if body.secret is not None else secret,
        previous_secret_valid_until=until,
    )


@router.post("/{subscription_id}/resume", summary="Resume a suspended subscription")
async def resume_subscription(
    subscription_id: UUID, p: ClientOrOperator, tx: Transaction, request: Request
) -> SubscriptionOut:
    await _find(tx, p, subscription_id, lock=True)
    return subscription_out(await commands.resume(runtime_of(request), tx, subscription_id))


@router.get("/{subscription_id}/deliveries", summary="Deliveries to a subscription, newest first")
async def subscription_deliveries(
    subscription_id: UUID,
    p: ClientOrOperator,
    con: ReadCon,
    status: Literal["pending", "delivered", "parked"] | None = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryOut]:
    await _find(con, p, subscription_id)
    rows = await deliveries.page(
        con, subscription_id=subscription_id, status=status, limit=limit, cursor=cursor
    )
    return Page[DeliveryOut](
        items=[delivery_out(r) for r in rows],
        next_cursor=rows[-1]["seq"] if len(rows) == limit else None,
    )
