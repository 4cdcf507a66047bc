"""Campaigns, their participating units and blocs, and who takes part in them."""

from __future__ import annotations

from datetime import date
from uuid import UUID

import asyncpg

from servicekit.vietnamese import fold, sort_key
from services.registry.domain import campaigns as c
from services.registry.store.paging import Page, Query, page, search_condition
from services.registry.store.units import unit_codes


def _campaign(r: asyncpg.Record, units: list[UUID], blocs: list[UUID]) -> c.Campaign:
    return c.Campaign(
        r["id"],
        r["code"],
        r["title"],
        r["theme"],
        r["kind"],
        r["start_date"],
        r["end_date"],
        r["launched_by"],
        r["regime"],
        r["regime_overridden"],
        tuple(r["goals"]),
        tuple(units),
        tuple(blocs),
        r["state"],
        r["launched_on"],
        r["closed_on"],
        r["summary"],
        r["parent_campaign_id"],
        tuple(r["sub_themes"]),
        tuple(r["occasion_ids"]),
    )


async def get_campaign(
    con: asyncpg.Connection, campaign_id: UUID, *, lock: bool = False
) -> c.Campaign | None:
    r = await con.fetchrow(
        "SELECT * FROM campaigns WHERE id = $1" + (" FOR UPDATE" if lock else ""), campaign_id
    )
    if r is None:
        return None
    units = await con.fetch(
        "SELECT unit_id FROM campaign_units WHERE campaign_id = $1 ORDER BY position", campaign_id
    )
    blocs = await con.fetch(
        "SELECT bloc_id FROM campaign_blocs WHERE campaign_id = $1 ORDER BY position", campaign_id
    )
    return _campaign(r, [x["unit_id"] for x in units], [x["bloc_id"] for x in blocs])


async def campaign_id_by_code(con: asyncpg.Connection, code: str) -> UUID | None:
    return await con.fetchval("SELECT id FROM campaigns WHERE code = $1", code)


async def campaign_code_taken(con: asyncpg.Connection, code: str, other_than: UUID) -> bool:
    return bool(
        await con.fetchval(
            "SELECT true FROM campaigns WHERE code = $1 AND id <> $2", code, other_than
        )
    )


async def save_campaign(con: asyncpg.Connection, x: c.Campaign) -> None:
    await con.execute(
        "INSERT INTO campaigns (id, code, title, title_key, title_search, theme, goals, kind,"
        " start_date, end_date, launched_by, regime, regime_overridden, state, launched_on,"
        " closed_on, summary, parent_campaign_id, sub_themes, occasion_ids) VALUES ($1, $2, $3,"
        " $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20)"
        " ON CONFLICT (id) DO UPDATE SET code = excluded.code,"
        " title = excluded.title, title_key = excluded.title_key,"
        " title_search = excluded.title_search, theme = excluded.theme, goals = excluded.goals,"
        " kind = excluded.kind, start_date = excluded.start_date, end_date = excluded.end_date,"
        " launched_by = excluded.launched_by, regime = excluded.regime,"
        " regime_overridden = excluded.regime_overridden, state = excluded.state,"
        " launched_on = excluded.launched_on, closed_on = excluded.closed_on,"
        " summary = excluded.summary, parent_campaign_id = excluded.parent_campaign_id,"
        " sub_themes = excluded.sub_themes, occasion_ids = excluded.occasion_ids,"
        " updated_at = now()",
        x.campaign_id,
        x.code,
        x.title,
        sort_key(x.title),
        fold(x.title),
        x.theme,
        list(x.goals),
        x.kind,
        x.start,
        x.end,
        x.launched_by,
        x.regime,
        x.regime_overridden,
        x.state,
        x.launched_on,
        x.closed_on,
        x.summary,
        x.parent_campaign_id,
        list(x.sub_themes),
        list(x.occasion_ids),
    )
    await con.execute("DELETE FROM campaign_units WHERE campaign_id = $1", x.campaign_id)
    await con.executemany(
        "INSERT INTO campaign_units (campaign_id, unit_id, position) VALUES ($1, $2, $3)",
        [(x.campaign_id, u, i) for i, u in enumerate(x.participating_unit_ids)],
    )
    await con.execute("DELETE FROM campaign_blocs WHERE campaign_id = $1", x.campaign_id)
    await con.executemany(
        "INSERT INTO campaign_blocs (campaign_id, bloc_id, position) VALUES ($1, $2, $3)",
        [(x.campaign_id, bl, i) for i, bl in enumerate(x.bloc_ids)],
    )


