"""Every event class, and the lookup from a CloudEvents type to its class."""

from __future__ import annotations

from schemas import awards, notify, progress, registry
from schemas.base import Event

ALL_EVENTS: tuple[type[Event], ...] = (
    registry.EVENTS + progress.EVENTS + awards.EVENTS + notify.EVENTS
)

_BY_TYPE: dict[str, type[Event]] = {cls.ce_type(): cls for cls in ALL_EVENTS}
assert len(_BY_TYPE) == len(ALL_EVENTS), "two event classes share a CloudEvents type"


def by_type(ce_type: str) -> type[Event]:
    """The event class of a CloudEvents type; KeyError if the type is not in the catalog."""
    try:
        return _BY_TYPE[ce_type]
    except KeyError:
        raise KeyError(f"unknown event type {ce_type!r}") from None
