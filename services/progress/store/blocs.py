"""The registry's blocs (read model): a bloc's year, its members (dated memberships) and heads,
when it was formed."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any
from uuid import UUID

import asyncpg

from services.progress.domain import (
    Membership,
    ScoringScheme,
)
from services.progress.store.rows import columns


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
            *columns(rows, ("bloc_id", "year", "code", "name", "kind", "scheme_ref")),
        )


async def replace_members(
    con: asyncpg.Connection, members: Mapping[tuple[UUID, int], Sequence[UUID]]
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
