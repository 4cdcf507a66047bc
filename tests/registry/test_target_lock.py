"""A locking read of a target that waits for another transaction's revision sees that revision
whole, its reason included (the reason lives in target_revisions), on the real database."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from services.registry import store
from tests.locks import wait_until_blocked
from tests.registry.seed import province
from tests.registry.test_api_campaigns import draft, target

pytestmark = pytest.mark.infra


async def test_a_target_read_waiting_for_the_lock_sees_the_reason_of_the_revision(registry):
    u = await province(registry)
    campaign = await draft(registry, u)
    created = await registry.post(
        f"/campaigns/{campaign['campaign_id']}/targets", target(u["stc"]), expect=201
    )
    target_id = uuid.UUID(created.json()["target_id"])
    pool = registry.pool

    async def locked_read():
        async with pool.acquire() as con, con.transaction():
            return await store.targets.get_target(con, target_id, lock=True)

    async with pool.acquire() as con, con.transaction():
        await con.execute("UPDATE targets SET revision = 2 WHERE id = $1", target_id)
        await con.execute(
            "INSERT INTO target_revisions (target_id, revision, name, metric, unit_of_measure,"
            " target_value, direction, weight, deadline, indicator_code, allow_negative, reason)"
            " SELECT id, 2, name, metric, unit_of_measure, target_value, direction, weight,"
            " deadline, indicator_code, allow_negative, 'Điều chỉnh theo Nghị quyết'"
            " FROM targets WHERE id = $1",
            target_id,
        )
        read = asyncio.create_task(locked_read())
        await wait_until_blocked(pool, "the read")
    seen = await read
    assert seen is not None and seen.revision == 2
    assert seen.reason == "Điều chỉnh theo Nghị quyết"
