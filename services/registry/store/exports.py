"""The read models of the .xlsx exports: the rows in the columns of the import."""

from __future__ import annotations

from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from services.registry.store.units import load_tree


async def export_rows(
    con: asyncpg.Connection,
    kind: str,
    *,
    as_of: date,
    year: int | None = None,
    campaign_id: UUID | None = None,
) -> list[list[Any]]:
    """The rows of an export, in the columns of the import."""
    if kind == "units":
        tree = await load_tree(con)
        out = []
        for v in sorted(tree.snapshot(as_of), key=lambda v: v.code):
            parent = tree.code(v.parent_id) if v.parent_id else None
            out.append([v.code, v.name, v.kind, v.level, parent, v.valid_from, v.valid_to])
        return out
    if kind == "people":
        rows = await con.fetch(
            "SELECT pe.code, pv.full_name, pe.gender, pe.birth_year, u.code AS unit_code,"
            " pv.position, pv.valid_from FROM person_versions pv JOIN people pe"
            " ON pe.id = pv.person_id JOIN units u ON u.id = pv.unit_id WHERE pv.valid_from <= $1"
            " AND (pv.valid_to IS NULL OR pv.valid_to > $1) ORDER BY u.code, pv.name_key",
            as_of,
        )
        return [list(r.values()) for r in rows]
    if kind == "bloc-memberships":
        # every member of the year, with the dates of its membership (those who left too)
        rows = await con.fetch(
            "SELECT bl.code, bl.name, bl.kind, y.year, u.code AS unit_code,"
            " CASE WHEN m.left_on IS NOT NULL THEN 'member'"
            " WHEN y.head_unit_id = m.unit_id THEN 'head'"
            " WHEN y.deputy_unit_id = m.unit_id THEN 'deputy' ELSE 'member' END,"
            " m.joined_on, m.left_on, y.scoring_scheme_ref FROM bloc_members m"
            " JOIN bloc_years y ON y.bloc_id = m.bloc_id AND y.year = m.year"
            " JOIN blocs bl ON bl.id = m.bloc_id JOIN units u ON u.id = m.unit_id"
            " WHERE m.year = $1 ORDER BY bl.code, m.joined_on, u.code",
            year or as_of.year,
        )
        return [list(r.values()) for r in rows]
    rows = await con.fetch(
        "SELECT c.code, u.code AS unit_code, t.name, t.metric, t.unit_of_measure, t.target_value,"
        " t.direction, t.weight, t.deadline, t.indicator_code, t.allow_negative FROM targets t"
        " JOIN campaigns c ON c.id = t.campaign_id JOIN units u ON u.id = t.unit_id"
        " WHERE ($1::uuid IS NULL OR t.campaign_id = $1) ORDER BY c.code, u.code, t.name",
        campaign_id,
    )
    return [list(r.values()) for r in rows]
