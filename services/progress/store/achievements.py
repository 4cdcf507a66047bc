"""Achievements: a target's first report meeting it, stored once per target (a correction or a
closure may move or retract it)."""

from __future__ import annotations

from collections.abc import Sequence

import asyncpg

from services.progress.domain import (
    Achievement,
)


async def delete_achievements(con: asyncpg.Connection, retracted: Sequence[Achievement]) -> None:
    """Delete each target's achievement if it is still the one retracted (by its report)."""
    if retracted:
        await con.execute(
            """
            DELETE FROM achievements a
            USING unnest($1::uuid[], $2::uuid[]) AS x(target_id, report_id)
            WHERE a.target_id = x.target_id AND a.report_id = x.report_id
            """,
            [a.target_id for a in retracted],
            [a.report_id for a in retracted],
        )


async def save_achievements(
    con: asyncpg.Connection, achievements: Sequence[Achievement], *, overwrite: bool = False
) -> None:
    """`overwrite`: the bus's record wins over one derived here (a rebuild may derive a target's
    achievement before it reads the one the live service published)."""
    if not achievements:
        return
    conflict = (
        "DO UPDATE SET report_id = EXCLUDED.report_id, achieved_on = EXCLUDED.achieved_on, "
        "deadline = EXCLUDED.deadline, completion = EXCLUDED.completion"
        if overwrite
        else "DO NOTHING"
    )
    await con.execute(
        f"""
        INSERT INTO achievements (target_id, campaign_id, unit_id, report_id, achieved_on,
                                  deadline, completion)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::date[],
                             $6::date[], $7::numeric[])
        ON CONFLICT (target_id) {conflict}
        """,
        [a.target_id for a in achievements],
        [a.campaign_id for a in achievements],
        [a.unit_id for a in achievements],
        [a.report_id for a in achievements],
        [a.achieved_on for a in achievements],
        [a.deadline for a in achievements],
        [a.completion for a in achievements],
    )
