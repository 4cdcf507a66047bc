"""Reminders: targets without a report by their deadline, and the notices already sent (one per
target, kind and period, in `notices_sent`)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime
from uuid import UUID

import asyncpg

from services.progress.domain import (
    Target,
)
from services.progress.store.targets import target_of

_UNREPORTED = """
    SELECT t.*, ARRAY(SELECT n.kind || '|' || n.period FROM notices_sent n
                      WHERE n.target_id = t.target_id) AS sent{extra}
    FROM targets t JOIN campaigns c ON c.campaign_id = t.campaign_id{join}
    WHERE c.state = 'launched'
      AND NOT EXISTS (SELECT 1 FROM reports r WHERE r.target_id = t.target_id
                      AND r.as_of <= t.deadline)
      AND NOT EXISTS (SELECT 1 FROM notices_sent n WHERE n.target_id = t.target_id
                      AND n.kind = 'overdue' AND n.period = t.deadline::text)
      AND {where}
    ORDER BY t.deadline, t.target_id
    LIMIT $3
"""


def _unreported(rows: Iterable[asyncpg.Record]) -> list[tuple[Target, set[tuple[str, str]]]]:
    return [(target_of(r), {tuple(s.split("|", 1)) for s in r["sent"]}) for r in rows]


async def unreported_targets(
    con: asyncpg.Connection, *, due_by: date, since: date, limit: int
) -> list[tuple[Target, set[tuple[str, str]]]]:
    """Targets of launched campaigns with no report dated on or before their deadline and a
    deadline in [since, due_by], with the (kind, period) notices already sent for each (overdue
    ones already sent are left out)."""
    sql = _UNREPORTED.format(extra="", join="", where="t.deadline <= $1 AND t.deadline >= $2")
    return _unreported(await con.fetch(sql, due_by, since, limit))


async def missed_in_the_record(
    con: asyncpg.Connection, *, reported_since: datetime, before: date, limit: int
) -> list[tuple[Target, set[tuple[str, str]], date]]:
    """Targets with no report dated on or before their deadline (which is before `before`) in
    campaigns whose reports, made since `reported_since`, already describe a later day: with the
    notices already sent and that latest day (the day the campaign's record has reached)."""
    sql = _UNREPORTED.format(
        extra=", rec.reached",
        join="""
    JOIN (SELECT campaign_id, max(as_of) AS reached FROM reports
          WHERE reported_at >= $1 GROUP BY campaign_id) rec ON rec.campaign_id = t.campaign_id""",
        where="t.deadline < rec.reached AND t.deadline < $2",
    )
    rows = await con.fetch(sql, reported_since, before, limit)
    return [(t, sent, r["reached"]) for (t, sent), r in zip(_unreported(rows), rows, strict=True)]


async def record_notices(
    con: asyncpg.Connection, keys: Sequence[tuple[UUID, str, str]]
) -> set[tuple[UUID, str, str]]:
    """Record (target, kind, period) notices; returns those not recorded before (by anyone)."""
    if not keys:
        return set()
    rows = await con.fetch(
        """
        INSERT INTO notices_sent (target_id, kind, period)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[])
        ON CONFLICT DO NOTHING
        RETURNING target_id, kind, period
        """,
        *map(list, zip(*keys, strict=True)),
    )
    return {(r["target_id"], r["kind"], r["period"]) for r in rows}
