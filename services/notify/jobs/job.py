"""A claimed delivery as the dispatcher holds it (`Job`), and the dispatcher's counters: the
types the claiming loop, the sending and the recorder share."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from uuid import UUID

import asyncpg

from schemas.envelope import Envelope
from schemas.events import by_type
from services.notify.domain import delivery as dm


@dataclass(frozen=True)
class Job:
    id: UUID
    claim: UUID
    channel: str
    subscription_id: UUID
    envelope: Envelope
    trace: dict[str, str]
    subject: str | None
    text: str | None
    html: str | None
    subscription: Mapping[str, Any] | None = None
    """Webhook: the subscription's id, url, secrets, deleted_at and the database's now (None if
    the row is gone)."""
    email: str | None = None
    """Email: the recipient's current address (None if they removed it)."""


@dataclass
class DispatchStats:
    claimed: int = 0
    attempts: int = 0
    delivered: int = 0
    retried: int = 0
    parked: int = 0
    late: int = 0
    suspended: int = 0
    max_in_flight: dict[UUID, int] = field(default_factory=dict)
    """The most calls in flight at once, per subscriber."""


def envelope_of(row: asyncpg.Record) -> Envelope:
    cls = by_type(row["type"])
    return Envelope(
        id=row["event_id"],
        source=row["source"],
        type=row["type"],
        time=row["time"],
        subject=row["subject"],
        dataschema=row["dataschema"],
        data=cls.from_json(row["payload"]),
    )


# What sending a webhook reads of its subscription (`Job.subscription`, with "id").
_SUBSCRIPTION_FIELDS = (
    "url", "secret", "previous_secret", "previous_secret_until", "deleted_at", "now",
)  # fmt: skip


def job_of(row: asyncpg.Record, claim: UUID) -> Job:
    """A claimed delivery as `store.claims.claim` returns it."""
    subscription = None
    if row["s_id"] is not None:
        subscription = {"id": row["s_id"]} | {k: row[k] for k in _SUBSCRIPTION_FIELDS}
    return Job(
        id=row["id"],
        claim=claim,
        channel=row["channel"],
        subscription_id=row["subscription_id"],
        envelope=envelope_of(row),
        trace=_json(row["trace"]),
        subject=row["mail_subject"],
        text=row["text_body"],
        html=row["html_body"],
        subscription=subscription,
        email=row["email"],
    )


def _json(value: Any) -> dict[str, str]:
    if isinstance(value, str):
        value = json.loads(value)
    return dict(value or {})


@dataclass(frozen=True)
class Ended:
    """One attempt, as it ended: what the recorder needs."""

    job: Job
    attempt_id: int
    """Its row, written when it began."""
    outcome: dm.Outcome
    trace: dict[str, str]
    """The attempt span's context: the outcome event continues it."""
