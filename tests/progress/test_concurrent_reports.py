"""Locking reads that wait for another transaction see what it committed, on the real database:
two reports on one target in concurrent requests (the second sees the first's report and
achievement), and a bloc whose named scheme changed while it was locked."""

from __future__ import annotations

import asyncio
import json
from datetime import date

import pytest

from servicekit.unit_of_work import UnitOfWork
from services.progress import commands, store
from services.progress.config import DEFAULT_SCHEME
from services.progress.events import SOURCE
from tests.locks import wait_until_blocked
from tests.progress.seed import ID

pytestmark = pytest.mark.infra


async def test_a_report_waiting_for_the_lock_sees_what_the_first_committed(seeded):
    rt = seeded.app.state.progress
    pool = seeded.pool

    async def submit(uow: UnitOfWork, value: float, as_of: date) -> commands.reports.Outcome:
        item = commands.reports.ReportInput(target_id=ID.t_thu, value=value, as_of=as_of)
        (outcome,) = await commands.reports.submit(uow, rt.clock, [item], acting_unit=None)
        return outcome

    async def second() -> commands.reports.Outcome:
        async with UnitOfWork(pool, source=SOURCE) as uow:
            return await submit(uow, 5300, date(2020, 6, 1))

    async with UnitOfWork(pool, source=SOURCE) as first_uow:
        first = await submit(first_uow, 5400, date(2020, 6, 10))  # meets the 5,250 target
        assert first.achieved is not None
        waiting = asyncio.create_task(second())
        await wait_until_blocked(pool, "the second request")
    later = await waiting

    # the target was achieved once, by the first report; the second is older by its day, so the
    # first stays the current report
    assert later.accepted and later.achieved is None
    assert await seeded.count("achievements") == 1
    assert len(await seeded.outbox("TargetAchieved")) == 1
    assert len(await seeded.outbox("TargetReported")) == 2
    (x,) = await store.targets.load_targets(pool, target_id=ID.t_thu)
    assert x.state.current is not None and x.state.current.id == first.report.id


async def test_a_bloc_read_waiting_for_the_lock_sees_the_scheme_named_meanwhile(seeded):
    pool = seeded.pool

    async def locked_read() -> store.blocs.BlocYear | None:
        async with pool.acquire() as con, con.transaction():
            return await store.blocs.get_bloc_year(con, ID.bloc, 2020, lock=True)

    async with pool.acquire() as con, con.transaction():
        scheme = {**DEFAULT_SCHEME, "ref": "tinh-2020"}
        await con.execute(
            "INSERT INTO scoring_schemes (ref, scheme) VALUES ('tinh-2020', $1)", json.dumps(scheme)
        )
        await con.execute(
            "UPDATE blocs SET scheme_ref = 'tinh-2020' WHERE bloc_id = $1 AND year = 2020", ID.bloc
        )
        read = asyncio.create_task(locked_read())
        await wait_until_blocked(pool, "the read")
    bloc = await read
    assert bloc is not None and bloc.scheme_ref == "tinh-2020"
    assert bloc.named_scheme is not None and bloc.named_scheme.ref == "tinh-2020"
