"""SQL of the award history: the awards on record, from the province's decisions, the central
level's answers and imports of the years before the system."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from uuid import UUID

import asyncpg


async def record_decided(
    con: asyncpg.Connection,
    decision_id: UUID,
    decided_on: date,
    decision_number: str,
    nominations: Sequence[asyncpg.Record],
    periods: Sequence[tuple[date, date]],
) -> None:
    """The awards of a province's decision, one per nomination with its achievement period."""
    await con.execute(
        "INSERT INTO award_history (award_id, subject_kind, subject_id, award_code, period_start,"
        " period_end, decided_on, decision_number, source, decision_id, nomination_id)"
        " SELECT gen_random_uuid(), k, s, c, ps, pe, $2, $3, 'decision', $1, n"
        "   FROM unnest($4::text[], $5::uuid[], $6::text[], $7::date[], $8::date[], $9::uuid[])"
        "   AS x(k, s, c, ps, pe, n)",
        decision_id,
        decided_on,
        decision_number,
        [r["nominee_kind"] for r in nominations],
        [r["nominee_id"] for r in nominations],
        [r["award_code"] for r in nominations],
        [start for start, _ in periods],
        [end for _, end in periods],
        [r["nomination_id"] for r in nominations],
    )


async def record_central(
    con: asyncpg.Connection,
    nomination: asyncpg.Record,
    period: tuple[date, date],
    decided_on: date,
    decision_number: str | None,
) -> None:
    """An award the central level conferred on a nomination the province proposed."""
    n = nomination
    await con.execute(
        "INSERT INTO award_history (award_id, subject_kind, subject_id, award_code,"
        " period_start, period_end, decided_on, decision_number, source, nomination_id)"
        " VALUES (gen_random_uuid(), $1, $2, $3, $4, $5, $6, $7, 'central', $8)",
        n["nominee_kind"], n["nominee_id"], n["award_code"], period[0], period[1], decided_on,
        decision_number, n["nomination_id"],
    )  # fmt: skip


async def mark_revoked(con: asyncpg.Connection, nomination_ids: Sequence[UUID], on: date) -> None:
    await con.execute(
        "UPDATE award_history SET revoked_on = $2 WHERE nomination_id = ANY($1::uuid[])",
        list(nomination_ids),
        on,
    )


async def of_subject(
    con: asyncpg.Connection,
    subject_id: UUID,
    *,
    include_revoked: bool,
    occasion_id: UUID | None,
) -> list[asyncpg.Record]:
    """A person's or a collective's awards on record, by the end of their period; only those
    decided on a nomination dedicated to `occasion_id` when it is given."""
    return await con.fetch(
        "SELECT * FROM award_history WHERE subject_id = $1"
        + ("" if include_revoked else " AND revoked_on IS NULL")
        + (
            ""
            if occasion_id is None
            else " AND nomination_id IN (SELECT nomination_id FROM nominations"
            " WHERE occasion_id = $2)"
        )
        + " ORDER BY period_end, award_code",
        subject_id,
        *([occasion_id] if occasion_id is not None else []),
    )


# ---- imports of the years before the system ------------------------------------------------------


async def unit_codes(con: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every unit's code and id (an import names units by code)."""
    return await con.fetch("SELECT code, unit_id FROM rm_units")


async def people(con: asyncpg.Connection) -> list[asyncpg.Record]:
    """Every person's id, unit and full name (an import may name people by name in a unit)."""
    return await con.fetch("SELECT person_id, unit_id, full_name FROM rm_people")


async def stored_report(con: asyncpg.Connection, sha256: str, mode: str) -> str | None:
    """The report of the import of this file in this mode, if it ran (JSON)."""
    report: str | None = await con.fetchval(
        "SELECT report FROM award_history_imports WHERE sha256 = $1 AND mode = $2", sha256, mode
    )
    return report


async def record_imported(
    con: asyncpg.Connection,
    import_id: UUID,
    *,
    kinds: Sequence[str],
    subjects: Sequence[UUID],
    codes: Sequence[str],
    starts: Sequence[date],
    ends: Sequence[date],
    decided_on: Sequence[date | None],
    numbers: Sequence[str | None],
) -> int:
    """The imported awards not already held; how many were new."""
    inserted = await con.fetch(
        """
        INSERT INTO award_history (award_id, subject_kind, subject_id, award_code, period_start,
            period_end, decided_on, decision_number, source, import_id)
        SELECT gen_random_uuid(), k, s, c, ps, pe, d, n, 'import', $8
          FROM unnest($1::text[], $2::uuid[], $3::text[], $4::date[], $5::date[], $6::date[],
                      $7::text[]) AS x(k, s, c, ps, pe, d, n)
        ON CONFLICT DO NOTHING
        RETURNING award_id
        """,
        list(kinds),
        list(subjects),
        list(codes),
        list(starts),
        list(ends),
        list(decided_on),
        list(numbers),
        import_id,
    )
    return len(inserted)


async def record_import(
    con: asyncpg.Connection, import_id: UUID, sha256: str, mode: str, by: str, report: str
) -> None:
    """The import itself, with its report (JSON), so the same file is answered with it again."""
    await con.execute(
        "INSERT INTO award_history_imports (import_id, sha256, mode, imported_by, report)"
        " VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING",
        import_id,
        sha256,
        mode,
        by,
        report,
    )
