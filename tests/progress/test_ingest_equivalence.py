"""The bus path's set-based step (store.insert_and_advance) gives each target the state the domain
gives it (`rebuild`, i.e. `apply_report` report by report): the same current report and the same
first report, for reports in any order of days, corrections (backwards in time too), batches cut
anywhere and batches delivered twice."""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

import pytest

from schemas import progress as p
from services.progress import store
from services.progress.domain import rebuild
from services.progress.reporting import report_from_event
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
        out.append(p.TargetReported(
            report_id=report_id, target_id=target, campaign_id=ID.campaign,
            unit_id=TARGETS[target], value=float(rnd.randint(0, 6000)),
            as_of=date(2020, 1, 1) + timedelta(days=rnd.randint(0, 160)),
            reported_at=at, supersedes=supersedes,
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
    for x in await store.load_targets(seeded.pool):
        expected = rebuild(x.target, [report_from_event(e) for e in events
                                      if e.target_id == x.target.id])  # fmt: skip
        got = x.state
        assert (got.current and got.current.id) == (expected.current and expected.current.id)
        assert (got.first_reported and got.first_reported.id) == (
            expected.first_reported and expected.first_reported.id
        )
    assert await seeded.outbox() == []
