"""Events published by notify: the outcome of each delivery (notify.deliveries.v1, key
delivery_id). No addresses travel: the subscription id says who, notify alone knows where."""

from __future__ import annotations

from uuid import UUID

from pydantic import Field

from schemas.base import Event
from schemas.types import Channel, LongText


class NotificationDelivered(Event, owner="notify", key="delivery_id"):
    """A notification reached its recipient's inbox, mailbox or webhook."""

    delivery_id: UUID
    subscription_id: UUID
    channel: Channel
    event_id: UUID
    """The ce_id of the event the notification was about."""
    attempts: int = Field(ge=1)


class NotificationFailed(Event, owner="notify", key="delivery_id"):
    """Notify gave up on a delivery after its attempts."""

    delivery_id: UUID
    subscription_id: UUID
    channel: Channel
    event_id: UUID
    attempts: int = Field(ge=1)
    error: LongText | None = None
    """The last error, without secrets or addresses."""


EVENTS: tuple[type[Event], ...] = (NotificationDelivered, NotificationFailed)
