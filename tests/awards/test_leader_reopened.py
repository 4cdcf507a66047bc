"""A bloc leader the province reopened (progress's BlocLeaderReopened) no longer stands for
awards: its row leaves the read model until the leader is determined again."""

from __future__ import annotations

from datetime import UTC, datetime
from uuid import uuid4

import pytest

from schemas import progress as p

pytestmark = pytest.mark.infra


async def test_a_reopened_leader_leaves_the_read_model(awards):
    bloc, stc, syt = uuid4(), uuid4(), uuid4()
    determined = p.BlocLeaderDetermined(
        bloc_id=bloc, year=2025, leader_unit_id=stc, score=96.5, by_vote=False
    )
    reopened = p.BlocLeaderReopened(
        bloc_id=bloc,
        year=2025,
        previous_leader_unit_id=stc,
        reason="Sai sót số liệu",
        reopened_at=datetime(2026, 1, 20, 2, tzinfo=UTC),
    )
    await awards.feed([determined])
    assert await awards.count("rm_bloc_leaders") == 1
    await awards.feed([reopened])
    assert await awards.count("rm_bloc_leaders") == 0
    again = determined.model_copy(update={"leader_unit_id": syt})
    await awards.feed([determined, reopened, again])  # one batch, in partition order
    row = await awards.pool.fetchrow("SELECT leader_unit_id FROM rm_bloc_leaders")
    assert row["leader_unit_id"] == syt
