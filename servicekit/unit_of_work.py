"""One database transaction and the events it publishes: the only way a service emits events.

`async with UnitOfWork(pool, source=...) as uow:` then `uow.con` for SQL and `uow.publish(event)`;
the events reach the outbox at commit, or nothing does: docs/architecture.md, "Publishing".
"""

from __future__ import annotations

import contextlib
import dataclasses
from collections.abc import Iterable, Mapping
from datetime import datetime
from types import TracebackType
from typing import Literal, Self
from uuid import UUID

import asyncpg
from asyncpg.pool import PoolConnectionProxy

from schemas.base import Event
from schemas.envelope import Message, to_message
from servicekit import outbox
from servicekit.db import Statement, as_connection

Isolation = Literal["read_committed", "read_uncommitted", "repeatable_read", "serializable"]


class UnitOfWork:
    """`async with UnitOfWork(pool, source=...) as uow:` — see docs/architecture.md, "Publishing".

    `source` (the publishing service, the CloudEvents `ce_source`) is needed to publish events;
    ready-made `Message`s can be published without it. `isolation` is passed to asyncpg
    ("read_committed", "repeatable_read" or "serializable").

    `UnitOfWork(connection=con, ...)` joins a transaction someone else owns (an HTTP request's,
    see `servicekit.idempotency`): the unit of work is a savepoint on that connection (none with
    `savepoint=False`, when the owner rolls back whatever fails), its events go to the outbox when
    it ends, and they commit when the owner commits.

    `also(sql, args)`: a write sent with the outbox rows at commit, in their statement
    (`db.with_riders`): the request's audit row costs no round trip of its own."""

    def __init__(
        self,
        pool: asyncpg.Pool | None = None,
        *,
        connection: asyncpg.Connection | None = None,
        source: str | None = None,
        isolation: Isolation = "read_committed",
        timeout: float | None = 30.0,
        topic_map: Mapping[str, str] | None = None,
        savepoint: bool = True,
    ) -> None:
        if (pool is None) == (connection is None):
            raise ValueError("give either a pool or a connection")
        self._pool = pool
        self._joined = connection
        self.source = source
        # a savepoint takes the isolation of the transaction it is in
        self._isolation = None if connection is not None else isolation
        self._timeout = timeout
        self._topic_map = dict(topic_map or {})
        self._con: asyncpg.Connection | None = None
        self._lease: PoolConnectionProxy | None = None  # what goes back to the pool
        self._tx: asyncpg.transaction.Transaction | None = None
        self._pending: list[Message] = []
        self._published: list[Message] = []
        self._riders: list[Statement] = []
        self._savepoint = savepoint or connection is None

    @property
    def con(self) -> asyncpg.Connection:
        if self._con is None:
            raise RuntimeError("the unit of work is not open: use `async with UnitOfWork(...)`")
        return self._con

    @property
    def published(self) -> list[Message]:
        """Every message published in this unit of work so far (flushed or not)."""
        return [*self._published, *self._pending]

    async def __aenter__(self) -> Self:
        if self._con is not None:
            raise RuntimeError("a unit of work is entered once")
        con = await self._connect()
        tx = None
        if self._savepoint:
            try:
                tx = con.transaction(isolation=self._isolation)
                await tx.start()
            except BaseException:
                await self._release()
                raise
        self._con, self._tx = con, tx
        return self

    async def _connect(self) -> asyncpg.Connection:
        if self._joined is not None:
            return self._joined
        if self._pool is None:  # __init__ takes exactly one of the two
            raise RuntimeError("a unit of work needs a pool or a connection")
        self._lease = await self._pool.acquire(timeout=self._timeout)
        return as_connection(self._lease)

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._con is not None, "__aexit__ without __aenter__"
        tx = self._tx
        try:
            if exc_type is None:
                try:
                    await self._flush(self._riders)
                    if tx is not None:
                        await tx.commit()
                except BaseException:
                    if tx is not None:
                        await _rollback_quietly(tx)
                    raise
            elif tx is not None:
                await _rollback_quietly(tx)
        finally:
            self._pending.clear()
            self._riders.clear()
            await self._release()

    async def _release(self) -> None:
        lease, self._lease = self._lease, None
        if lease is not None and self._pool is not None:
            await self._pool.release(lease)

    async def publish(
        self,
        item: Event | Message,
        *,
        event_id: UUID | None = None,
        time: datetime | None = None,
        trace: Mapping[str, str] | None = None,
    ) -> Message:
        """Add an event (or a ready `Message`) to this transaction's outbox. Returns the message,
        whose `event_id` is the CloudEvents id. `trace` defaults to the current trace context."""
        self.con  # noqa: B018 - raises when not open
        carrier = dict(outbox.current_trace_context() if trace is None else trace)
        if isinstance(item, Message):
            message = outbox.with_trace_context(item, carrier)
        elif isinstance(item, Event):
            if not self.source:
                raise ValueError("UnitOfWork(source=...) is needed to publish events")
            message = to_message(
                item, source=self.source, event_id=event_id, time=time, trace=carrier
            )
            routed = self._topic_map.get(message.topic)
            if routed is not None:
                message = dataclasses.replace(message, topic=routed)
        else:
            raise TypeError(f"publish takes an Event or a Message, not {type(item).__name__}")
        self._pending.append(message)
        return message

    async def publish_all(self, items: Iterable[Event | Message]) -> None:
        for item in items:
            await self.publish(item)

    def also(self, statement: Statement) -> None:
        """Run `statement` (a write) at commit, in the outbox's statement (see the class)."""
        self._riders.append(statement)

    async def flush(self) -> None:
        """Write the messages published so far to the outbox now (normally done at commit)."""
        await self._flush(())

    async def _flush(self, riders: list[Statement] | tuple[()]) -> None:
        batch, self._pending = self._pending, []
        if batch or riders:
            await outbox.enqueue(self.con, batch, riders)
            self._published.extend(batch)


async def _rollback_quietly(tx: asyncpg.transaction.Transaction) -> None:
    # the connection may be gone: the server rolls back on its own then
    with contextlib.suppress(Exception):
        await tx.rollback()
