"""The registry's unit of work on the request's own transaction.

`servicekit.unit_of_work.UnitOfWork` opens a transaction on a pool connection of its own. An HTTP
write must instead use the request's transaction (`servicekit.idempotency.Transaction`), so that
an Idempotency-Key's stored answer commits with the effects. `RegistryUoW` is the same contract on
that connection: `publish` turns events into CloudEvents messages now (capturing the trace
context), `flush` writes them to the outbox (`servicekit.outbox.enqueue`) — last, after the
registry's own statements, as the outbox's per-key locking expects. The API's `uow` dependency
flushes when the handler returns normally; the transaction's owner commits.
"""

from __future__ import annotations

from collections.abc import Iterable

import asyncpg

from schemas.base import Event
from schemas.envelope import Message, source_for, to_message
from servicekit import outbox

SOURCE = source_for("registry")


class RegistryUoW:
    def __init__(self, con: asyncpg.Connection, source: str = SOURCE) -> None:
        self.con = con
        self.source = source
        self._pending: list[Message] = []
        self._flushed: list[Message] = []

    def publish(self, event: Event) -> Message:
        message = to_message(event, source=self.source, trace=outbox.current_trace_context())
        self._pending.append(message)
        return message

    def publish_all(self, events: Iterable[Event]) -> None:
        for e in events:
            self.publish(e)

    @property
    def published(self) -> list[Message]:
        return [*self._flushed, *self._pending]

    async def flush(self) -> None:
        if self._pending:
            batch, self._pending = self._pending, []
            await outbox.enqueue(self.con, batch)
            self._flushed.extend(batch)
