"""Stage one: what the consumer does with each batch of events, in the batch's transaction: the
read model learns the events, every person or unit they concern gets an inbox item (and an email
delivery when they have an address), every matching webhook subscription a delivery. Nothing
is sent here; services/notify/README.md ("Two stages") says what holds once and what repeats.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from schemas.catalog import topic_for
from schemas.envelope import Envelope
from servicekit import outbox
from servicekit.consumer import Consumer, continue_trace
from servicekit.db import combined
from servicekit.unit_of_work import UnitOfWork
from services.notify.domain.filters import SubscriptionFilter, matches
from services.notify.domain.messages import Rendered, render
from services.notify.domain.recipients import Recipient, recipients
from services.notify.runtime import NotifyRuntime
from services.notify.store import contacts, deliveries, inbox
from services.notify.store import directory as directory_store


@dataclass(frozen=True)
class LiveSubscription:
    id: UUID
    filter: SubscriptionFilter
    created_at: datetime


@dataclass(frozen=True)
class _EmailWanted:
    envelope: Envelope
    recipient: Recipient
    message: Rendered
    trace: dict[str, str]


def subscriber(runtime: NotifyRuntime) -> Callable[[Consumer], None]:
    """The `subscribe` of build_app: one batch handler on every consumed topic."""

    async def on_batch(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
        await take_in(uow.con, envelopes, runtime)

    def subscribe(consumer: Consumer) -> None:
        for topic in runtime.settings.consumed():
            consumer.batch_handler(topic)(on_batch)

    return subscribe


async def take_in(
    con: asyncpg.Connection, envelopes: list[Envelope], runtime: NotifyRuntime
) -> None:
    # One statement reads what the batch needs, one writes what it made (and the consumer's
    # inbox row before): round trips are most of the batch's cost at a few events per batch.
    directory, live = await directory_store.snapshot(con, [e.data for e in envelopes])
    before = directory_store.Baseline.of(directory)
    subscriptions = [
        LiveSubscription(
            r["id"], SubscriptionFilter.model_validate_json(r["text"]), r["created_at"]
        )
        for r in live
    ]
    inbox_rows: list[tuple[Any, ...]] = []
    emails: list[_EmailWanted] = []
    webhooks: list[tuple[Envelope, UUID, dict[str, str]]] = []
    for envelope in envelopes:
        with continue_trace(
            envelope,
            topic=topic_for(type(envelope.data)).name,
            group=runtime.settings.consumer_group or runtime.settings.service,
        ):
            directory.learn(envelope.data)
            trace = outbox.current_trace_context()
            for r in recipients(envelope, directory):
                message = render(envelope, recipient=r, directory=directory)
                item = (uuid4(), r.kind, str(r.id), envelope.id, envelope.type, r.why)
                inbox_rows.append((*item, message.title, message.body, envelope.time))
                if runtime.smtp is not None:
                    emails.append(_EmailWanted(envelope, r, message, trace))
            for s in subscriptions:
                if envelope.time >= s.created_at and matches(s.filter, envelope, directory):
                    webhooks.append((envelope, s.id, trace))
    writes = directory_store.changes(before, directory)
    if inbox_rows:
        writes.append(inbox.add_items(inbox_rows))
    rows = await _email_deliveries(con, emails)
    rows += [
        (uuid4(), e.id, e.type, "webhook", sub, None, None, None, None, None, None, json.dumps(t))
        for e, sub, t in webhooks
    ]
    if rows:
        about = {d[1] for d in rows}
        events = [
            (e.id, e.type, e.source, e.subject, e.time, e.dataschema, e.data.to_json().decode())
            for e in {e.id: e for e in envelopes}.values()
            if e.id in about
        ]
        writes.append(deliveries.add(events, rows))
    if writes:
        sql, args = combined(writes)
        await con.execute(sql, *args)


async def _email_deliveries(
    con: asyncpg.Connection, wanted: list[_EmailWanted]
) -> list[tuple[Any, ...]]:
    if not wanted:
        return []
    found = await contacts.of_recipients(con, {(w.recipient.kind, w.recipient.id) for w in wanted})
    out = []
    for w in wanted:
        c = found.get((w.recipient.kind, w.recipient.id))
        if c is None or w.envelope.time < c["created_at"]:
            continue
        head = (uuid4(), w.envelope.id, w.envelope.type, "email", c["id"])
        who = (w.recipient.kind, w.recipient.id, w.recipient.why)
        message = (w.message.subject, w.message.text, w.message.html)
        out.append((*head, *who, *message, json.dumps(w.trace)))
    return out
