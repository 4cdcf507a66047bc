"""What a bloc's scoring takes besides reports: the bloc head's scheme, named schemes, bonus and
penalty points, the members' vote. A record read back from the bus never replaces a newer one."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from uuid import UUID

import asyncpg

from services.progress.domain import (
    Adjustment,
    ScoringScheme,
)


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
