"""How many statements one report over HTTP sends to PostgreSQL. Each is a round trip (about
0.2 ms of wall time and 0.1 ms of the service's CPU on the machine of docs/benchmarks.md), so
the request's path is held to a count, not a time: the state read, the write and the outbox with
the audit row, inside BEGIN and COMMIT; under an Idempotency-Key, the key's lock and lookup, the
handler's savepoint, and the stored answer with the audit row."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from tests.progress.seed import ID
from tests.progress.test_reports_api import report

pytestmark = pytest.mark.infra


@contextmanager
def statements(pool) -> Iterator[list[str]]:
    """The statements every connection of `pool` sends while the block runs (BEGIN and COMMIT
    included: asyncpg sends them as statements of their own)."""
    sent: list[str] = []
    log = lambda q: sent.append(" ".join(q.query.split())[:80])  # noqa: E731
    cons = [h._con for h in pool._holders if h._con is not None]
    for con in cons:
        con.add_query_logger(log)
    try:
        yield sent
    finally:
        for con in cons:
            con.remove_query_logger(log)


async def test_a_report_is_three_statements_between_begin_and_commit(seeded):
    officer = seeded.officer(ID.stc)
    await seeded.post("/reports", report(value=1000), headers=officer, expect=201)  # warm
    with statements(seeded.pool) as sent:
        await seeded.post("/reports", report(value=2000), headers=officer, expect=201)
    assert len(sent) <= 5, "\n".join(sent)
    assert sent[0].startswith("BEGIN") and sent[-1] == "COMMIT;", "\n".join(sent)


async def test_with_an_idempotency_key_four_more(seeded):
    officer = seeded.officer(ID.stc)
    await seeded.post(
        "/reports", report(value=1000), headers={**officer, "Idempotency-Key": "a"}, expect=201
    )
    with statements(seeded.pool) as sent:
        await seeded.post(
            "/reports", report(value=2000), headers={**officer, "Idempotency-Key": "b"}, expect=201
        )
    assert len(sent) <= 9, "\n".join(sent)
