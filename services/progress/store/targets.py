"""The progress service's SQL: rows in and out as the domain's records.

Set-based throughout: every write takes a list and is one statement (`unnest`), so a consumed
batch of thousands of events costs a handful of round trips. Reads that precede a change lock the
targets' rows (`FOR UPDATE`, in id order, so concurrent batches cannot deadlock).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime
from decimal import Decimal
from operator import attrgetter
from typing import Any
from uuid import UUID

import asyncpg

from servicekit.closures import UnitEnd
from services.progress.domain import (
    Achievement,
    Adjustment,
    Campaign,
    Initiative,
    Membership,
    RatingEntry,
    Report,
    ScoringScheme,
    Target,
    TargetState,
)

# ---- targets and their state -------------------------------------------------------------------

_REPORT_COLUMNS = (
    "report_id",
    "target_id",
    "unit_id",
    "value",
    "as_of",
    "reported_at",
    "note",
    "evidence",
    "supersedes",
    "submitted_on",
)


def _report_cols(alias: str, prefix: str) -> str:
    return ", ".join(f"{alias}.{c} AS {prefix}{c}" for c in _REPORT_COLUMNS)


# Columns in the order of the records' fields (Target, then Report twice, then Achievement's own),
# so a row becomes records by position, without a lookup by name per column: the standings worker
# builds every target of each bloc it recomputes.
_STATE_SELECT = f"""
SELECT t.target_id, t.campaign_id, t.unit_id, t.name, t.metric, t.unit_of_measure,
       t.target_value, t.direction, t.weight, t.deadline, t.revision, t.allow_negative,
       t.indicator_code, {_report_cols("cr", "c_")}, {_report_cols("fr", "f_")},
       a.report_id AS a_report_id, a.achieved_on AS a_achieved_on, a.deadline AS a_deadline,
       a.completion AS a_completion
FROM targets t
LEFT JOIN reports cr ON cr.report_id = t.current_report_id
LEFT JOIN reports fr ON fr.report_id = t.first_report_id
LEFT JOIN achievements a ON a.target_id = t.target_id
"""
_INDICATOR, _CURRENT = 12, 13
_FIRST = _CURRENT + len(_REPORT_COLUMNS)
_ACHIEVEMENT = _FIRST + len(_REPORT_COLUMNS)
# Campaigns are read apart, once each (`_campaigns`): joined to every target row, their unit and
# bloc arrays (hundreds of ids) were decoded again per target and dominated the standings
# worker's loads (measured by bench/ingest.py).


@dataclass(frozen=True, slots=True)
class Loaded:
    """A target with its progress and its campaign (None if the campaign is unknown)."""

    state: TargetState
    campaign: Campaign | None
    indicator_code: str | None = None
    last_reported_at: datetime | None = None
    """The latest `reported_at` of the target's reports (read by `lock_targets(last=True)`)."""

    @property
    def target(self) -> Target:
        return self.state.target


def target_of(r: asyncpg.Record) -> Target:
    return Target(
        id=r["target_id"],
        campaign_id=r["campaign_id"],
        unit_id=r["unit_id"],
        name=r["name"],
        metric=r["metric"],
        unit_of_measure=r["unit_of_measure"],
        target_value=r["target_value"],
        direction=r["direction"],
        weight=r["weight"],
        deadline=r["deadline"],
        revision=r["revision"],
        allow_negative=r["allow_negative"],
    )


def report_of(r: asyncpg.Record, prefix: str = "") -> Report | None:
    if r[f"{prefix}report_id"] is None:
        return None
    return Report(
        id=r[f"{prefix}report_id"],
        target_id=r[f"{prefix}target_id"],
        unit_id=r[f"{prefix}unit_id"],
        value=r[f"{prefix}value"],
        as_of=r[f"{prefix}as_of"],
        reported_at=r[f"{prefix}reported_at"],
        note=r[f"{prefix}note"],
        evidence=tuple(r[f"{prefix}evidence"] or ()),
        supersedes=r[f"{prefix}supersedes"],
        submitted_on=r[f"{prefix}submitted_on"],
    )


# Campaigns once each, and (for `submit`) each locked target's latest report time, in one round
# trip. Read after the lock, in a statement of its own: its snapshot then holds every report
# committed by a transaction the lock waited for.
_CAMPAIGNS_AND_LAST = """
SELECT campaign_id, state, start_date, end_date, participating_unit_ids, bloc_ids,
       NULL::uuid AS target_id, NULL::timestamptz AS last_at
FROM campaigns WHERE campaign_id = ANY($1::uuid[])
UNION ALL
SELECT NULL, NULL, NULL, NULL, NULL, NULL, target_id, max(reported_at)
FROM reports WHERE target_id = ANY($2::uuid[]) GROUP BY target_id
"""


async def _campaigns(
    con: asyncpg.Connection, rows: Sequence[asyncpg.Record], *, last: bool = False
) -> tuple[dict[UUID, Campaign], dict[UUID, datetime]]:
    """The campaigns of `rows`' targets and, if `last`, their targets' latest report times."""
    ids = list({r["campaign_id"] for r in rows})
    targets = [r["target_id"] for r in rows] if last else []
    if not ids and not targets:
        return {}, {}
    found = await con.fetch(_CAMPAIGNS_AND_LAST, ids, targets)
    campaigns = {
        c["campaign_id"]: Campaign(
            id=c["campaign_id"],
            state=c["state"],
            start=c["start_date"],
            end=c["end_date"],
            units=frozenset(c["participating_unit_ids"]),
            blocs=frozenset(c["bloc_ids"]),
        )
        for c in found
        if c["target_id"] is None
    }
    return campaigns, {r["target_id"]: r["last_at"] for r in found if r["target_id"] is not None}


def _report_at(v: tuple, i: int) -> Report | None:
    """The report in `_REPORT_COLUMNS` order from position i of a row's values, if any."""
    if v[i] is None:
        return None
    evidence = v[i + 7]
    return Report(
        v[i], v[i + 1], v[i + 2], v[i + 3], v[i + 4], v[i + 5], v[i + 6],
        tuple(evidence) if evidence else (), v[i + 8], v[i + 9],
    )  # fmt: skip


