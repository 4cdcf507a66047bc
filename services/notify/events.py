"""From the end of a delivery to the event notify publishes about it (schemas/notify.py):
NotificationDelivered when it went out, NotificationFailed when it was parked."""

from __future__ import annotations

from uuid import UUID

from schemas.notify import NotificationDelivered, NotificationFailed
from services.notify.domain import delivery as dm

MAX_ERROR = 4000


def outcome(
    after: dm.Delivery, *, delivery_id: UUID, subscription_id: UUID, channel: str, event_id: UUID
) -> NotificationDelivered | NotificationFailed | None:
    """The event for a delivery's new state, None while it is still pending (a retry)."""
    if after.status is dm.Status.DELIVERED:
        return NotificationDelivered(
            delivery_id=delivery_id,
            subscription_id=subscription_id,
            channel=channel,
            event_id=event_id,
            attempts=after.attempts,
        )
    if after.status is dm.Status.PARKED:
        return NotificationFailed(
            delivery_id=delivery_id,
            subscription_id=subscription_id,
            channel=channel,
            event_id=event_id,
            attempts=after.attempts,
            error=(after.last_error or "failed")[:MAX_ERROR],
        )
    return None
