"""Delivery history and redelivery, for operators.

Every email and webhook call is a delivery with its attempts. A delivery that ran out of
attempts (or met a final refusal) is parked: it stays here, with its last error, and
NotificationFailed was published. An operator redelivers one, or all that match a selection,
once the cause is fixed: each gets a fresh round of attempts. The receiver sees the same
event id (`Idempotency-Key`) as before, so a redelivery of something it already had is
recognisable. Deliveries of a deleted subscription cannot be redelivered.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Query, Request
from pydantic import BaseModel, Field

from servicekit.audit import audit_object
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
    wake_dispatchers,
)
from services.notify.domain import delivery as dm

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


_COLUMNS = (
    "d.seq, d.id, d.event_id, d.event_type, d.channel, d.subscription_id, d.recipient_kind,"
    " d.recipient_id, d.status, d.attempts, d.round_attempts, d.next_attempt_at, d.last_status,"
    " d.last_error, (d.claimed_until > now()) IS TRUE AS in_flight, d.created_at, d.updated_at,"
    " d.delivered_at, d.parked_at"
)


def delivery_out(r: asyncpg.Record) -> DeliveryOut:
    return DeliveryOut(**{k: r[k] for k in DeliveryOut.model_fields})


async def list_deliveries(
    con: asyncpg.Connection,
    *,
    subscription_id: UUID | None = None,
    status: str | None = None,
    channel: str | None = None,
    event_id: UUID | None = None,
    limit: int = 50,
    cursor: int | None = None,
) -> list[asyncpg.Record]:
    return await con.fetch(
        f"SELECT {_COLUMNS} FROM deliveries d"
        " WHERE ($1::uuid IS NULL OR d.subscription_id = $1)"
        " AND ($2::text IS NULL OR d.status = $2) AND ($3::text IS NULL OR d.channel = $3)"
        " AND ($4::uuid IS NULL OR d.event_id = $4) AND ($5::bigint IS NULL OR d.seq < $5)"
        " ORDER BY d.seq DESC LIMIT $6",
        subscription_id,
        status,
        channel,
        event_id,
        cursor,
        limit,
    )


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
    rows = await list_deliveries(
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
    row = await con.fetchrow(f"SELECT {_COLUMNS} FROM deliveries d WHERE d.id = $1", delivery_id)
    if row is None:
        raise not_found("the delivery")
    attempts = await con.fetch(
        "SELECT number, started_at, duration_ms, status, error, result FROM delivery_attempts"
        " WHERE delivery_id = $1 ORDER BY id",
        delivery_id,
    )
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
    row = await tx.fetchrow(
        "SELECT d.status, d.next_attempt_at, d.attempts, d.round_attempts, d.channel,"
        " s.deleted_at IS NOT NULL AS subscription_deleted FROM deliveries d"
        " LEFT JOIN webhook_subscriptions s ON d.channel = 'webhook' AND s.id = d.subscription_id"
        " WHERE d.id = $1 FOR UPDATE OF d",
        delivery_id,
    )
    if row is None:
        raise not_found("the delivery")
    if row["subscription_deleted"]:
        raise Problem(409, "Conflict", "the subscription was deleted", type="subscription-deleted")
    try:
        state = dm.Delivery(
            dm.Status(row["status"]), row["next_attempt_at"], row["attempts"], row["round_attempts"]
        )
        dm.redeliver(state, datetime.now().astimezone())
    except dm.InvalidTransition as e:
        raise Problem(409, "Conflict", str(e), type="delivery-pending") from None
    await tx.execute(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = now(), round_attempts = 0,"
        " parked_at = NULL, updated_at = now(), claim = NULL, claimed_until = NULL"
        " WHERE id = $1",
        delivery_id,
    )
    audit_object(request, f"delivery:{delivery_id}")
    await wake_dispatchers(tx, request)
    return await _detail(tx, delivery_id)


@router.post("/redeliver", summary="Send every parked delivery that matches again")
async def redeliver_parked(
    body: RedeliverIn, p: Operator, tx: Transaction, request: Request
) -> Redelivered:
    rows = await tx.fetch(
        "UPDATE deliveries SET status = 'pending', next_attempt_at = now(), round_attempts = 0,"
        " parked_at = NULL, updated_at = now(), claim = NULL, claimed_until = NULL"
        " WHERE id IN ("
        "  SELECT d.id FROM deliveries d"
        "  LEFT JOIN webhook_subscriptions s"
        "    ON d.channel = 'webhook' AND s.id = d.subscription_id"
        "  LEFT JOIN contacts c ON d.channel = 'email' AND c.id = d.subscription_id"
        "  WHERE d.status = 'parked'"
        "    AND (d.channel <> 'webhook' OR s.deleted_at IS NULL)"
        "    AND (d.channel <> 'email' OR c.id IS NOT NULL)"
        "    AND ($1::uuid IS NULL OR d.subscription_id = $1)"
        "    AND ($2::text IS NULL OR d.channel = $2)"
        "    AND ($3::uuid IS NULL OR d.event_id = $3)"
        "    AND ($4::timestamptz IS NULL OR d.parked_at >= $4)"
        "    AND ($5::timestamptz IS NULL OR d.parked_at < $5)"
        "  ORDER BY d.seq LIMIT $6 FOR UPDATE OF d SKIP LOCKED)"
        " RETURNING id",
        body.subscription_id,
        body.channel,
        body.event_id,
        body.parked_after,
        body.parked_before,
        body.limit,
    )
    if rows:
        await wake_dispatchers(tx, request)
    return Redelivered(redelivered=len(rows), delivery_ids=[r["id"] for r in rows])
