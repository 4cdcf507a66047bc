"""For tests of concurrent transactions on the real database."""

from __future__ import annotations

import asyncio

import asyncpg


async def wait_until_blocked(pool: asyncpg.Pool, what: str = "the other transaction") -> None:
    """Return once a session of the pool's database waits for a lock; fail after ~2 s."""
    for _ in range(200):
        if await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        ):
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"{what} never waited for the lock")
