"""Read-side composition: a campaign's dashboard and a unit's completion from the stored target
states (current report, first report, achievement), with the domain's aggregates.

Why not `domain.campaign_dashboard`: it rebuilds every state from the campaign's whole report
history, which is right for checks but not for a view of a large campaign, and it would re-derive
achievements the service already decided and published (including those a target revision
caused). The stored state is the one TargetAchieved told everyone about; the per-unit figures are
the domain's (`unit_completion`, `finished_early`, `due_notices`), in the domain's records.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg

from services.progress.domain import (
    Campaign,
    Dashboard,
    TargetState,
    due_notices,
    finished_early,
)
from services.progress.domain.dashboard import OverdueTarget, Totals, UnitRow, totals
from services.progress.store import campaigns, targets


def unit_row(unit_id: UUID, states: list[TargetState]) -> UnitRow:
    t = totals(states)
    return UnitRow(
        unit_id=unit_id,
        completion=t.completion,
        targets=t.targets,
        met_now=t.met_now,
        achieved=t.achieved,
        achieved_early=t.achieved_early,
        finished_early=finished_early(states),
    )


def dashboard(campaign: Campaign, states: Iterable[TargetState], day: date) -> Dashboard:
    mine = [s for s in states if s.target.campaign_id == campaign.id]
    by_unit: dict[UUID, list[TargetState]] = {u: [] for u in campaign.units}
    for s in mine:
        by_unit.setdefault(s.target.unit_id, []).append(s)
    rows = tuple(unit_row(u, ss) for u, ss in sorted(by_unit.items(), key=lambda kv: str(kv[0])))
    reported = {s.target.id for s in mine if s.first_reported is not None}
    late = [
        OverdueTarget(n.target, n.days)
        for n in due_notices([s.target for s in mine], reported, day, lead_days=0)
        if n.kind == "overdue"
    ]
    late.sort(key=lambda o: (-o.days_overdue, str(o.target.id)))
    return Dashboard(
        campaign_id=campaign.id,
        today=day,
        units=rows,
        early_finishers=tuple(r.unit_id for r in rows if r.finished_early),
        overdue=tuple(late),
        states={s.target.id: s for s in mine},
    )


async def campaign_dashboard(
    con: asyncpg.Connection, campaign_id: UUID, day: date
) -> tuple[asyncpg.Record, Dashboard] | None:
    row = await campaigns.campaign(con, campaign_id)
    if row is None:
        return None
    loaded = await targets.load_targets(con, campaign_id=campaign_id)
    return row, dashboard(campaigns.campaign_of(row), (x.state for x in loaded), day)


@dataclass(frozen=True)
class Rollup:
    """A campaign's dashboard with the units' own movements answering it: each one's figures,
    and the totals over the campaign's own targets and theirs. For an occasion, only the
    campaigns dedicated to it count: the movements listed, and the campaign's own targets when
    it is dedicated to it too (`own_counted`)."""

    children: list[tuple[asyncpg.Record, Totals]]
    own: Totals
    total: Totals
    own_counted: bool = True


def dedicated(row: asyncpg.Record, occasion_id: UUID | None) -> bool:
    return occasion_id is None or occasion_id in row["occasion_ids"]


async def rollup(
    con: asyncpg.Connection, campaign: asyncpg.Record, d: Dashboard, occasion_id: UUID | None
) -> Rollup:
    children = []
    own_counted = dedicated(campaign, occasion_id)
    every = list(d.states.values()) if own_counted else []
    for row in await campaigns.descendant_campaigns(con, d.campaign_id):
        if not dedicated(row, occasion_id):
            continue
        states = [x.state for x in await targets.load_targets(con, campaign_id=row["campaign_id"])]
        children.append((row, totals(states)))
        every += states
    return Rollup(children, totals(d.states.values()), totals(every), own_counted)


@dataclass(frozen=True)
class Dedicated:
    """A unit's achievements dedicated to an occasion (lập thành tích chào mừng)."""

    unit_id: UUID
    reports: int
    """Its reports naming the occasion that no correction superseded."""
    achieved: int
    """Its targets achieved by a report naming the occasion (the achievement stands even when
    that report was corrected later)."""


async def dedicated_by_unit(
    con: asyncpg.Connection, campaign_ids: list[UUID], occasion_id: UUID
) -> list[Dedicated]:
    """Per unit, in these campaigns, the reports naming the occasion and the targets they
    achieved (report_occasions, achievements.report_id)."""
    rows = await con.fetch(
        """
        WITH named AS (
            SELECT r.report_id, r.unit_id,
                   EXISTS (SELECT 1 FROM reports s WHERE s.supersedes = r.report_id) AS corrected
            FROM report_occasions o
            JOIN reports r ON r.report_id = o.report_id
            WHERE o.occasion_id = $1 AND r.campaign_id = ANY($2::uuid[])
        )
        SELECT n.unit_id, count(*) FILTER (WHERE NOT n.corrected) AS reports,
               count(a.target_id) AS achieved
        FROM named n
        LEFT JOIN achievements a ON a.report_id = n.report_id
        GROUP BY n.unit_id
        ORDER BY n.unit_id
        """,
        occasion_id,
        campaign_ids,
    )
    return [Dedicated(r["unit_id"], r["reports"], r["achieved"]) for r in rows]


async def unit_progress(
    con: asyncpg.Connection, unit_id: UUID, campaign_id: UUID | None
) -> list[tuple[asyncpg.Record, UnitRow, list[targets.Loaded]]]:
    """Per campaign the unit has targets in: the campaign, the unit's figures, its targets."""
    loaded = await targets.load_targets(con, campaign_id=campaign_id, unit_ids=[unit_id])
    by_campaign: dict[UUID, list[targets.Loaded]] = defaultdict(list)
    for x in loaded:
        by_campaign[x.target.campaign_id].append(x)
    out = []
    for cid in sorted(by_campaign, key=str):
        row = await campaigns.campaign(con, cid)
        if row is None:
            continue
        items = by_campaign[cid]
        out.append((row, unit_row(unit_id, [x.state for x in items]), items))
    return out
