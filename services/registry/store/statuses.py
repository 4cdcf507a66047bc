"""Status periods (discipline, investigation, inspection, complaint) of people and units: the
same columns, in a table per kind of subject."""

from __future__ import annotations

from uuid import UUID

import asyncpg

from services.registry.domain import statuses as st

STATUS_TABLES: dict[st.Subject, tuple[str, str]] = {
    "person": ("person_statuses", "person_id"),
    "unit": ("unit_statuses", "unit_id"),
}


async def statuses(
    con: asyncpg.Connection, subject_id: UUID, subject: st.Subject = "person"
) -> list[st.StatusPeriod]:
    table, column = STATUS_TABLES[subject]
    rows = await con.fetch(
        f"SELECT id, {column} AS subject_id, kind, start_date, end_date, discipline_level"
        f" FROM {table} WHERE {column} = $1 ORDER BY start_date, id",
        subject_id,
    )
    return [st.StatusPeriod(*r) for r in rows]


async def save_status(
    con: asyncpg.Connection, s: st.StatusPeriod, subject: st.Subject = "person"
) -> None:
    table, column = STATUS_TABLES[subject]
    await con.execute(
        f"INSERT INTO {table} (id, {column}, kind, discipline_level, start_date, end_date)"
        " VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO UPDATE SET"
        " discipline_level = excluded.discipline_level, start_date = excluded.start_date,"
        " end_date = excluded.end_date",
        s.status_id,
        s.subject_id,
        s.kind,
        s.discipline_level,
        s.start,
        s.end,
    )
