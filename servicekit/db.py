"""The service's asyncpg pool and its plain-SQL migrations, applied in order and recorded; and
the small database helpers the outbox, relay and consumer share (which errors mean "the database
is unreachable", stable advisory lock keys)."""

from __future__ import annotations

import hashlib
import re
import socket
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, cast

import asyncpg
from asyncpg.pool import PoolConnectionProxy

_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_ID = 0x7468_6964  # advisory lock that serialises migrations of concurrent starts


def as_connection(lent: PoolConnectionProxy | asyncpg.Connection) -> asyncpg.Connection:
    """A pool lends a proxy that forwards every `Connection` method (asyncpg's
    PoolConnectionProxyMeta); asyncpg's stubs type it apart from `Connection`, so code that takes
    a `Connection` receives a lent one through this."""
    return cast(asyncpg.Connection, lent)


async def create_pool(dsn: str, *, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(dsn, min_size=1, max_size=max_size, reset=_keep_session)


async def _keep_session(con: asyncpg.Connection) -> None:
    """A released connection is not reset with asyncpg's default query (advisory unlock, CLOSE
    ALL, UNLISTEN, RESET ALL): that is one more round trip per use, and our pool connections
    carry no session state. Their advisory locks are transaction-level (`pg_advisory_xact_lock`;
    the migrations' session lock is released in `migrate`), nothing runs SET or keeps a cursor
    outside its transaction, and LISTEN happens on connections of their own (relay,
    dispatcher). asyncpg still rolls back a transaction left open before calling this."""


Statement = tuple[str, Sequence[Any]]
"""SQL and its arguments."""

_PARAMETER = re.compile(r"\$(\d+)")


def _shifted(offset: int) -> Callable[[re.Match[str]], str]:
    return lambda m: f"${int(m.group(1)) + offset}"


def with_riders(main: Statement, riders: Sequence[Statement]) -> Statement:
    """One statement that runs `main` and, as data-modifying CTEs before it, each rider (an
    INSERT, UPDATE or DELETE): one round trip where there were 1 + len(riders). PostgreSQL runs
    every data-modifying CTE once and to completion, read or not. `main` may start with WITH."""
    sql, args = main
    ctes, every = [], list(args)
    for i, (rider, rider_args) in enumerate(riders):
        renumbered = _PARAMETER.sub(_shifted(len(every)), rider)
        ctes.append(f"rider_{i} AS ({renumbered})")
        every += rider_args
    if not ctes:
        return sql, every
    body = sql.lstrip()
    if body[:5].upper() == "WITH ":
        return f"WITH {', '.join(ctes)}, {body[5:]}", every
    return f"WITH {', '.join(ctes)} {body}", every


def columns(rows: Sequence[Sequence[Any]], width: int) -> list[list[Any]]:
    """Rows as the arrays `unnest($1::t[], $2::u[], ...)` takes, one per column: a batch of
    rows written in one statement, which PostgreSQL plans and executes once."""
    if not rows:
        return [[] for _ in range(width)]
    return [list(column) for column in zip(*rows, strict=True)]


def combined(statements: Sequence[Statement]) -> Statement:
    """One statement that runs every one of `statements` (INSERTs, UPDATEs or DELETEs; the last
    may start with WITH): the others become its riders (`with_riders`). They all see the same
    snapshot, so none may depend on another's writes."""
    *riders, main = statements
    return with_riders(main, riders)


def migration_files(*folders: Path) -> list[Path]:
    """Every `NNNN_name.sql` of the given folders, sorted by file name (the runtime's own tables,
    such as the outbox, come first because their folder is listed first)."""
    files: list[Path] = []
    for folder in folders:
        for path in sorted(folder.glob("*.sql")):
            if not _MIGRATION.match(path.name):
                raise ValueError(f"migration file {path} must be named NNNN_name.sql")
            files.append(path)
    return files


async def migrate(pool: asyncpg.Pool, *folders: Path) -> list[str]:
    """Apply the migrations not applied yet, each in its own transaction. Returns their names."""
    applied_now = []
    async with pool.acquire() as con:
        await con.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
        try:
            # under the lock: two replicas booting on an empty database would otherwise both
            # create it, and one fail on the catalog's unique index (IF NOT EXISTS is no lock)
            await con.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
            )
            done = {r["name"] for r in await con.fetch("SELECT name FROM schema_migrations")}
            for path in migration_files(*folders):
                key = f"{path.parent.name}/{path.name}"
                if key in done:
                    continue
                async with con.transaction():
                    await con.execute(path.read_text())
                    await con.execute("INSERT INTO schema_migrations (name) VALUES ($1)", key)
                applied_now.append(key)
        finally:
            await con.execute("SELECT pg_advisory_unlock($1)", _LOCK_ID)
    return applied_now


# Errors that say the database (or the way to it) is unavailable, not that a statement was wrong.
# Work that fails with one of them is retried later as it is; it never counts as a failed attempt
# of the work itself (a consumer does not dead-letter an event because PostgreSQL restarted).
CONNECTION_ERRORS: tuple[type[BaseException], ...] = (
    ConnectionError,
    socket.gaierror,
    asyncpg.PostgresConnectionError,
    asyncpg.InterfaceError,
    asyncpg.CannotConnectNowError,
    asyncpg.AdminShutdownError,
    asyncpg.CrashShutdownError,
    asyncpg.TooManyConnectionsError,
)


def is_connection_error(exc: BaseException | None) -> bool:
    """True when `exc`, or the error it was raised from, means the database could not be
    reached."""
    for _ in range(8):
        if exc is None:
            return False
        if isinstance(exc, CONNECTION_ERRORS):
            return True
        exc = exc.__cause__
    return False


def advisory_key(name: str) -> int:
    """A stable signed 64-bit key for `pg_advisory_lock(bigint)`, derived from a name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)
