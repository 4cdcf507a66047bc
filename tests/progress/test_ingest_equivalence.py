"""The bus path's set-based step (store.reports.insert_and_advance) gives each target the state
the domain gives it (`rebuild`, i.e. `apply_report` report by report): the same current report and
the same first report (the first submitted: some are past records with their submission day), for
reports in any order of days, corrections (backwards in time too), batches cut anywhere and
batches delivered twice."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from schemas import progress as p
from services.progress import store
from services.progress.consumers.reports import report_from_event
from services.progress.domain import rebuild
from tests.progress.seed import ID

pytestmark = pytest.mark.infra

TARGETS = {ID.t_thu: ID.stc, ID.t_giai_ngan: ID.stc, ID.t_ho_ngheo: ID.syt, ID.t_nha_o: ID.sxd}


def history(seed: int, n: int = 120) -> list[p.TargetReported]:
    rnd = random.Random(seed)
    at = datetime(2020, 3, 1, tzinfo=UTC)
    live: dict[UUID, list[UUID]] = {t: [] for t in TARGETS}
    out = []
    for _ in range(n):
        target = rnd.choice(list(TARGETS))
        supersedes = None
        if live[target] and rnd.random() < 0.25:
            supersedes = rnd.choice(live[target])
            live[target].remove(supersedes)
        report_id = UUID(int=rnd.getrandbits(128), version=4)
        live[target].append(report_id)
        # per target, arrival order = reported_at order: what the HTTP path guarantees
        at += timedelta(microseconds=rnd.choice([1, 2, 500]))
        as_of = date(2020, 1, 1) + timedelta(days=rnd.randint(0, 160))
        # a past record entered late: submitted some day after the one it describes
        submitted_on = as_of + timedelta(days=rnd.randint(0, 9)) if rnd.random() < 0.3 else None
        out.append(p.TargetReported(
            report_id=report_id, target_id=target, campaign_id=ID.campaign,
            unit_id=TARGETS[target], value=float(rnd.randint(0, 6000)), as_of=as_of,
            reported_at=at, supersedes=supersedes, submitted_on=submitted_on,
        ))  # fmt: skip
    return out


@pytest.mark.parametrize("seed", [1, 2, 3, 4])
async def test_set_based_ingest_equals_the_domain(seeded, seed):
    events = history(seed)
    rnd = random.Random(seed)
    i = 0
    while i < len(events):
        size = rnd.choice([1, 3, 10, 40])
        batch = events[i : i + size]
        await seeded.feed(*batch)
        if rnd.random() < 0.2:
            await seeded.feed(*batch)  # delivered again (a new event id each time: no inbox here)
        i += size
    assert await seeded.count("reports") == len(events)
    for x in await store.targets.load_targets(seeded.pool):
        expected = rebuild(x.target, [report_from_event(e) for e in events
                                      if e.target_id == x.target.id])  # fmt: skip
        got = x.state
        assert (got.current and got.current.id) == (expected.current and expected.current.id)
        assert (got.first_reported and got.first_reported.id) == (
            expected.first_reported and expected.first_reported.id
        )
    assert await seeded.outbox() == []


async def test_the_standings_worker_reads_the_states_load_targets_reads(seeded):
    """`store.targets.states_of_units` (rows read by position, no campaigns) against `load_targets`:
    reports with notes and evidence, corrections, achievements."""
    events: list = history(5, n=60)
    for i in range(0, len(events), 3):
        events[i] = events[i].model_copy(update={"note": f"ghi chú {i}", "evidence": [f"vb/{i}"]})
    first = events[0]
    events.append(p.TargetAchieved(
        target_id=first.target_id, campaign_id=ID.campaign, unit_id=first.unit_id,
        report_id=first.report_id, achieved_on=first.as_of,
        deadline=first.as_of + timedelta(days=3), early_by_days=3, finished_early=True,
        completion=1.25,
    ))  # fmt: skip
    await seeded.feed(*events)
    loaded = await store.targets.load_targets(seeded.pool)
    assert any(x.state.achievement for x in loaded)
    assert any(x.state.current and x.state.current.note for x in loaded)
    units = sorted({x.target.unit_id for x in loaded})
    async with seeded.pool.acquire() as con:
        for year in {x.target.deadline.year for x in loaded}:
            expected = [x.state for x in loaded if x.target.deadline.year == year]
            assert await store.targets.states_of_units(con, units, year) == expected
            assert await store.targets.states_of_units(con, units[:1], year) == [
                s for s in expected if s.target.unit_id == units[0]
            ]


async def test_taking_dirty_marks_takes_every_mark_of_the_oldest_blocs(seeded):
    """A burst of batches marks the same blocs again and again: one round takes all of a bloc's
    marks (one recomputation answers them), the blocs marked first first, up to the limit."""
    first, second = UUID(int=2), UUID(int=1)  # marked in that order
    async with seeded.pool.acquire() as con:
        await con.execute("DELETE FROM standings_dirty")
        for bloc in (first, second, first, second, first):
            await store.standings.mark_blocs_dirty(con, [(bloc, 2020)])
        async with con.transaction():
            assert await store.standings.take_dirty(con, 1) == [(first, 2020)]
        left = await con.fetch("SELECT bloc_id, year FROM standings_dirty")
        assert [(r["bloc_id"], r["year"]) for r in left] == [(second, 2020)] * 2
        async with con.transaction():
            assert await store.standings.take_dirty(con, 10) == [(second, 2020)]
        assert await con.fetchval("SELECT count(*) FROM standings_dirty") == 0
