"""Targets of campaigns and the history of their published revisions."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg

from services.registry.domain import campaigns as c


def _target(r: asyncpg.Record) -> c.Target:
    return c.Target(
        r["id"],
        r["campaign_id"],
        r["unit_id"],
        r["name"],
        r["metric"],
        r["unit_of_measure"],
        r["target_value"],
        r["direction"],
        r["deadline"],
        r["weight"],
        r["indicator_code"],
        r["revision"],
        r.get("reason"),
        r["allow_negative"],
    )


TARGET_SELECT = """
SELECT t.*, (SELECT reason FROM target_revisions r WHERE r.target_id = t.id
             AND r.revision = t.revision) AS reason
FROM targets t
"""


async def get_target(
    con: asyncpg.Connection, target_id: UUID, *, lock: bool = False
) -> c.Target | None:
    """With `lock`: locked until commit, then read in a statement of its own. A locking read
    that waited for another transaction's change sees that change in the target's row but
    evaluates the revision's reason in its own older snapshot, where the new revision is not."""
    if lock:
        await con.execute("SELECT 1 FROM targets WHERE id = $1 FOR UPDATE", target_id)
    r = await con.fetchrow(TARGET_SELECT + " WHERE t.id = $1", target_id)
    return _target(r) if r else None


async def targets_of(
    con: asyncpg.Connection, campaign_id: UUID | None = None, unit_id: UUID | None = None
) -> list[c.Target]:
    rows = await con.fetch(
        TARGET_SELECT + " WHERE ($1::uuid IS NULL OR t.campaign_id = $1)"
        " AND ($2::uuid IS NULL OR t.unit_id = $2) ORDER BY t.campaign_id, t.unit_id, t.name, t.id",
        campaign_id,
        unit_id,
    )
    return [_target(r) for r in rows]


async def target_revisions(con: asyncpg.Connection, target_id: UUID) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT * FROM target_revisions WHERE target_id = $1 ORDER BY revision", target_id
    )


async def save_targets(
    con: asyncpg.Connection, targets: Sequence[c.Target], *, record_revision: bool
) -> None:
    """Upsert targets; with `record_revision`, also keep each one's revision in its history
    (done for every published revision)."""
    if not targets:
        return
    cols = (
        [t.target_id for t in targets],
        [t.campaign_id for t in targets],
        [t.unit_id for t in targets],
        [t.revision for t in targets],
        [t.name for t in targets],
        [t.metric for t in targets],
        [t.unit_of_measure for t in targets],
        [t.target_value for t in targets],
        [t.direction for t in targets],
        [t.weight for t in targets],
        [t.deadline for t in targets],
        [t.indicator_code for t in targets],
        [t.allow_negative for t in targets],
    )
    await con.execute(
        "INSERT INTO targets (id, campaign_id, unit_id, revision, name, metric, unit_of_measure,"
        " target_value, direction, weight, deadline, indicator_code, allow_negative)"
        " SELECT * FROM"
        " unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::int[], $5::text[], $6::text[],"
        " $7::text[], $8::float8[], $9::text[], $10::float8[], $11::date[], $12::text[],"
        " $13::bool[])"
        " ON CONFLICT (id) DO UPDATE SET revision = excluded.revision, name = excluded.name,"
        " metric = excluded.metric, unit_of_measure = excluded.unit_of_measure,"
        " target_value = excluded.target_value, direction = excluded.direction,"
        " weight = excluded.weight, deadline = excluded.deadline,"
        " indicator_code = excluded.indicator_code, allow_negative = excluded.allow_negative,"
        " updated_at = now()",
        *cols,
    )
    if record_revision:
        await con.execute(
            "INSERT INTO target_revisions (target_id, revision, name, metric, unit_of_measure,"
            " target_value, direction, weight, deadline, indicator_code, allow_negative, reason)"
            " SELECT * FROM"
            " unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[], $6::float8[],"
            " $7::text[], $8::float8[], $9::date[], $10::text[], $11::bool[], $12::text[])"
            " ON CONFLICT (target_id, revision) DO NOTHING",
            cols[0],
            cols[3],
            *cols[4:],
            [t.reason for t in targets],
        )


async def delete_target(con: asyncpg.Connection, target_id: UUID) -> None:
    await con.execute("DELETE FROM targets WHERE id = $1", target_id)
