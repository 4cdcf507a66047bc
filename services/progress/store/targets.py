"""Targets and their state (current report, first report, achievement), read as the domain's
records and locked before a change (`FOR UPDATE`, in id order, so concurrent batches cannot
deadlock)."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from operator import attrgetter
from uuid import UUID

import asyncpg

from services.progress.domain import (
    Achievement,
    Campaign,
    Report,
    Target,
    TargetState,
)

REPORT_COLUMNS = (
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
    return ", ".join(f"{alias}.{c} AS {prefix}{c}" for c in REPORT_COLUMNS)


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
_FIRST = _CURRENT + len(REPORT_COLUMNS)
_ACHIEVEMENT = _FIRST + len(REPORT_COLUMNS)
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
    """The latest `reported_at` of the target's reports (read by `lock_report_targets`)."""

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


_CAMPAIGNS = """
SELECT campaign_id, state, start_date, end_date, participating_unit_ids, bloc_ids
FROM campaigns WHERE campaign_id = ANY($1::uuid[])
"""


async def _campaigns(
    con: asyncpg.Connection, rows: Sequence[asyncpg.Record]
) -> dict[UUID, Campaign]:
    """The campaigns of `rows`' targets."""
    ids = list({r["campaign_id"] for r in rows})
    if not ids:
        return {}
    return {
        c["campaign_id"]: Campaign(
            id=c["campaign_id"],
            state=c["state"],
            start=c["start_date"],
            end=c["end_date"],
            units=frozenset(c["participating_unit_ids"]),
            blocs=frozenset(c["bloc_ids"]),
        )
        for c in await con.fetch(_CAMPAIGNS, ids)
    }


def _report_at(v: tuple, i: int) -> Report | None:
    """The report in `REPORT_COLUMNS` order from position i of a row's values, if any."""
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


def _loaded(r: asyncpg.Record, campaigns: dict[UUID, Campaign]) -> Loaded:
    state = _state_of(r)
    return Loaded(state, campaigns.get(state.target.campaign_id), r[_INDICATOR])


async def lock_targets(con: asyncpg.Connection, ids: Iterable[UUID]) -> dict[UUID, Loaded]:
    """The targets among `ids` that exist, locked for update (in id order) until commit
    (`lock_report_targets` for a report: the same in one round trip).

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
    campaigns = await _campaigns(con, rows)
    return {r["target_id"]: _loaded(r, campaigns) for r in rows}


@dataclass(frozen=True, slots=True)
class ForReports:
    """`lock_report_targets`' answer: the targets found, and the units among theirs that are
    closed (whose closures `store.units.unit_ends` then reads)."""

    loaded: dict[UUID, Loaded]
    closed_units: set[UUID]


_REPORT_TARGETS = (
    "SELECT (r.target_row).*, r.campaign_units, r.campaign_blocs"
    " FROM lock_report_targets($1::uuid[]) r"
)
_CAMPAIGN_AT = _ACHIEVEMENT + 4  # after the state: found, state, start, end; then the rest


async def lock_report_targets(con: asyncpg.Connection, ids: Iterable[UUID]) -> ForReports:
    """`lock_targets(ids, last=True)` in one round trip, marking closed units: the function of
    migration 0013 locks the targets in id order, then reads them in a snapshot of its own."""
    wanted = list(set(ids))
    if not wanted:
        return ForReports({}, set())
    campaigns: dict[UUID, Campaign] = {}
    loaded: dict[UUID, Loaded] = {}
    closed: set[UUID] = set()
    for r in await con.fetch(_REPORT_TARGETS, wanted):
        found, state, start, end, last_at, unit_closed, units, blocs = tuple(r)[_CAMPAIGN_AT:]
        if found is not None and units is not None:  # the campaign's first target carries it
            campaigns[found] = Campaign(
                found, state, start, end, frozenset(units), frozenset(blocs)
            )
        x = _state_of(r)
        if unit_closed:
            closed.add(x.target.unit_id)
        loaded[x.target.id] = Loaded(
            x, campaigns.get(found) if found else None, r[_INDICATOR], last_at
        )
    return ForReports(loaded, closed)


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
    campaigns = await _campaigns(con, rows)
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
