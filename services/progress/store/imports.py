"""Imported report files: targets by the codes a row names them with, and each imported row's
natural key (so a re-import stores nothing twice)."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

import asyncpg


async def targets_by_code(
    con: asyncpg.Connection, campaign_codes: Sequence[str]
) -> list[asyncpg.Record]:
    """The targets of the campaigns with these codes, with what an imported row names them by:
    campaign code, unit code, target name, indicator code."""
    return await con.fetch(
        """
        SELECT t.target_id, c.code AS campaign_code, u.code AS unit_code, t.name,
               t.indicator_code
        FROM targets t
        JOIN campaigns c ON c.campaign_id = t.campaign_id
        JOIN units u ON u.unit_id = t.unit_id
        WHERE c.code = ANY($1::text[])
        """,
        list(campaign_codes),
    )


async def imported_keys(con: asyncpg.Connection, keys: Sequence[str]) -> dict[str, str]:
    """Natural key → digest of the rows imported before under these keys."""
    rows = await con.fetch(
        "SELECT import_key, digest FROM report_imports WHERE import_key = ANY($1::text[])",
        list(keys),
    )
    return {r["import_key"]: r["digest"] for r in rows}


async def save_imported_keys(
    con: asyncpg.Connection, rows: Sequence[tuple[str, UUID, str]]
) -> None:
    """(natural key, report id, digest) of the rows imported now."""
    if rows:
        await con.execute(
            """
            INSERT INTO report_imports (import_key, report_id, digest)
            SELECT * FROM unnest($1::text[], $2::uuid[], $3::text[])
            """,
            *map(list, zip(*rows, strict=True)),
        )
