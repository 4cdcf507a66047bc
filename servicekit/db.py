"""The service's asyncpg pool and its plain-SQL migrations, applied in order and recorded."""

from __future__ import annotations

import re
from pathlib import Path

import asyncpg

_MIGRATION = re.compile(r"^(\d{4})_[a-z0-9_]+\.sql$")
_LOCK_ID = 0x7468_6964  # advisory lock that serialises migrations of concurrent starts


async def create_pool(dsn: str, *, max_size: int = 10) -> asyncpg.Pool:
    return await asyncpg.create_pool(dsn, min_size=1, max_size=max_size)


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
        await con.execute(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            " name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
        )
        await con.execute("SELECT pg_advisory_lock($1)", _LOCK_ID)
        try:
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
