"""Delivery history and redelivery, for operators.

Every email and webhook call is a delivery with its attempts. A delivery that ran out of
attempts (or met a final refusal) is parked: it stays here, with its last error, and
NotificationFailed was published. Redelivering is `commands/deliveries.py`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from servicekit.audit import audit_object
from servicekit.errors import NotFound
from servicekit.idempotency import Transaction
from servicekit.problems import Problem
from servicekit.text import In
from services.notify.api.common import (
    PROBLEMS,
    Cursor,
    Limit,
    Operator,
    Page,
    ReadCon,
    not_found,
)
from services.notify.commands import deliveries as commands
from services.notify.domain import delivery as dm
from services.notify.runtime import runtime_of
from services.notify.store import deliveries as store

StatusName = Literal["pending", "delivered", "parked"]
ChannelName = Literal["email", "webhook"]


class DeliveryOut(BaseModel):
    id: UUID
    event_id: UUID
    event_type: str
    channel: ChannelName
    subscription_id: UUID
    """The webhook subscription, or the contact (email address) of the recipient."""
    recipient_kind: str | None
    recipient_id: UUID | None
    status: StatusName
    attempts: int
    round_attempts: int
    """Attempts since creation or the last redelivery: the budget counts these."""
    next_attempt_at: datetime | None
    last_status: int | None
    last_error: str | None
    in_flight: bool
    created_at: datetime
    updated_at: datetime
    delivered_at: datetime | None
    parked_at: datetime | None


class AttemptOut(BaseModel):
    number: int
    started_at: datetime
    duration_ms: int | None
    """None while it is being sent, or when it was interrupted."""
    status: int | None
    error: str | None
    result: Literal["sending", "delivered", "retry", "parked", "late", "interrupted"]
    """'sending': recorded before its request went out, no outcome yet. 'interrupted': notify
    (or its database) stopped before the outcome was recorded; the receiver may have had it,
    and the next attempt sends it again. 'late': ended after its delivery had left its hands."""


class DeliveryDetail(DeliveryOut):
    attempt_log: list[AttemptOut]


class RedeliverIn(In):
    """Which parked deliveries to send again; every given field must match. Empty: all."""

    subscription_id: UUID | None = None
    channel: ChannelName | None = None
    event_id: UUID | None = None
    parked_after: datetime | None = None
    parked_before: datetime | None = None
    limit: int = Field(default=10_000, ge=1, le=100_000)


class Redelivered(BaseModel):
    redelivered: int
    delivery_ids: list[UUID]


def delivery_out(r: asyncpg.Record) -> DeliveryOut:
    return DeliveryOut(**{k: r[k] for k in DeliveryOut.model_fields})


router = APIRouter(prefix="/deliveries", tags=["deliveries"], responses=PROBLEMS)


@router.get("", summary="Deliveries, newest first")
async def get_deliveries(
    p: Operator,
    con: ReadCon,
    status: StatusName | None = None,
    channel: ChannelName | None = None,
    subscription_id: UUID | None = None,
    event_id: Annotated[UUID | None, Query(description="The event notified about")] = None,
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[DeliveryOut]:
    rows = await store.page(
        con,
        subscription_id=subscription_id,
        status=status,
        channel=channel,
        event_id=event_id,
        limit=limit,
        cursor=cursor,
    )
    return Page[DeliveryOut](
        items=[delivery_out(r) for r in rows],
        next_cursor=rows[-1]["seq"] if len(rows) == limit else None,
    )


async def _detail(con: asyncpg.Connection, delivery_id: UUID) -> DeliveryDetail:
    row = await store.find(con, delivery_id)
    if row is None:
        raise not_found("the delivery")
    attempts = await store.attempts(con, delivery_id)
    return DeliveryDetail(
        **delivery_out(row).model_dump(),
        attempt_log=[AttemptOut(**dict(a)) for a in attempts],
    )


@router.get("/{delivery_id}", summary="One delivery and its attempts")
async def get_delivery(delivery_id: UUID, p: Operator, con: ReadCon) -> DeliveryDetail:
    return await _detail(con, delivery_id)


@router.post("/{delivery_id}/redeliver", summary="Send a parked (or delivered) one again")
async def redeliver_one(
    delivery_id: UUID, p: Operator, tx: Transaction, request: Request
) -> DeliveryDetail:
    try:
        await commands.redeliver_one(runtime_of(request), tx, delivery_id)
    except NotFound:
        raise not_found("the delivery") from None
    except commands.SubscriptionDeleted as e:
        raise Problem(409, "Conflict", str(e), type="subscription-deleted") from None
    except dm.InvalidTransition as e:
        raise Problem(409, "Conflict", str(e), type="delivery-pending") from None
    audit_object(request, f"delivery:{delivery_id}")
    return await _detail(tx, delivery_id)


@router.post("/redeliver", summary="Send every parked delivery that matches again")
async def redeliver_parked(
    body: RedeliverIn, p: Operator, tx: Transaction, request: Request
) -> Redelivered:
    selection = store.ParkedSelection(**body.model_dump())
    ids = await commands.redeliver_parked(runtime_of(request), tx, selection)
    return Redelivered(redelivered=len(ids), delivery_ids=ids)
