"""The registry's occasions (read model): what a campaign may be dedicated to."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import replace
from typing import Any
from uuid import UUID

import asyncpg

from services.progress.domain import Report


async def upsert_occasions(con: asyncpg.Connection, rows: Sequence[Any]) -> None:
    """OccasionDefined events: the latest definition of each occasion stands."""
    if rows:
        await con.executemany(
            "INSERT INTO occasions (occasion_id, code, name, starts_on, ends_on)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (occasion_id) DO UPDATE SET"
            " code = EXCLUDED.code, name = EXCLUDED.name, starts_on = EXCLUDED.starts_on,"
            " ends_on = EXCLUDED.ends_on",
            [(e.occasion_id, e.code, e.name, e.starts_on, e.ends_on) for e in rows],
        )


async def campaign_occasions(
    con: asyncpg.Connection, campaign_ids: Iterable[UUID]
) -> dict[UUID, frozenset[UUID]]:
    """The occasions each campaign is dedicated to (CampaignLaunched.occasion_ids)."""
    rows = await con.fetch(
        "SELECT campaign_id, occasion_ids FROM campaigns WHERE campaign_id = ANY($1::uuid[])",
        list(campaign_ids),
    )
    return {r["campaign_id"]: frozenset(r["occasion_ids"]) for r in rows}


async def save_report_occasions(con: asyncpg.Connection, reports: Sequence[Report]) -> None:
    """The occasions reports are dedicated to, beside the reports (migration 0014): most name
    none, and the reports' own statements stay as they are."""
    named = [(r.id, r.occasion_id) for r in reports if r.occasion_id is not None]
    if named:
        await con.executemany(
            "INSERT INTO report_occasions (report_id, occasion_id) VALUES ($1, $2)"
            " ON CONFLICT (report_id) DO NOTHING",
            named,
        )


async def with_occasions(con: asyncpg.Connection, reports: list[Report]) -> list[Report]:
    """The reports with the occasions they are dedicated to (report_occasions)."""
    rows = await con.fetch(
        "SELECT report_id, occasion_id FROM report_occasions WHERE report_id = ANY($1::uuid[])",
        [r.id for r in reports],
    )
    named = {r["report_id"]: r["occasion_id"] for r in rows}
    return [replace(r, occasion_id=named[r.id]) if r.id in named else r for r in reports]


async def occasion_exists(con: asyncpg.Connection, occasion_id: UUID) -> bool:
    return bool(await con.fetchval("SELECT 1 FROM occasions WHERE occasion_id = $1", occasion_id))


async def occasions_by_code(con: asyncpg.Connection, codes: Sequence[str]) -> dict[str, UUID]:
    """Upper-cased code → occasion, for the codes given upper-cased (an imported row's)."""
    rows = await con.fetch(
        "SELECT upper(code) AS code, occasion_id FROM occasions"
        " WHERE upper(code) = ANY($1::text[])",
        list(codes),
    )
    return {r["code"]: r["occasion_id"] for r in rows}
