"""Redelivering: an operator sends a parked (or delivered) delivery again, or every parked one
that matches, once the cause is fixed. Each gets a fresh round of attempts; the receiver sees
the same event id (`Idempotency-Key`) as before. Deliveries of a deleted subscription stay
parked."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID

import asyncpg

from servicekit.errors import Conflict, NotFound
from services.notify.domain import delivery as dm
from services.notify.runtime import NotifyRuntime
from services.notify.store import deliveries as store


class SubscriptionDeleted(Conflict):
    def __init__(self) -> None:
        super().__init__("the subscription was deleted", code="subscription_deleted")


async def wake_dispatchers(rt: NotifyRuntime, con: asyncpg.Connection) -> None:
    """Deliveries became due: tell every dispatcher (at commit) and this process's at once."""
    await store.announce(con)
    rt.wake()


async def redeliver_one(rt: NotifyRuntime, con: asyncpg.Connection, delivery_id: UUID) -> None:
    """Raises NotFound, SubscriptionDeleted, or dm.InvalidTransition for a pending one."""
    row = await store.lock_for_redelivery(con, delivery_id)
    if row is None:
        raise NotFound("the delivery was not found")
    if row["subscription_deleted"]:
        raise SubscriptionDeleted()
    state = dm.Delivery(
        dm.Status(row["status"]), row["next_attempt_at"], row["attempts"], row["round_attempts"]
    )
    dm.redeliver(state, datetime.now().astimezone())
    await store.redeliver(con, delivery_id)
    await wake_dispatchers(rt, con)


async def redeliver_parked(
    rt: NotifyRuntime, con: asyncpg.Connection, selection: store.ParkedSelection
) -> list[UUID]:
    """Every parked delivery that matches and can still reach its target."""
    ids = await store.redeliver_parked(con, selection)
    if ids:
        await wake_dispatchers(rt, con)
    return ids
