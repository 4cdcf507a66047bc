"""Two reports on one target in concurrent requests: the second waits for the first's lock and
then sees what the first committed (its report and its achievement), on the real database."""

from __future__ import annotations

import asyncio
from datetime import date

import pytest

from servicekit.unit_of_work import UnitOfWork
from services.progress import reporting, store
from services.progress.events import SOURCE
from tests.progress.seed import ID

pytestmark = pytest.mark.infra


async def _waiting_for_a_lock(pool) -> bool:
    return bool(
        await pool.fetchval(
            "SELECT count(*) FROM pg_stat_activity"
            " WHERE datname = current_database() AND wait_event_type = 'Lock'"
        )
    )


async def test_a_report_waiting_for_the_lock_sees_what_the_first_committed(seeded):
    rt = seeded.app.state.progress
    pool = seeded.pool

    async def submit(uow: UnitOfWork, value: float, as_of: date) -> reporting.Outcome:
        item = reporting.ReportInput(target_id=ID.t_thu, value=value, as_of=as_of)
        (outcome,) = await reporting.submit(uow, rt.bus, rt.clock, [item], acting_unit=None)
        return outcome

    async def second() -> reporting.Outcome:
        async with UnitOfWork(pool, source=SOURCE) as uow:
            return await submit(uow, 5300, date(2020, 6, 1))

    async with UnitOfWork(pool, source=SOURCE) as first_uow:
        first = await submit(first_uow, 5400, date(2020, 6, 10))  # meets the 5,250 target
        assert first.achieved is not None
        waiting = asyncio.create_task(second())
        for _ in range(200):
            if await _waiting_for_a_lock(pool):
                break
            await asyncio.sleep(0.01)
        assert await _waiting_for_a_lock(pool), "the second request never waited for the lock"
    later = await waiting

    # the target was achieved once, by the first report; the second is older by its day, so the
    # first stays the current report
    assert later.accepted and later.achieved is None
    assert await seeded.count("achievements") == 1
    assert len(await seeded.outbox("TargetAchieved")) == 1
    assert len(await seeded.outbox("TargetReported")) == 2
    (x,) = await store.load_targets(pool, target_id=ID.t_thu)
    assert x.state.current is not None and x.state.current.id == first.report.id