def _state_of(r: asyncpg.Record) -> TargetState:
    """A `_STATE_SELECT` row as the target's state (by position, see there)."""
    v = tuple(r)
    target = Target(*v[:_INDICATOR])
    current = _report_at(v, _CURRENT)
    # most often the first report is still the current one: the same record, made once
    first = current if v[_FIRST] == v[_CURRENT] else _report_at(v, _FIRST)
    achievement = None
    if v[_ACHIEVEMENT] is not None:
        achievement = Achievement(
            target.id, target.campaign_id, target.unit_id, *v[_ACHIEVEMENT : _ACHIEVEMENT + 4]
        )
    return TargetState(target, current, achievement, first)


def _loaded(
    r: asyncpg.Record, campaigns: dict[UUID, Campaign], last: dict[UUID, datetime] | None = None
) -> Loaded:
    state = _state_of(r)
    target = state.target
    return Loaded(
        state,
        campaigns.get(target.campaign_id),
        r[_INDICATOR],
        last.get(target.id) if last else None,
    )


async def lock_targets(
    con: asyncpg.Connection, ids: Iterable[UUID], *, last: bool = False
) -> dict[UUID, Loaded]:
    """The targets among `ids` that exist, locked for update (in id order) until commit; with
    `last`, each with its latest report time (`Loaded.last_reported_at`).

    Lock first, then read in a statement of its own: a `SELECT … FOR UPDATE OF t` that waits
    for another transaction's lock sees that transaction's new target row but, under READ
    COMMITTED, the joined report and achievement rows of its own older snapshot, so a report
    committed meanwhile would be compared with a stale current report and an achievement
    derived twice (found at 200 concurrent reports/s)."""
    wanted = list(set(ids))  # lock_for_update takes them in id order; the read needs none
    if not wanted:
        return {}
    await lock_for_update(con, wanted)
    rows = await con.fetch(
        _STATE_SELECT + " WHERE t.target_id = ANY($1::uuid[]) ORDER BY t.target_id", wanted
    )
    campaigns, last_at = await _campaigns(con, rows, last=last)
    return {r["target_id"]: _loaded(r, campaigns, last_at) for r in rows}


async def load_targets(
    con: asyncpg.Connection,
    *,
    target_id: UUID | None = None,
    campaign_id: UUID | None = None,
    unit_ids: Sequence[UUID] | None = None,
    deadline_from: date | None = None,
    deadline_before: date | None = None,
) -> list[Loaded]:
    """Targets with their progress, for reading (no lock), ordered by unit, deadline, name."""
    rows = await con.fetch(
        _STATE_SELECT
        + """
        WHERE ($1::uuid IS NULL OR t.target_id = $1)
          AND ($2::uuid IS NULL OR t.campaign_id = $2)
          AND ($3::uuid[] IS NULL OR t.unit_id = ANY($3))
          AND ($4::date IS NULL OR t.deadline >= $4)
          AND ($5::date IS NULL OR t.deadline < $5)
        ORDER BY t.unit_id, t.deadline, t.name, t.target_id
        """,
        target_id,
        campaign_id,
        list(unit_ids) if unit_ids is not None else None,
        deadline_from,
        deadline_before,
    )
    campaigns, _ = await _campaigns(con, rows)
    return [_loaded(r, campaigns) for r in rows]


_SCORED = (
    _STATE_SELECT
    + """
WHERE t.unit_id = ANY($1::uuid[]) AND t.deadline >= $2 AND t.deadline < $3
ORDER BY t.unit_id, t.deadline, t.name, t.target_id
"""
)
_STATES_PER_SLICE = 500


async def states_of_units(
    con: asyncpg.Connection, unit_ids: Sequence[UUID], year: int
) -> list[TargetState]:
    """The states of the units' targets due in `year` (what a bloc's ranking counts), in the order
    of `load_targets`, without their campaigns. Made a slice at a time, letting the event loop
    run between slices: the standings worker shares it with the consumer and HTTP requests."""
    rows = await con.fetch(_SCORED, list(unit_ids), date(year, 1, 1), date(year + 1, 1, 1))
    states: list[TargetState] = []
    for start in range(0, len(rows), _STATES_PER_SLICE):
        if start:
            await asyncio.sleep(0)
        states += map(_state_of, rows[start : start + _STATES_PER_SLICE])
    return states


_uuid_order = attrgetter("int")  # the order of UUIDs, compared in C


async def lock_for_update(con: asyncpg.Connection, target_ids: Iterable[UUID]) -> None:
    """Lock the targets' rows (those that exist) until commit, in id order."""
    ids = sorted(set(target_ids), key=_uuid_order)  # UUID's own __lt__ is Python, 10× slower
    if ids:
        await con.execute(
            "SELECT target_id FROM targets WHERE target_id = ANY($1::uuid[])"
            " ORDER BY target_id FOR UPDATE",
            ids,
        )


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
           string_to_array(evidence, ' '), supersedes, submitted_on
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


