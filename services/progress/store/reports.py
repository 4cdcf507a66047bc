"""Reports: the HTTP path's one-statement store (`save_submitted`), the bus path's set-based
insert-and-advance (`insert_and_advance`), a target's history, and the reports set aside by a unit's
closure (`refused_reports`)."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg

from services.progress.domain import (
    Achievement,
    Report,
    TargetState,
)
from services.progress.store.targets import REPORT_COLUMNS, report_of

# The bus path's bulk step: insert a batch of reports (new ones only, by report_id) and, for the
# targets whose batch corrects nothing, advance their state in the same statement. This is the
# set-based form of what `domain.apply_report` and `domain.rebuild` do in that case: the current
# report is the latest by (as_of, reported_at, report_id) (`Report.sort_key`); the first report
# is the earliest submitted, by (submitted day, reported_at, report_id) (`Report.first_key`).
# Targets with a correction in the batch, which may need their history, go through the domain one
# report at a time. tests/progress/test_ingest_equivalence.py holds the two to the same results.
# The caller locks the targets first (`lock_for_update`), so the statement sees the current
# report another transaction may just have committed.
# `_SUBMITTED_DAY`: `Report.submitted_day` in SQL, of the row in scope.
_SUBMITTED_DAY = "COALESCE(submitted_on, (reported_at AT TIME ZONE 'Asia/Ho_Chi_Minh')::date)"
_INGEST = f"""
WITH x AS (
    SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::numeric[],
                         $6::date[], $7::timestamptz[], $8::text[], $9::text[], $10::uuid[],
                         $12::date[])
         WITH ORDINALITY AS x(report_id, target_id, campaign_id, unit_id, value, as_of,
                              reported_at, note, evidence, supersedes, submitted_on, n)
), inserted AS (
    INSERT INTO reports (report_id, target_id, campaign_id, unit_id, value, as_of, reported_at,
                         note, evidence, supersedes, submitted_on)
    SELECT report_id, target_id, campaign_id, unit_id, value, as_of, reported_at, note,
           string_to_array(evidence, chr(31)), supersedes, submitted_on
    FROM x ORDER BY n
    ON CONFLICT (report_id) DO NOTHING
    RETURNING report_id, target_id, as_of, reported_at, submitted_on
), simple AS (
    SELECT * FROM inserted WHERE target_id <> ALL($11::uuid[])
), latest AS (
    SELECT DISTINCT ON (target_id) target_id, report_id, as_of, reported_at FROM simple
    ORDER BY target_id, as_of DESC, reported_at DESC, report_id DESC
), earliest AS (
    SELECT DISTINCT ON (target_id) target_id, report_id, reported_at,
           {_SUBMITTED_DAY} AS submitted_day
    FROM simple
    ORDER BY target_id, submitted_day, reported_at, report_id
), advanced AS (
    UPDATE targets t SET
        current_report_id = CASE
            WHEN t.current_report_id IS NULL THEN l.report_id
            WHEN (l.as_of, l.reported_at, l.report_id) > (
                SELECT c.as_of, c.reported_at, c.report_id FROM reports c
                WHERE c.report_id = t.current_report_id) THEN l.report_id
            ELSE t.current_report_id END,
        first_report_id = CASE
            WHEN t.first_report_id IS NULL THEN e.report_id
            WHEN (e.submitted_day, e.reported_at, e.report_id) < (
                SELECT {_SUBMITTED_DAY}, f.reported_at, f.report_id FROM reports f
                WHERE f.report_id = t.first_report_id) THEN e.report_id
            ELSE t.first_report_id END
    FROM latest l JOIN earliest e ON e.target_id = l.target_id
    WHERE t.target_id = l.target_id
    RETURNING t.unit_id, t.deadline
)
SELECT report_id, NULL::uuid AS unit_id, NULL::date AS deadline FROM inserted
UNION ALL
SELECT DISTINCT NULL::uuid, unit_id, deadline FROM advanced
"""


@dataclass(frozen=True, slots=True)
class Ingested:
    new: set[UUID]
    """The report ids not stored before."""
    dirty: set[tuple[UUID, int]]
    """(unit, deadline year) of the targets advanced."""


EVIDENCE_SEPARATOR = "\x1f"  # chr(31) in the statements


def _report_columns(reports: Sequence[tuple[Report, UUID]]) -> list[list]:
    """(report, campaign id) pairs as the ten `unnest` arrays `_INGEST` and `_SUBMITTED` take:
    report id, target, campaign, unit, value, as of, reported at, note, evidence, supersedes.
    A report's evidence references go as one text each, joined by U+001F (a control character
    no reference may hold: `servicekit.text`, the contract's CitedRef), split again in SQL."""
    return [
        [r.id for r, _ in reports],
        [r.target_id for r, _ in reports],
        [c for _, c in reports],
        [r.unit_id for r, _ in reports],
        [r.value for r, _ in reports],
        [r.as_of for r, _ in reports],
        [r.reported_at for r, _ in reports],
        [r.note for r, _ in reports],
        [EVIDENCE_SEPARATOR.join(r.evidence) for r, _ in reports],
        [r.supersedes for r, _ in reports],
    ]


