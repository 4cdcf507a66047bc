"""The registry's campaigns (read model): launched, closed, and the movements answering one."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from services.progress.domain import (
    Campaign,
)


async def upsert_campaigns(con: asyncpg.Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await con.execute(
            """
            INSERT INTO campaigns (campaign_id, code, title, kind, regime, start_date, end_date,
                                   state, participating_unit_ids, bloc_ids, parent_campaign_id,
                                   launched_by, occasion_ids)
            SELECT x.campaign_id, x.code, x.title, x.kind, x.regime, x.start_date, x.end_date,
                   'launched', ARRAY(SELECT json_array_elements_text(x.units)::uuid),
                   ARRAY(SELECT json_array_elements_text(x.blocs)::uuid), x.parent, x.launched_by,
                   ARRAY(SELECT json_array_elements_text(x.occasions)::uuid)
            FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[], $6::date[],
                        $7::date[], $8::json[], $9::json[], $10::uuid[], $11::uuid[], $12::json[])
                 AS x(campaign_id, code, title, kind, regime, start_date, end_date, units, blocs,
                      parent, launched_by, occasions)
            ON CONFLICT (campaign_id) DO UPDATE SET code = EXCLUDED.code,
                title = EXCLUDED.title, kind = EXCLUDED.kind, regime = EXCLUDED.regime,
                start_date = EXCLUDED.start_date, end_date = EXCLUDED.end_date,
                participating_unit_ids = EXCLUDED.participating_unit_ids,
                bloc_ids = EXCLUDED.bloc_ids, parent_campaign_id = EXCLUDED.parent_campaign_id,
                launched_by = EXCLUDED.launched_by, occasion_ids = EXCLUDED.occasion_ids
            """,
            [r["campaign_id"] for r in rows],
            [r["code"] for r in rows],
            [r["title"] for r in rows],
            [r["kind"] for r in rows],
            [r["regime"] for r in rows],
            [r["start_date"] for r in rows],
            [r["end_date"] for r in rows],
            [json.dumps([str(u) for u in r["units"]]) for r in rows],
            [json.dumps([str(b) for b in r["blocs"]]) for r in rows],
            [r.get("parent_campaign_id") for r in rows],
            [r.get("launched_by") for r in rows],
            [json.dumps([str(o) for o in r.get("occasion_ids", ())]) for r in rows],
        )


async def descendant_campaigns(con: asyncpg.Connection, campaign_id: UUID) -> list[asyncpg.Record]:
    """The campaigns answering `campaign_id`, directly or through another (units' own movements
    answering a district's, answering the province's), by code."""
    return await con.fetch(
        """
        WITH RECURSIVE below AS (
            SELECT c.*, 1 AS depth FROM campaigns c WHERE c.parent_campaign_id = $1
            UNION ALL
            SELECT c.*, b.depth + 1 FROM campaigns c JOIN below b
                ON c.parent_campaign_id = b.campaign_id WHERE b.depth < 10
        )
        SELECT * FROM below ORDER BY code
        """,
        campaign_id,
    )


async def close_campaigns(con: asyncpg.Connection, rows: Sequence[tuple[UUID, date]]) -> None:
    if rows:
        await con.execute(
            """
            UPDATE campaigns c SET state = 'closed', closed_on = x.closed_on
            FROM unnest($1::uuid[], $2::date[]) AS x(campaign_id, closed_on)
            WHERE c.campaign_id = x.campaign_id
            """,
            [c for c, _ in rows],
            [d for _, d in rows],
        )


async def campaign(con: asyncpg.Connection, campaign_id: UUID) -> asyncpg.Record | None:
    return await con.fetchrow("SELECT * FROM campaigns WHERE campaign_id = $1", campaign_id)


def campaign_of(row: asyncpg.Record) -> Campaign:
    return Campaign(
        id=row["campaign_id"],
        state=row["state"],
        start=row["start_date"],
        end=row["end_date"],
        units=frozenset(row["participating_unit_ids"]),
        blocs=frozenset(row["bloc_ids"]),
    )
