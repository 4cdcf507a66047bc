"""How many statements notify sends to PostgreSQL per event consumed and per webhook delivered.
Each is a round trip (about 0.2 ms of wall time and 0.1 ms of the service's CPU on the machine of
docs/benchmarks.md), so the path is held to a count, not a time, as
tests/progress/test_report_round_trips.py does for a report.

One event at a time, each waited for: the worst case, where nothing is shared with a neighbour
in a batch (under load the consumer's batches and the recorder's hold many)."""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager

import asyncpg
import pytest

from tests.notify.service.conftest import eventually
from tests.notify.service.world import World

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]

SECRET = "whsec-he-thong-mot-cua-2020-abcdef"
EVENTS = 5

# asyncpg's introspection of a type it meets first on a connection: once per connection and type
_INTROSPECTION = re.compile(r"typeinfo_tree|'jit'")


@contextmanager
def statements(pool) -> Iterator[list[tuple[int, str]]]:
    """(connection, statement) of everything the pool's connections send while the block runs
    (BEGIN and COMMIT included: asyncpg sends them as statements of their own)."""
    sent: list[tuple[int, str]] = []
    cons = [h._con for h in pool._holders if h._con is not None]
    loggers = []
    for n, con in enumerate(cons):

        def log(q, n=n) -> None:
            if not _INTROSPECTION.search(q.query):
                sent.append((n, " ".join(q.query.split())[:100]))

        con.add_query_logger(log)
        loggers.append((con, log))
    try:
        yield sent
    finally:
        for con, log in loggers:
            con.remove_query_logger(log)


def transactions(sent: list[tuple[int, str]]) -> list[list[str]]:
    """The statements grouped per transaction (a statement outside one is one of its own)."""
    open_: dict[int, list[str]] = {}
    out: list[list[str]] = []
    for con, sql in sent:
        if sql.startswith("BEGIN"):
            open_[con] = [sql]
        elif con in open_:
            open_[con].append(sql)
            if sql in ("COMMIT;", "ROLLBACK;"):
                out.append(open_.pop(con))
        else:
            out.append([sql])
    return out + list(open_.values())


async def test_statements_per_event_consumed_and_per_webhook_delivered(
    notify, receivers, fresh_database
):
    receiver = await receivers(secrets=[SECRET])
    await notify.subscribe("mot-cua", receiver.url, secret=SECRET)
    world = World()
    watcher = await asyncpg.connect(fresh_database)  # the test's reads, apart from the pool's

    async def delivered(n: int) -> bool:
        count = await watcher.fetchval("SELECT count(*) FROM deliveries WHERE status = 'delivered'")
        return count >= n

    try:
        await notify.publish(world.overdue())
        await eventually(lambda: delivered(1), what="the warm-up delivery")
        # The pool opens connections as they are needed: open them all, so that the logger
        # sees every statement.
        held = [await notify.pool.acquire() for _ in range(notify.pool.get_max_size())]
        for con in held:
            await notify.pool.release(con)
        with statements(notify.pool) as sent:
            for i in range(EVENTS):
                await notify.publish(world.overdue(days=3 + i))
                await eventually(lambda i=i: delivered(2 + i), what="a delivery")
    finally:
        await watcher.close()

    txs = transactions(sent)
    consumed = [t for t in txs if any(s.startswith("INSERT INTO inbox (") for s in t)]
    dispatched = [t for t in txs if t not in consumed]
    shown = "\n\n".join("\n".join(t) for t in txs)
    assert len(consumed) == EVENTS, shown
    per_event = sum(map(len, consumed)) / EVENTS
    per_delivery = sum(map(len, dispatched)) / EVENTS
    # Before (737f10d): 11 per event consumed and about 17 per delivery; 6 and about 8.6 since.
    assert per_event <= 6, f"{per_event} per event consumed\n\n{shown}"
    assert per_delivery <= 10, f"{per_delivery} per delivery\n\n{shown}"