async def insert_and_advance(
    con: asyncpg.Connection,
    reports: Sequence[tuple[Report, UUID]],
    held_back: Collection[UUID] = (),
) -> Ingested:
    """Insert (report, campaign id) pairs; advance the state of their targets, except those in
    `held_back` (the caller applies those one by one). See _INGEST."""
    if not reports:
        return Ingested(set(), set())
    rows = await con.fetch(
        _INGEST,
        *_report_columns(reports),
        list(held_back),
        [r.submitted_on for r, _ in reports],
    )
    new = {r["report_id"] for r in rows if r["report_id"] is not None}
    dirty = {(r["unit_id"], r["deadline"].year) for r in rows if r["unit_id"] is not None}
    return Ingested(new, dirty)


# One HTTP request's accepted reports in one statement (a round trip, where five were): the report
# rows, their targets' new state as the domain decided it, the achievements (new ones, and those a
# correction moved to another report, replace the stored one; those it retracted are deleted), and
# the marks of the blocs to re-rank (those the reporting units belong to in their targets'
# deadline years).
_SUBMITTED = """
WITH new_reports AS (
    INSERT INTO reports (report_id, target_id, campaign_id, unit_id, value, as_of, reported_at,
                         note, evidence, supersedes, submitted_on)
    SELECT report_id, target_id, campaign_id, unit_id, value, as_of, reported_at, note,
           string_to_array(evidence, chr(31)), supersedes, submitted_on
    FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::numeric[], $6::date[],
                $7::timestamptz[], $8::text[], $9::text[], $10::uuid[], $23::date[])
         WITH ORDINALITY AS x(report_id, target_id, campaign_id, unit_id, value, as_of,
                              reported_at, note, evidence, supersedes, submitted_on, n)
    ORDER BY n
), new_states AS (
    UPDATE targets t SET current_report_id = s.current_id, first_report_id = s.first_id
    FROM unnest($11::uuid[], $12::uuid[], $13::uuid[]) AS s(target_id, current_id, first_id)
    WHERE t.target_id = s.target_id
), new_achievements AS (
    INSERT INTO achievements (target_id, campaign_id, unit_id, report_id, achieved_on, deadline,
                              completion)
    SELECT * FROM unnest($14::uuid[], $15::uuid[], $16::uuid[], $17::uuid[], $18::date[],
                         $19::date[], $20::numeric[])
    ON CONFLICT (target_id) DO UPDATE SET report_id = EXCLUDED.report_id,
        achieved_on = EXCLUDED.achieved_on, deadline = EXCLUDED.deadline,
        completion = EXCLUDED.completion
), retracted AS (
    DELETE FROM achievements WHERE target_id = ANY($24::uuid[])
)
INSERT INTO standings_dirty (bloc_id, year)
SELECT DISTINCT m.bloc_id, m.year
FROM unnest($21::uuid[], $22::int[]) AS d(unit_id, year)
JOIN bloc_members m ON m.unit_id = d.unit_id AND m.year = d.year
"""


async def save_submitted(
    con: asyncpg.Connection,
    reports: Sequence[tuple[Report, UUID]],
    states: Sequence[TargetState],
    achieved: Sequence[Achievement],
    retracted: Sequence[UUID] = (),
) -> None:
    """Store what `commands.reports.submit` accepted: (report, campaign id) pairs, the new states of
    their targets, the achievements they reached (replacing a target's earlier one) and the
    targets whose achievement they retracted; mark the standings to recompute."""
    dirty = sorted({(s.target.unit_id, s.target.deadline.year) for s in states})
    await con.execute(
        _SUBMITTED,
        *_report_columns(reports),
        [s.target.id for s in states],
        [s.current.id if s.current else None for s in states],
        [s.first_reported.id if s.first_reported else None for s in states],
        [a.target_id for a in achieved],
        [a.campaign_id for a in achieved],
        [a.unit_id for a in achieved],
        [a.report_id for a in achieved],
        [a.achieved_on for a in achieved],
        [a.deadline for a in achieved],
        [a.completion for a in achieved],
        [u for u, _ in dirty],
        [y for _, y in dirty],
        [r.submitted_on for r, _ in reports],
        list(retracted),
    )


