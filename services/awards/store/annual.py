"""SQL of annual screening runs: the run, and reading its candidates and their reasons back.
The candidates and reasons are written by COPY streams in `commands/annual.py`."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg


async def insert_run(con: asyncpg.Connection, run_id: UUID, **row: Any) -> None:
    """The run and its summary: year, scope_unit_id, regime, as_of, campaign_id, run_by, people,
    collectives, screened, candidates, reasons_stored, timings (a mapping, stored as JSON)."""
    await con.execute(
        "INSERT INTO annual_runs (run_id, year, scope_unit_id, regime, as_of, campaign_id, run_by,"
        " people, collectives, screened, candidates, reasons_stored, timings)"
        " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)",
        run_id,
        row["year"],
        row["scope_unit_id"],
        row["regime"],
        row["as_of"],
        row["campaign_id"],
        row["run_by"],
        row["people"],
        row["collectives"],
        row["screened"],
        row["candidates"],
        row["reasons_stored"],
        json.dumps(row["timings"]),
    )


async def run(con: asyncpg.Connection, run_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM annual_runs WHERE run_id = $1", run_id)


async def candidate_counts(con: asyncpg.Connection, run_id: UUID) -> list[asyncpg.Record]:
    """How many candidates per award, over their quota or not."""
    return await con.fetch(
        "SELECT award_code, over_quota, count(*)::int AS n FROM annual_candidates"
        " WHERE run_id = $1 GROUP BY award_code, over_quota",
        run_id,
    )


async def candidates(
    con: asyncpg.Connection,
    run_id: UUID,
    *,
    award_code: str | None,
    unit_id: UUID | None,
    over_quota: bool | None,
    after: tuple[str, int] | None,
    limit: int,
) -> list[asyncpg.Record]:
    """A page of a run's candidates by award and position, after the (award, position) given."""
    where: list[str] = ["run_id = $1"]
    values: list[object] = [run_id]
    for column, value in (
        ("award_code", award_code),
        ("unit_id", unit_id),
        ("over_quota", over_quota),
    ):
        if value is not None:
            values.append(value)
            where.append(f"{column} = ${len(values)}")
    if after is not None:
        values += [after[0], after[1]]
        where.append(f"(award_code, position) > (${len(values) - 1}, ${len(values)})")
    values.append(limit)
    return await con.fetch(
        f"SELECT * FROM annual_candidates WHERE {' AND '.join(where)}"
        f" ORDER BY award_code, position LIMIT ${len(values)}",
        *values,
    )


async def reasons(
    con: asyncpg.Connection, run_id: UUID, numbers: Sequence[int]
) -> dict[int, dict[str, Any]]:
    """The run's stored rule results by their numbers."""
    rows = await con.fetch(
        "SELECT reason_no, result FROM annual_reasons"
        " WHERE run_id = $1 AND reason_no = ANY($2::int[])",
        run_id,
        list(numbers),
    )
    return {r["reason_no"]: json.loads(r["result"]) for r in rows}