def _report_columns(reports: Sequence[tuple[Report, UUID]]) -> list[list]:
    """(report, campaign id) pairs as the ten `unnest` arrays `_INGEST` and `_SUBMITTED` take:
    report id, target, campaign, unit, value, as of, reported at, note, evidence, supersedes.
    Evidence references hold no whitespace (DocumentRef, and the domain's check): one text each,
    split again in SQL."""
    return [
        [r.id for r, _ in reports],
        [r.target_id for r, _ in reports],
        [c for _, c in reports],
        [r.unit_id for r, _ in reports],
        [r.value for r, _ in reports],
        [r.as_of for r, _ in reports],
        [r.reported_at for r, _ in reports],
        [r.note for r, _ in reports],
        [" ".join(r.evidence) for r, _ in reports],
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


async def save_states(con: asyncpg.Connection, states: Iterable[TargetState]) -> None:
    rows = [
        (
            s.target.id,
            s.current.id if s.current else None,
            s.first_reported.id if s.first_reported else None,
        )
        for s in states
    ]
    if not rows:
        return
    await con.execute(
        """
        UPDATE targets t SET current_report_id = x.current_id, first_report_id = x.first_id
        FROM unnest($1::uuid[], $2::uuid[], $3::uuid[]) AS x(target_id, current_id, first_id)
        WHERE t.target_id = x.target_id
        """,
        *map(list, zip(*rows, strict=True)),
    )


# ---- reports -----------------------------------------------------------------------------------


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
           string_to_array(evidence, ' '), supersedes, submitted_on
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
    """Store what `reporting.submit` accepted: (report, campaign id) pairs, the new states of
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


_REPORT_SELECT = f"SELECT {', '.join(_REPORT_COLUMNS)} FROM reports"


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
        f"SELECT {', '.join(_REPORT_COLUMNS)}, reason, detail FROM refused_reports"
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


# ---- achievements ------------------------------------------------------------------------------


async def delete_achievements(con: asyncpg.Connection, retracted: Sequence[Achievement]) -> None:
    """Delete each target's achievement if it is still the one retracted (by its report)."""
    if retracted:
        await con.execute(
            """
            DELETE FROM achievements a
            USING unnest($1::uuid[], $2::uuid[]) AS x(target_id, report_id)
            WHERE a.target_id = x.target_id AND a.report_id = x.report_id
            """,
            [a.target_id for a in retracted],
            [a.report_id for a in retracted],
        )


async def save_achievements(
    con: asyncpg.Connection, achievements: Sequence[Achievement], *, overwrite: bool = False
) -> None:
    """`overwrite`: the bus's record wins over one derived here (a rebuild may derive a target's
    achievement before it reads the one the live service published)."""
    if not achievements:
        return
    conflict = (
        "DO UPDATE SET report_id = EXCLUDED.report_id, achieved_on = EXCLUDED.achieved_on, "
        "deadline = EXCLUDED.deadline, completion = EXCLUDED.completion"
        if overwrite
        else "DO NOTHING"
    )
    await con.execute(
        f"""
        INSERT INTO achievements (target_id, campaign_id, unit_id, report_id, achieved_on,
                                  deadline, completion)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::uuid[], $5::date[],
                             $6::date[], $7::numeric[])
        ON CONFLICT (target_id) {conflict}
        """,
        [a.target_id for a in achievements],
        [a.campaign_id for a in achievements],
        [a.unit_id for a in achievements],
        [a.report_id for a in achievements],
        [a.achieved_on for a in achievements],
        [a.deadline for a in achievements],
        [a.completion for a in achievements],
    )


# ---- the registry's read model -----------------------------------------------------------------


async def upsert_units(con: asyncpg.Connection, rows: Sequence[dict[str, Any]]) -> None:
    if not rows:
        return
    await con.execute(
        """
        INSERT INTO units (unit_id, code, name, kind, level, parent_id, valid_from, valid_to)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                             $6::uuid[], $7::date[], $8::date[])
        ON CONFLICT (unit_id) DO UPDATE SET code = EXCLUDED.code, name = EXCLUDED.name,
            kind = EXCLUDED.kind, level = EXCLUDED.level, parent_id = EXCLUDED.parent_id,
            valid_to = EXCLUDED.valid_to
        """,
        *_columns(
            rows,
            ("unit_id", "code", "name", "kind", "level", "parent_id", "valid_from", "valid_to"),
        ),
    )


async def close_units(con: asyncpg.Connection, closures: Sequence[tuple[UUID, date]]) -> None:
    if closures:
        await con.execute(
            """
            UPDATE units u SET valid_to = x.closed_on
            FROM unnest($1::uuid[], $2::date[]) AS x(unit_id, closed_on)
            WHERE u.unit_id = x.unit_id
            """,
            [u for u, _ in closures],
            [d for _, d in closures],
        )


async def merge_units(con: asyncpg.Connection, merges: Sequence[tuple[UUID, UUID]]) -> None:
    """(merged unit, successor) pairs."""
    if merges:
        await con.execute(
            """
            UPDATE units u SET merged_into = x.successor
            FROM unnest($1::uuid[], $2::uuid[]) AS x(unit_id, successor)
            WHERE u.unit_id = x.unit_id
            """,
            [m for m, _ in merges],
            [s for _, s in merges],
        )


async def record_closures(
    con: asyncpg.Connection, rows: Sequence[tuple[UUID, str | None, list[UUID]]]
) -> None:
    """(unit, closure kind, successors) of UnitClosed; older events carry neither."""
    if rows:
        await con.execute(
            """
            UPDATE units u SET closure_kind = x.kind,
                successor_ids = ARRAY(SELECT jsonb_array_elements_text(x.successors)::uuid)
            FROM unnest($1::uuid[], $2::text[], $3::jsonb[]) AS x(unit_id, kind, successors)
            WHERE u.unit_id = x.unit_id AND x.kind IS NOT NULL
            """,
            [u for u, _, _ in rows],
            [k for _, k, _ in rows],
            [json.dumps([str(s) for s in succ]) for _, _, succ in rows],
        )


async def unit_ends(
    con: asyncpg.Connection, unit_ids: Iterable[UUID]
) -> dict[UUID, tuple[UnitEnd, str]]:
    """The closed units among `unit_ids`: their closure (a merger's successor from UnitMerged
    when UnitClosed did not name it) and their name."""
    rows = await con.fetch(
        """
        SELECT u.unit_id, u.name, u.valid_to, coalesce(u.closure_kind,
                   CASE WHEN u.merged_into IS NULL THEN 'closed' ELSE 'merged' END) AS kind,
               s.successor_id, s.name AS successor_name
        FROM units u
        LEFT JOIN LATERAL (
            SELECT x.successor_id, x.n, su.name FROM unnest(
                CASE WHEN cardinality(u.successor_ids) > 0 THEN u.successor_ids
                     ELSE array_remove(ARRAY[u.merged_into], NULL) END
            ) WITH ORDINALITY AS x(successor_id, n)
            LEFT JOIN units su ON su.unit_id = x.successor_id
        ) s ON true
        WHERE u.unit_id = ANY($1::uuid[]) AND u.valid_to IS NOT NULL
        ORDER BY u.unit_id, s.n
        """,
        list(set(unit_ids)),
    )
    out: dict[UUID, tuple[UnitEnd, str]] = {}
    for r in rows:
        end, name = out.get(r["unit_id"]) or (UnitEnd(r["valid_to"], r["kind"]), r["name"])
        if r["successor_id"] is not None:
            successor = (r["successor_id"], r["successor_name"] or str(r["successor_id"]))
            end = replace(end, successors=(*end.successors, successor))
        out[r["unit_id"]] = (end, name)
    return out


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


async def upsert_people(con: asyncpg.Connection, rows: Sequence[tuple[UUID, UUID, date]]) -> None:
    """(person, unit, valid_from): the version in force from the latest valid_from wins."""
    if rows:
        await con.execute(
            """
            INSERT INTO people (person_id, unit_id, valid_from)
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::date[])
            ON CONFLICT (person_id) DO UPDATE SET unit_id = EXCLUDED.unit_id,
                valid_from = EXCLUDED.valid_from
            WHERE people.valid_from <= EXCLUDED.valid_from
            """,
            *map(list, zip(*rows, strict=True)),
        )


async def unit_names(con: asyncpg.Connection, unit_ids: Sequence[UUID]) -> dict[UUID, tuple]:
    rows = await con.fetch(
        "SELECT unit_id, name, code FROM units WHERE unit_id = ANY($1::uuid[])", list(unit_ids)
    )
    return {r["unit_id"]: (r["name"], r["code"]) for r in rows}


async def unit_exists(con: asyncpg.Connection, unit_id: UUID) -> bool:
    return bool(await con.fetchval("SELECT 1 FROM units WHERE unit_id = $1", unit_id))


async def people_units(con: asyncpg.Connection, person_ids: Sequence[UUID]) -> dict[UUID, UUID]:
    rows = await con.fetch(
        "SELECT person_id, unit_id FROM people WHERE person_id = ANY($1::uuid[])",
        list(person_ids),
    )
    return {r["person_id"]: r["unit_id"] for r in rows}


async def upsert_blocs(con: asyncpg.Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        await con.execute(
            """
            INSERT INTO blocs (bloc_id, year, code, name, kind, scheme_ref)
            SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[],
                                 $6::text[])
            ON CONFLICT (bloc_id, year) DO UPDATE SET code = EXCLUDED.code,
                name = EXCLUDED.name, kind = EXCLUDED.kind, scheme_ref = EXCLUDED.scheme_ref
            """,
            *_columns(rows, ("bloc_id", "year", "code", "name", "kind", "scheme_ref")),
        )


async def replace_members(
    con: asyncpg.Connection, members: dict[tuple[UUID, int], Sequence[UUID]]
) -> None:
    if not members:
        return
    keys = list(members)
    await con.execute(
        """
        DELETE FROM bloc_members m USING unnest($1::uuid[], $2::int[]) AS x(bloc_id, year)
        WHERE m.bloc_id = x.bloc_id AND m.year = x.year
        """,
        [b for b, _ in keys],
        [y for _, y in keys],
    )
    rows = [(b, y, u) for (b, y), units in members.items() for u in units]
    await con.execute(
        """
        INSERT INTO bloc_members (bloc_id, year, unit_id)
        SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[])
        ON CONFLICT DO NOTHING
        """,
        *map(list, zip(*rows, strict=True)),
    )


async def add_members(con: asyncpg.Connection, rows: Sequence[tuple[UUID, int, UUID]]) -> None:
    """(bloc, year, unit): a unit that joined during the year; those who left stay listed (they
    rank for the period they were members)."""
    if rows:
        await con.execute(
            """
            INSERT INTO bloc_members (bloc_id, year, unit_id)
            SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[]) ON CONFLICT DO NOTHING
            """,
            *map(list, zip(*rows, strict=True)),
        )


async def form_memberships(
    con: asyncpg.Connection, bloc_id: UUID, year: int, members: Sequence[UUID], formed_on: date
) -> None:
    """BlocFormed: the year's dated memberships start again from its members."""
    await con.execute(
        "DELETE FROM bloc_memberships WHERE bloc_id = $1 AND year = $2", bloc_id, year
    )
    await con.executemany(
        "INSERT INTO bloc_memberships (bloc_id, year, unit_id, joined_on) VALUES ($1, $2, $3, $4)",
        [(bloc_id, year, u, formed_on) for u in members],
    )


async def change_memberships(
    con: asyncpg.Connection,
    bloc_id: UUID,
    year: int,
    added: Sequence[UUID],
    removed: Sequence[UUID],
    day: date,
) -> None:
    """BlocMembershipChanged: the removed units' open memberships end on `day` (one that began
    that day never was), the added units' begin."""
    await con.execute(
        """
        DELETE FROM bloc_memberships WHERE bloc_id = $1 AND year = $2
          AND unit_id = ANY($3::uuid[]) AND left_on IS NULL AND joined_on >= $4
        """,
        bloc_id, year, list(removed), day,
    )  # fmt: skip
    await con.execute(
        """
        UPDATE bloc_memberships SET left_on = $4 WHERE bloc_id = $1 AND year = $2
          AND unit_id = ANY($3::uuid[]) AND left_on IS NULL
        """,
        bloc_id, year, list(removed), day,
    )  # fmt: skip
    await con.executemany(
        """
        INSERT INTO bloc_memberships (bloc_id, year, unit_id, joined_on) VALUES ($1, $2, $3, $4)
        ON CONFLICT DO NOTHING
        """,
        [(bloc_id, year, u, day) for u in added],
    )


async def memberships(con: asyncpg.Connection, bloc_id: UUID, year: int) -> list[Membership]:
    """The year's dated memberships; a bloc known only by its members (no dated row) has them
    for the whole year."""
    rows = await con.fetch(
        """
        SELECT unit_id, joined_on, left_on FROM bloc_memberships
        WHERE bloc_id = $1 AND year = $2 ORDER BY joined_on, unit_id
        """,
        bloc_id,
        year,
    )
    return [Membership(r["unit_id"], r["joined_on"], r["left_on"]) for r in rows]


async def record_heads(
    con: asyncpg.Connection, rows: Sequence[tuple[UUID, int, date, UUID, UUID | None]]
) -> None:
    """(bloc, year, first day, head, deputy): a head's term, until the next one's first day."""
    if rows:
        await con.executemany(
            """
            INSERT INTO bloc_heads (bloc_id, year, from_on, head_unit_id, deputy_unit_id)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT (bloc_id, year, from_on) DO UPDATE
            SET head_unit_id = EXCLUDED.head_unit_id, deputy_unit_id = EXCLUDED.deputy_unit_id
            """,
            rows,
        )


async def head_on(con: asyncpg.Connection, bloc_id: UUID, year: int, day: date) -> UUID | None:
    """The bloc's head in office on `day` (the year's first head before any term began)."""
    return await con.fetchval(
        """
        SELECT head_unit_id FROM bloc_heads WHERE bloc_id = $1 AND year = $2
        ORDER BY (from_on <= $3) DESC, CASE WHEN from_on <= $3 THEN from_on END DESC, from_on
        LIMIT 1
        """,
        bloc_id,
        year,
        day,
    )


async def set_heads(
    con: asyncpg.Connection, heads: Sequence[tuple[UUID, int, UUID, UUID | None]]
) -> None:
    """(bloc, year, head, deputy). A head elected before the bloc's formation reached us waits in
    a placeholder row that BlocFormed completes."""
    if heads:
        await con.execute(
            """
            INSERT INTO blocs (bloc_id, year, code, name, kind, head_unit_id, deputy_unit_id)
            SELECT x.bloc_id, x.year, '', '', 'bloc', x.head, x.deputy
            FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::uuid[])
                 AS x(bloc_id, year, head, deputy)
            ON CONFLICT (bloc_id, year) DO UPDATE SET head_unit_id = EXCLUDED.head_unit_id,
                deputy_unit_id = EXCLUDED.deputy_unit_id
            """,
            *map(list, zip(*heads, strict=True)),
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


async def occasion_exists(con: asyncpg.Connection, occasion_id: UUID) -> bool:
    return bool(await con.fetchval("SELECT 1 FROM occasions WHERE occasion_id = $1", occasion_id))


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


async def upsert_targets(
    con: asyncpg.Connection, targets: Sequence[tuple[Target, str | None]]
) -> list[tuple[Target, int | None]]:
    """Insert or revise (target, indicator code) pairs; an older or repeated revision is ignored.
    Returns the targets written with the revision each replaced (None: the target is new)."""
    if not targets:
        return []
    ts = [t for t, _ in targets]
    rows = await con.fetch(
        """
        WITH x AS (
            SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::uuid[], $4::text[], $5::text[],
                                 $6::text[], $7::numeric[], $8::text[], $9::numeric[],
                                 $10::date[], $11::text[], $12::int[], $13::bool[])
                AS x(target_id, campaign_id, unit_id, name, metric, unit_of_measure,
                     target_value, direction, weight, deadline, indicator_code, revision,
                     allow_negative)
        ), before AS (
            SELECT target_id, revision FROM targets
            WHERE target_id IN (SELECT target_id FROM x)
        )
        INSERT INTO targets AS t (target_id, campaign_id, unit_id, name, metric,
                                  unit_of_measure, target_value, direction, weight, deadline,
                                  indicator_code, revision, allow_negative)
        SELECT * FROM x
        ON CONFLICT (target_id) DO UPDATE SET campaign_id = EXCLUDED.campaign_id,
            unit_id = EXCLUDED.unit_id, name = EXCLUDED.name, metric = EXCLUDED.metric,
            unit_of_measure = EXCLUDED.unit_of_measure, target_value = EXCLUDED.target_value,
            direction = EXCLUDED.direction, weight = EXCLUDED.weight,
            deadline = EXCLUDED.deadline, indicator_code = EXCLUDED.indicator_code,
            revision = EXCLUDED.revision, allow_negative = EXCLUDED.allow_negative
        WHERE t.revision < EXCLUDED.revision
        RETURNING t.target_id, (SELECT b.revision FROM before b
                                WHERE b.target_id = t.target_id) AS previous
        """,
        [t.id for t in ts],
        [t.campaign_id for t in ts],
        [t.unit_id for t in ts],
        [t.name for t in ts],
        [t.metric for t in ts],
        [t.unit_of_measure for t in ts],
        [t.target_value for t in ts],
        [t.direction for t in ts],
        [t.weight for t in ts],
        [t.deadline for t in ts],
        [code for _, code in targets],
        [t.revision for t in ts],
        [t.allow_negative for t in ts],
    )
    by_id = {t.id: t for t in ts}
    return [(by_id[r["target_id"]], r["previous"]) for r in rows]


# ---- standings ---------------------------------------------------------------------------------


async def mark_units_dirty(con: asyncpg.Connection, pairs: Iterable[tuple[UUID, int]]) -> None:
    """The standings of every bloc these units belong to in these years need recomputing."""
    pairs = sorted(set(pairs))
    if pairs:
        await con.execute(
            """
            INSERT INTO standings_dirty (bloc_id, year)
            SELECT DISTINCT m.bloc_id, m.year
            FROM unnest($1::uuid[], $2::int[]) AS x(unit_id, year)
            JOIN bloc_members m ON m.unit_id = x.unit_id AND m.year = x.year
            """,
            [u for u, _ in pairs],
            [y for _, y in pairs],
        )


async def mark_units_dirty_all_years(con: asyncpg.Connection, unit_ids: Iterable[UUID]) -> None:
    ids = sorted(set(unit_ids))
    if ids:
        await con.execute(
            """
            INSERT INTO standings_dirty (bloc_id, year)
            SELECT DISTINCT bloc_id, year FROM bloc_members WHERE unit_id = ANY($1::uuid[])
            """,
            ids,
        )


async def mark_blocs_dirty(con: asyncpg.Connection, pairs: Iterable[tuple[UUID, int]]) -> None:
    pairs = sorted(set(pairs))
    if pairs:
        await con.execute(
            "INSERT INTO standings_dirty (bloc_id, year)"
            " SELECT * FROM unnest($1::uuid[], $2::int[])",
            [b for b, _ in pairs],
            [y for _, y in pairs],
        )


async def mark_year_dirty(con: asyncpg.Connection, year: int) -> None:
    await con.execute(
        "INSERT INTO standings_dirty (bloc_id, year)"
        " SELECT bloc_id, year FROM blocs WHERE year = $1",
        year,
    )


async def take_dirty(con: asyncpg.Connection, limit: int) -> list[tuple[UUID, int]]:
    """Claim the marks of up to `limit` (bloc, year) pairs, oldest first, every mark of each (a
    burst of batches marks the same blocs many times: one recomputation answers them all), and
    delete them; marks another instance holds are skipped. The caller recomputes in the same
    transaction, whose later statements see every change that made these marks."""
    rows = await con.fetch(
        """
        WITH pairs AS (
            SELECT bloc_id, year FROM standings_dirty
            GROUP BY bloc_id, year ORDER BY min(id) LIMIT $1
        )
        DELETE FROM standings_dirty WHERE id IN (
            SELECT d.id FROM standings_dirty d JOIN pairs p USING (bloc_id, year)
            FOR UPDATE OF d SKIP LOCKED)
        RETURNING bloc_id, year
        """,
        limit,
    )
    return sorted({(r["bloc_id"], r["year"]) for r in rows})


@dataclass(frozen=True, slots=True)
class BlocYear:
    bloc_id: UUID
    year: int
    code: str
    name: str
    kind: str
    scheme_ref: str | None
    own_scheme: ScoringScheme | None
    named_scheme: ScoringScheme | None
    head_unit_id: UUID | None
    deputy_unit_id: UUID | None
    members: tuple[UUID, ...]

    def scheme(self, default: ScoringScheme) -> ScoringScheme:
        """The bloc head's scheme for the year, else the named one it refers to, else the
        province's default."""
        return self.own_scheme or self.named_scheme or default


async def get_bloc_year(
    con: asyncpg.Connection, bloc_id: UUID, year: int, *, lock: bool = False
) -> BlocYear | None:
    """The bloc's year; with `lock`, locked until commit, then read in a statement of its own
    (see `lock_targets`: a locking read that waited would join the named scheme and the members
    of its own older snapshot)."""
    if lock:
        await con.execute(
            "SELECT 1 FROM blocs WHERE bloc_id = $1 AND year = $2 FOR UPDATE", bloc_id, year
        )
    row = await con.fetchrow(
        """
        SELECT b.*, s.scheme AS named,
               ARRAY(SELECT unit_id FROM bloc_members m
                     WHERE m.bloc_id = b.bloc_id AND m.year = b.year ORDER BY unit_id) AS members
        FROM blocs b LEFT JOIN scoring_schemes s ON s.ref = b.scheme_ref
        WHERE b.bloc_id = $1 AND b.year = $2
        """,
        bloc_id,
        year,
    )
    if row is None:
        return None
    return BlocYear(
        bloc_id=row["bloc_id"],
        year=row["year"],
        code=row["code"],
        name=row["name"],
        kind=row["kind"],
        scheme_ref=row["scheme_ref"],
        own_scheme=_scheme(row["scheme"]),
        named_scheme=_scheme(row["named"]),
        head_unit_id=row["head_unit_id"],
        deputy_unit_id=row["deputy_unit_id"],
        members=tuple(row["members"]),
    )


async def blocs_of_unit(con: asyncpg.Connection, unit_id: UUID) -> list[tuple[UUID, int]]:
    rows = await con.fetch(
        "SELECT bloc_id, year FROM bloc_members WHERE unit_id = $1 ORDER BY year, bloc_id", unit_id
    )
    return [(r["bloc_id"], r["year"]) for r in rows]


def _scheme(raw: Any) -> ScoringScheme | None:
    if raw is None:
        return None
    return ScoringScheme.model_validate(json.loads(raw) if isinstance(raw, str) else raw)


async def set_bloc_schemes(
    con: asyncpg.Connection, rows: Sequence[tuple[UUID, int, ScoringScheme, datetime]]
) -> list[tuple[UUID, int]]:
    """(bloc, year, scheme, set at): a setting older than the stored one is ignored (the bus may
    bring back one the HTTP path has since replaced). A bloc not formed yet here (a rebuild reads
    the registry's topics in no particular order with ours) waits in a placeholder row that
    BlocFormed completes. Returns the (bloc, year) pairs changed."""
    if not rows:
        return []
    changed = await con.fetch(
        """
        INSERT INTO blocs AS b (bloc_id, year, code, name, kind, scheme, scheme_set_at)
        SELECT x.bloc_id, x.year, '', '', 'bloc', x.scheme::jsonb, x.at
        FROM unnest($1::uuid[], $2::int[], $3::text[], $4::timestamptz[])
             AS x(bloc_id, year, scheme, at)
        ON CONFLICT (bloc_id, year) DO UPDATE SET scheme = EXCLUDED.scheme,
            scheme_set_at = EXCLUDED.scheme_set_at
        WHERE b.scheme_set_at IS NULL OR b.scheme_set_at <= EXCLUDED.scheme_set_at
        RETURNING bloc_id, year
        """,
        *map(list, zip(*((b, y, s.model_dump_json(), at) for b, y, s, at in rows), strict=True)),
    )
    return [(r["bloc_id"], r["year"]) for r in changed]


async def set_named_schemes(
    con: asyncpg.Connection, schemes: Sequence[tuple[ScoringScheme, datetime]]
) -> list[str]:
    """(scheme, defined at): an older definition never replaces a newer one. Returns the refs
    changed."""
    if not schemes:
        return []
    rows = await con.fetch(
        """
        INSERT INTO scoring_schemes AS s (ref, scheme, updated_at)
        SELECT * FROM unnest($1::text[], $2::jsonb[], $3::timestamptz[])
        ON CONFLICT (ref) DO UPDATE SET scheme = EXCLUDED.scheme,
            updated_at = EXCLUDED.updated_at
        WHERE s.updated_at <= EXCLUDED.updated_at
        RETURNING ref
        """,
        [s.ref for s, _ in schemes],
        [s.model_dump_json() for s, _ in schemes],
        [at for _, at in schemes],
    )
    return [r["ref"] for r in rows]


async def blocs_with_scheme_ref(
    con: asyncpg.Connection, refs: str | Sequence[str]
) -> list[tuple[UUID, int]]:
    refs = [refs] if isinstance(refs, str) else list(refs)
    rows = await con.fetch(
        "SELECT bloc_id, year FROM blocs WHERE scheme_ref = ANY($1::text[])", refs
    )
    return [(r["bloc_id"], r["year"]) for r in rows]


async def adjustments(con: asyncpg.Connection, bloc_id: UUID, year: int) -> list[Adjustment]:
    rows = await con.fetch(
        "SELECT unit_id, kind, points, reason FROM score_adjustments"
        " WHERE bloc_id = $1 AND year = $2 ORDER BY entered_at, adjustment_id",
        bloc_id,
        year,
    )
    return [Adjustment(r["unit_id"], r["kind"], r["points"], r["reason"]) for r in rows]


async def adjustment_rows(
    con: asyncpg.Connection, bloc_id: UUID, year: int
) -> list[asyncpg.Record]:
    return await con.fetch(
        "SELECT * FROM score_adjustments WHERE bloc_id = $1 AND year = $2"
        " ORDER BY entered_at, adjustment_id",
        bloc_id,
        year,
    )


async def add_adjustments(
    con: asyncpg.Connection,
    rows: Sequence[tuple[UUID, UUID, int, Adjustment, datetime]],
) -> list[tuple[UUID, int]]:
    """(adjustment id, bloc, year, adjustment, entered at); one already stored (the bus bringing
    back the HTTP path's own) is skipped. Returns the (bloc, year) pairs of those added."""
    if not rows:
        return []
    added = await con.fetch(
        """
        INSERT INTO score_adjustments (adjustment_id, bloc_id, year, unit_id, kind, points,
                                       reason, entered_at)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::int[], $4::uuid[], $5::text[],
                             $6::numeric[], $7::text[], $8::timestamptz[])
        ON CONFLICT (adjustment_id) DO NOTHING
        RETURNING bloc_id, year
        """,
        [i for i, *_ in rows],
        [b for _, b, *_ in rows],
        [y for _, _, y, *_ in rows],
        [a.unit_id for *_, a, _ in rows],
        [a.kind for *_, a, _ in rows],
        [a.points for *_, a, _ in rows],
        [a.reason for *_, a, _ in rows],
        [at for *_, at in rows],
    )
    return [(r["bloc_id"], r["year"]) for r in added]


async def votes(con: asyncpg.Connection, bloc_id: UUID, year: int) -> dict[UUID, int]:
    rows = await con.fetch(
        "SELECT unit_id, votes FROM bloc_votes WHERE bloc_id = $1 AND year = $2", bloc_id, year
    )
    return {r["unit_id"]: r["votes"] for r in rows}


async def replace_votes(
    con: asyncpg.Connection, bloc_id: UUID, year: int, counts: dict[UUID, int], at: datetime
) -> bool:
    """Replace the recorded vote unless the stored record is newer than `at` (the bus may bring
    back a record the HTTP path has since replaced). Returns whether it was replaced."""
    newer = await con.fetchval(
        "SELECT EXISTS (SELECT 1 FROM bloc_votes WHERE bloc_id = $1 AND year = $2"
        " AND recorded_at > $3)",
        bloc_id,
        year,
        at,
    )
    if newer:
        return False
    await con.execute("DELETE FROM bloc_votes WHERE bloc_id = $1 AND year = $2", bloc_id, year)
    if counts:
        await con.execute(
            "INSERT INTO bloc_votes (bloc_id, year, unit_id, votes, recorded_at)"
            " SELECT $1, $2, u, v, $5 FROM unnest($3::uuid[], $4::int[]) AS x(u, v)",
            bloc_id,
            year,
            list(counts),
            list(counts.values()),
            at,
        )
    return True


async def lock_standings(con: asyncpg.Connection, bloc_id: UUID, year: int) -> asyncpg.Record:
    await con.execute(
        "INSERT INTO standings (bloc_id, year) VALUES ($1, $2) ON CONFLICT DO NOTHING",
        bloc_id,
        year,
    )
    return await con.fetchrow(
        "SELECT * FROM standings WHERE bloc_id = $1 AND year = $2 FOR UPDATE", bloc_id, year
    )


async def get_standings(con: asyncpg.Connection, bloc_id: UUID, year: int) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM standings WHERE bloc_id = $1 AND year = $2", bloc_id, year
    )


async def save_standings(
    con: asyncpg.Connection,
    bloc_id: UUID,
    year: int,
    version: int,
    ranking: list[dict[str, Any]],
    computed_on: date,
) -> None:
    await con.execute(
        "UPDATE standings SET version = $3, ranking = $4::jsonb, computed_on = $5"
        " WHERE bloc_id = $1 AND year = $2",
        bloc_id,
        year,
        version,
        json.dumps(ranking),
        computed_on,
    )


def ranking_json(raw: Any) -> list[dict[str, Any]]:
    return json.loads(raw) if isinstance(raw, str) else list(raw or [])


async def get_leader(con: asyncpg.Connection, bloc_id: UUID, year: int) -> asyncpg.Record | None:
    return await con.fetchrow(
        "SELECT * FROM bloc_leaders WHERE bloc_id = $1 AND year = $2", bloc_id, year
    )


async def save_leaders(
    con: asyncpg.Connection,
    leaders: Sequence[tuple[UUID, int, UUID, Decimal, bool]],
    *,
    overwrite: bool = False,
) -> set[tuple[UUID, int]]:
    """Record (bloc, year, leader, score, by_vote); the first record of a bloc and year stands,
    unless `overwrite` (the bus's record, read back by a rebuild). Returns the pairs written."""
    if not leaders:
        return set()
    conflict = (
        "DO UPDATE SET leader_unit_id = EXCLUDED.leader_unit_id, score = EXCLUDED.score,"
        " by_vote = EXCLUDED.by_vote"
        if overwrite
        else "DO NOTHING"
    )
    rows = await con.fetch(
        f"""
        INSERT INTO bloc_leaders (bloc_id, year, leader_unit_id, score, by_vote)
        SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::numeric[], $5::bool[])
        ON CONFLICT (bloc_id, year) {conflict}
        RETURNING bloc_id, year
        """,
        *map(list, zip(*leaders, strict=True)),
    )
    return {(r["bloc_id"], r["year"]) for r in rows}


async def set_formed_at(
    con: asyncpg.Connection, rows: Sequence[tuple[UUID, int, datetime]]
) -> None:
    """(bloc, year, BlocFormed's time): the earliest stands (a re-formed year keeps its first)."""
    if rows:
        await con.execute(
            """
            UPDATE blocs b SET formed_at = least(b.formed_at, x.at)
            FROM unnest($1::uuid[], $2::int[], $3::timestamptz[]) AS x(bloc_id, year, at)
            WHERE b.bloc_id = x.bloc_id AND b.year = x.year
            """,
            *map(list, zip(*rows, strict=True)),
        )


async def blocs_awaiting_leader(
    con: asyncpg.Connection, before_year: int
) -> list[tuple[UUID, int, datetime | None]]:
    """Blocs of years before `before_year` with no leader recorded and never reopened, with when
    they were formed."""
    rows = await con.fetch(
        """
        SELECT b.bloc_id, b.year, b.formed_at FROM blocs b
        WHERE b.year < $1 AND b.code <> ''
          AND NOT EXISTS (SELECT 1 FROM bloc_leaders l
                          WHERE l.bloc_id = b.bloc_id AND l.year = b.year)
          AND NOT EXISTS (SELECT 1 FROM bloc_leader_reopenings o
                          WHERE o.bloc_id = b.bloc_id AND o.year = b.year)
        ORDER BY b.year, b.bloc_id
        """,
        before_year,
    )
    return [(r["bloc_id"], r["year"], r["formed_at"]) for r in rows]


async def reopen_leaders(
    con: asyncpg.Connection, rows: Sequence[tuple[UUID, int, datetime, UUID, str]]
) -> None:
    """(bloc, year, reopened_at, previous leader, reason): the leader no longer stands."""
    if rows:
        await con.executemany(
            """
            INSERT INTO bloc_leader_reopenings
                (bloc_id, year, reopened_at, previous_leader_unit_id, reason)
            VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING
            """,
            rows,
        )
        await con.execute(
            """
            DELETE FROM bloc_leaders l USING unnest($1::uuid[], $2::int[]) AS x(bloc_id, year)
            WHERE l.bloc_id = x.bloc_id AND l.year = x.year
            """,
            [r[0] for r in rows],
            [r[1] for r in rows],
        )


async def reopenings(con: asyncpg.Connection, bloc_id: UUID, year: int) -> int:
    """How many times the bloc's leader for the year was reopened."""
    return await con.fetchval(
        "SELECT count(*) FROM bloc_leader_reopenings WHERE bloc_id = $1 AND year = $2",
        bloc_id,
        year,
    )


# ---- reminders ---------------------------------------------------------------------------------


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


# ---- ratings and initiatives -------------------------------------------------------------------


def rating_entry_of(r: asyncpg.Record) -> RatingEntry:
    return RatingEntry(
        id=r["entry_id"],
        subject_kind=r["subject_kind"],
        subject_id=r["subject_id"],
        year=r["year"],
        rating=r["rating"],
        unit_id=r["unit_id"],
        entered_at=r["entered_at"],
        ldtt_not_conferred=r["ldtt_not_conferred"],
    )


async def current_ratings_for(
    con: asyncpg.Connection, keys: Sequence[tuple[str, UUID, int]]
) -> dict[tuple[str, UUID, int], RatingEntry]:
    if not keys:
        return {}
    rows = await con.fetch(
        """
        SELECT r.* FROM ratings r
        JOIN unnest($1::text[], $2::uuid[], $3::int[]) AS x(kind, subject, year)
          ON r.subject_kind = x.kind AND r.subject_id = x.subject AND r.year = x.year
        ORDER BY r.subject_kind, r.subject_id, r.year
        FOR UPDATE OF r
        """,
        *map(list, zip(*keys, strict=True)),
    )
    return {(r["subject_kind"], r["subject_id"], r["year"]): rating_entry_of(r) for r in rows}


async def save_ratings(
    con: asyncpg.Connection, entries: Sequence[RatingEntry], current: Sequence[RatingEntry]
) -> None:
    """Store `entries` in the history and make `current` the ratings in force."""
    if entries:
        await con.execute(
            """
            INSERT INTO rating_entries (entry_id, subject_kind, subject_id, year, rating, unit_id,
                                        entered_at, ldtt_not_conferred)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::text[],
                                 $6::uuid[], $7::timestamptz[], $8::text[])
            ON CONFLICT DO NOTHING
            """,
            *_entry_columns(entries),
        )
    if current:
        await con.execute(
            """
            INSERT INTO ratings (entry_id, subject_kind, subject_id, year, rating, unit_id,
                                 entered_at, ldtt_not_conferred)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::int[], $5::text[],
                                 $6::uuid[], $7::timestamptz[], $8::text[])
            ON CONFLICT (subject_kind, subject_id, year) DO UPDATE SET
                entry_id = EXCLUDED.entry_id, rating = EXCLUDED.rating,
                unit_id = EXCLUDED.unit_id, entered_at = EXCLUDED.entered_at,
                ldtt_not_conferred = EXCLUDED.ldtt_not_conferred
            WHERE (ratings.entered_at, ratings.entry_id) < (EXCLUDED.entered_at, EXCLUDED.entry_id)
            """,
            *_entry_columns(current),
        )


def _entry_columns(entries: Sequence[RatingEntry]) -> list[list]:
    return [
        [e.id for e in entries],
        [e.subject_kind for e in entries],
        [e.subject_id for e in entries],
        [e.year for e in entries],
        [e.rating for e in entries],
        [e.unit_id for e in entries],
        [e.entered_at for e in entries],
        [e.ldtt_not_conferred for e in entries],
    ]


async def list_ratings(
    con: asyncpg.Connection, unit_id: UUID | None, year: int | None, limit: int
) -> list[asyncpg.Record]:
    return await con.fetch(
        """
        SELECT * FROM ratings
        WHERE ($1::uuid IS NULL OR unit_id = $1) AND ($2::int IS NULL OR year = $2)
        ORDER BY year DESC, subject_kind, subject_id LIMIT $3
        """,
        unit_id,
        year,
        limit,
    )


async def save_initiatives(con: asyncpg.Connection, items: Sequence[Initiative]) -> set[UUID]:
    if not items:
        return set()
    rows = await con.fetch(
        """
        INSERT INTO initiatives (initiative_id, title, level, recognised_on, author_ids, unit_id,
                                 kind, scope)
        SELECT x.id, x.title, x.level, x.recognised_on,
               ARRAY(SELECT json_array_elements_text(x.authors)::uuid), x.unit_id, x.kind, x.scope
        FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::json[], $6::uuid[],
                    $7::text[], $8::text[])
             AS x(id, title, level, recognised_on, authors, unit_id, kind, scope)
        ON CONFLICT DO NOTHING
        RETURNING initiative_id
        """,
        [i.id for i in items],
        [i.title for i in items],
        [i.level for i in items],
        [i.recognised_on for i in items],
        [json.dumps([str(a) for a in i.author_ids]) for i in items],
        [i.unit_id for i in items],
        [i.kind for i in items],
        [i.scope for i in items],
    )
    return {r["initiative_id"] for r in rows}


async def list_initiatives(
    con: asyncpg.Connection, unit_id: UUID | None, year: int | None, limit: int
) -> list[asyncpg.Record]:
    return await con.fetch(
        """
        SELECT * FROM initiatives
        WHERE ($1::uuid IS NULL OR unit_id = $1)
          AND ($2::int IS NULL OR extract(year FROM recognised_on) = $2)
        ORDER BY recognised_on DESC, initiative_id LIMIT $3
        """,
        unit_id,
        year,
        limit,
    )


def _columns(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> list[list[Any]]:
    return [[r[n] for r in rows] for n in names]


# ---- imported reports --------------------------------------------------------------------------


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