_REPORT_SELECT = f"SELECT {', '.join(REPORT_COLUMNS)} FROM reports"


async def history(con: asyncpg.Connection, target_id: UUID) -> list[Report]:
    """Every report of a target (superseded ones included), in arrival order."""
    rows = await con.fetch(
        _REPORT_SELECT + " WHERE target_id = $1 ORDER BY reported_at, report_id", target_id
    )
    return [r for r in map(report_of, rows) if r is not None]


async def set_aside_history(
    con: asyncpg.Connection, target_id: UUID
) -> list[tuple[Report, str, str]]:
    """A target's reports set aside (`refused_reports`): (report, reason, detail), in arrival
    order."""
    rows = await con.fetch(
        f"SELECT {', '.join(REPORT_COLUMNS)}, reason, detail FROM refused_reports"
        " WHERE target_id = $1 ORDER BY reported_at, report_id",
        target_id,
    )
    return [(report, r["reason"], r["detail"]) for r in rows if (report := report_of(r))]


async def histories(
    con: asyncpg.Connection, target_ids: Sequence[UUID]
) -> dict[UUID, list[Report]]:
    rows = await con.fetch(
        _REPORT_SELECT + " WHERE target_id = ANY($1::uuid[]) ORDER BY reported_at, report_id",
        list(target_ids),
    )
    out: dict[UUID, list[Report]] = {}
    for row in rows:
        report = report_of(row)
        assert report is not None
        out.setdefault(report.target_id, []).append(report)
    return out


async def get_report(con: asyncpg.Connection, report_id: UUID) -> Report | None:
    row = await con.fetchrow(_REPORT_SELECT + " WHERE report_id = $1", report_id)
    return report_of(row) if row else None


async def superseded(con: asyncpg.Connection, report_ids: Sequence[UUID]) -> set[UUID]:
    """Which of `report_ids` a correction already supersedes."""
    rows = await con.fetch(
        "SELECT supersedes FROM reports WHERE supersedes = ANY($1::uuid[])", list(report_ids)
    )
    return {r["supersedes"] for r in rows}


async def save_refused_reports(
    con: asyncpg.Connection, rows: Sequence[tuple[Report, UUID, str, str]]
) -> None:
    """(report, campaign, reason, detail): reports of the log kept aside, never applied."""
    if rows:
        await con.executemany(
            """
            INSERT INTO refused_reports (report_id, target_id, campaign_id, unit_id, value, as_of,
                                         reported_at, note, evidence, supersedes, reason, detail,
                                         submitted_on)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
            ON CONFLICT (report_id) DO NOTHING
            """,
            [
                (
                    r.id,
                    r.target_id,
                    c,
                    r.unit_id,
                    r.value,
                    r.as_of,
                    r.reported_at,
                    r.note,
                    list(r.evidence),
                    r.supersedes,
                    why,
                    detail,
                    r.submitted_on,
                )
                for r, c, why, detail in rows
            ],
        )


async def targets_reported_from(
    con: asyncpg.Connection, closures: Sequence[tuple[UUID, date]]
) -> list[UUID]:
    """The targets of each (unit, closed_on) that hold reports dated on or after the closure."""
    if not closures:
        return []
    rows = await con.fetch(
        """
        SELECT DISTINCT r.target_id
        FROM unnest($1::uuid[], $2::date[]) AS x(unit_id, closed_on)
        JOIN reports r ON r.unit_id = x.unit_id AND r.as_of >= x.closed_on
        """,
        [u for u, _ in closures],
        [d for _, d in closures],
    )
    return [r["target_id"] for r in rows]


async def set_aside_reports(con: asyncpg.Connection, rows: Sequence[tuple[UUID, str, str]]) -> None:
    """(report, reason, detail): move stored reports to refused_reports, whole, with the reason
    (they were accepted before the closure they fall after was known). Kept, never applied:
    every later load of a target's history reads `reports` only."""
    if rows:
        await con.execute(
            """
            WITH moved AS (
                DELETE FROM reports r
                USING unnest($1::uuid[], $2::text[], $3::text[]) AS x(report_id, reason, detail)
                WHERE r.report_id = x.report_id
                RETURNING r.*, x.reason, x.detail
            )
            INSERT INTO refused_reports (report_id, target_id, campaign_id, unit_id, value, as_of,
                                         reported_at, note, evidence, supersedes, submitted_on,
                                         reason, detail)
            SELECT report_id, target_id, campaign_id, unit_id, value, as_of, reported_at, note,
                   evidence, supersedes, submitted_on, reason, detail
            FROM moved
            ON CONFLICT (report_id) DO NOTHING
            """,
            [r for r, _, _ in rows],
            [why for _, why, _ in rows],
            [detail for _, _, detail in rows],
        )