CAMPAIGN_SELECT = """
SELECT c.id AS campaign_id, c.code, c.title, c.kind, c.start_date, c.end_date, c.regime,
       c.state, c.launched_by, {sort} AS _sort, c.id AS _id
FROM campaigns c
"""
CAMPAIGN_SORTS = {"title": "c.title_key", "code": "c.code", "start": "c.start_date"}


async def list_campaigns(
    con: asyncpg.Connection,
    *,
    state: str | None = None,
    kind: str | None = None,
    year: int | None = None,
    unit_id: UUID | None = None,
    bloc_id: UUID | None = None,
    as_of: date | None = None,
    search: str | None = None,
    sort: str = "-start",
    limit: int = 50,
    cursor: str | None = None,
) -> Page:
    q = Query()
    if state:
        q.add("c.state = {}", state)
    if kind:
        q.add("c.kind = {}", kind)
    if year:
        q.add(
            "extract(year FROM c.start_date)::int <= {0} AND extract(year FROM c.end_date)::int"
            " >= {0}",
            year,
        )
    if as_of:
        q.add("c.start_date <= {0} AND c.end_date >= {0}", as_of)
    if bloc_id:
        q.add(
            "EXISTS (SELECT 1 FROM campaign_blocs cb WHERE cb.campaign_id = c.id AND"
            " cb.bloc_id = {})",
            bloc_id,
        )
    if unit_id:
        q.add(
            "(EXISTS (SELECT 1 FROM campaign_units cu WHERE cu.campaign_id = c.id AND"
            " cu.unit_id = {0}) OR EXISTS (SELECT 1 FROM campaign_blocs cb JOIN bloc_members m"
            " ON m.bloc_id = cb.bloc_id AND m.year = extract(year FROM c.start_date)::int"
            " WHERE cb.campaign_id = c.id AND m.unit_id = {0}))",
            unit_id,
        )
    if search:
        search_condition(q, "c.title_search", "c.title", search)
    column = CAMPAIGN_SORTS[sort.lstrip("-")]
    return await page(
        con,
        CAMPAIGN_SELECT.format(sort=column),
        q,
        sort=sort,
        sort_column=column,
        id_column="c.id",
        limit=limit,
        cursor=cursor,
        dates=sort.lstrip("-") == "start",
    )


async def participants(
    con: asyncpg.Connection, x: c.Campaign
) -> tuple[dict[UUID, str], list[UUID]]:
    """The campaign's participating units (named, or members of its blocs during the campaign,
    in the year it starts) with their codes, and the blocs not formed for that year."""
    year = x.start.year
    formed = await con.fetch(
        "SELECT bloc_id FROM bloc_years WHERE bloc_id = ANY($1::uuid[]) AND year = $2",
        list(x.bloc_ids),
        year,
    )
    formed_ids = {r["bloc_id"] for r in formed}
    members = await con.fetch(
        "SELECT DISTINCT m.unit_id FROM bloc_members m WHERE m.bloc_id = ANY($1::uuid[])"
        " AND m.year = $2 AND m.joined_on <= $4 AND (m.left_on IS NULL OR m.left_on > $3)",
        list(x.bloc_ids),
        year,
        x.start,
        x.end,
    )
    ids = list(dict.fromkeys([*x.participating_unit_ids, *(r["unit_id"] for r in members)]))
    codes = await unit_codes(con, ids)
    return {u: codes.get(u, str(u)) for u in ids}, [bl for bl in x.bloc_ids if bl not in formed_ids]
