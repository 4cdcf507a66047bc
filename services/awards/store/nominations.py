"""SQL of nominations: the row, its dossier, its state and log, the list, and the initiatives
supporting it (R11: taken by a screening, given back by a rejection, final with a decision)."""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any
from uuid import UUID

import asyncpg

from servicekit.messages import Msg, from_json, to_json

# ---- nominations -----------------------------------------------------------------------------


async def insert_nomination(con: asyncpg.Connection, **row: Any) -> None:
    columns = ", ".join(row)
    params = ", ".join(f"${i}" for i in range(1, len(row) + 1))
    await con.execute(f"INSERT INTO nominations ({columns}) VALUES ({params})", *row.values())


async def nomination_exists(
    con: asyncpg.Connection, kind: str, nominee_id: UUID, code: str, year: int
) -> UUID | None:
    """The nomination holding this nominee's place for the award and year (a withdrawn one
    does not)."""
    return await con.fetchval(
        "SELECT nomination_id FROM nominations WHERE nominee_kind = $1 AND nominee_id = $2"
        " AND award_code = $3 AND year = $4 AND status <> 'withdrawn'",
        kind,
        nominee_id,
        code,
        year,
    )


async def add_documents(
    con: asyncpg.Connection, nomination_id: UUID, documents: Sequence[tuple[str, str]], by: str
) -> None:
    if not documents:
        return
    start = await con.fetchval(
        "SELECT coalesce(max(position), 0) FROM nomination_documents WHERE nomination_id = $1",
        nomination_id,
    )
    await con.execute(
        "INSERT INTO nomination_documents (nomination_id, position, type, ref, added_by)"
        " SELECT $1, p, t, r, $5 FROM unnest($2::int[], $3::text[], $4::text[]) AS d(p, t, r)",
        nomination_id,
        list(range(start + 1, start + 1 + len(documents))),
        [t for t, _ in documents],
        [r for _, r in documents],
        by,
    )


async def add_initiatives(
    con: asyncpg.Connection, nomination_id: UUID, initiative_ids: Sequence[UUID]
) -> None:
    if initiative_ids:
        await con.execute(
            "INSERT INTO nomination_initiatives (nomination_id, initiative_id)"
            " SELECT $1, unnest($2::uuid[]) ON CONFLICT DO NOTHING",
            nomination_id,
            list(initiative_ids),
        )


async def nominations(
    con: asyncpg.Connection, ids: Sequence[UUID], *, lock: bool = False
) -> list[asyncpg.Record]:
    """The nominations, in submission order; `lock` takes their rows for the transaction."""
    return await con.fetch(
        "SELECT * FROM nominations WHERE nomination_id = ANY($1::uuid[]) ORDER BY seq"
        + (" FOR UPDATE" if lock else ""),
        list(ids),
    )


async def nomination(
    con: asyncpg.Connection, nomination_id: UUID, *, lock: bool = False
) -> asyncpg.Record | None:
    rows = await nominations(con, [nomination_id], lock=lock)
    return rows[0] if rows else None


async def documents_of(con: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, list]:
    out: dict[UUID, list] = {i: [] for i in ids}
    for r in await con.fetch(
        "SELECT nomination_id, type, ref FROM nomination_documents"
        " WHERE nomination_id = ANY($1::uuid[]) ORDER BY nomination_id, position",
        list(ids),
    ):
        out[r["nomination_id"]].append((r["type"], r["ref"]))
    return out


async def initiatives_of(con: asyncpg.Connection, ids: Sequence[UUID]) -> dict[UUID, list[UUID]]:
    out: dict[UUID, list[UUID]] = {i: [] for i in ids}
    for r in await con.fetch(
        "SELECT nomination_id, initiative_id FROM nomination_initiatives"
        " WHERE nomination_id = ANY($1::uuid[]) ORDER BY nomination_id, initiative_id",
        list(ids),
    ):
        out[r["nomination_id"]].append(r["initiative_id"])
    return out


async def set_status(
    con: asyncpg.Connection,
    ids: Sequence[UUID],
    status: str,
    actor: str,
    action: str,
    detail: str | None = None,
    **columns: Any,
) -> None:
    """Move nominations to `status` (and set other columns), and log the change."""
    sets = ["status = $2", "updated_at = now()"]
    values: list[Any] = [list(ids), status]
    for name, value in columns.items():
        values.append(value)
        sets.append(f"{name} = ${len(values)}")
    await con.execute(
        f"UPDATE nominations SET {', '.join(sets)} WHERE nomination_id = ANY($1::uuid[])", *values
    )
    await log(con, ids, actor, action, status, detail)


async def log(
    con: asyncpg.Connection,
    ids: Sequence[UUID],
    actor: str,
    action: str,
    status: str,
    detail: str | None = None,
) -> None:
    """`detail`: a `Msg` the service wrote is kept as its message too (read back translatable by
    `history_of`); a person's own text stays as written."""
    message = json.dumps(to_json(detail), ensure_ascii=False) if isinstance(detail, Msg) else None
    await con.execute(
        "INSERT INTO nomination_log (nomination_id, actor, action, status, detail, detail_msg)"
        " SELECT unnest($1::uuid[]), $2, $3, $4, $5, $6::jsonb",
        list(ids),
        actor,
        action,
        status,
        detail,
        message,
    )


async def history_of(con: asyncpg.Connection, nomination_id: UUID) -> list[dict[str, Any]]:
    """The nomination's history, oldest first; `detail` a `Msg` where the service wrote one."""
    rows = await con.fetch(
        "SELECT at, actor, action, status, detail, detail_msg FROM nomination_log"
        " WHERE nomination_id = $1 ORDER BY id",
        nomination_id,
    )
    return [
        {
            **{k: r[k] for k in ("at", "actor", "action", "status")},
            "detail": from_json(json.loads(r["detail_msg"])) if r["detail_msg"] else r["detail"],
        }
        for r in rows
    ]


async def list_nominations(
    con: asyncpg.Connection,
    *,
    year: int | None,
    status: str | None,
    award_code: str | None,
    proposer_unit_id: UUID | None,
    campaign_id: UUID | None,
    verdict: str | None,
    limit: int,
    occasion_id: UUID | None = None,
    after_seq: int | None,
) -> list[asyncpg.Record]:
    where, values = [], []

    def cond(sql: str, value: Any) -> None:
        values.append(value)
        where.append(sql.replace("?", f"${len(values)}"))

    if year is not None:
        cond("year = ?", year)
    if status is not None:
        cond("status = ?", status)
    if award_code is not None:
        cond("award_code = ?", award_code)
    if proposer_unit_id is not None:
        cond("proposer_unit_id = ?", proposer_unit_id)
    if campaign_id is not None:
        cond("campaign_id = ?", campaign_id)
    if verdict is not None:
        cond("verdict = ?", verdict)
    if occasion_id is not None:
        cond("occasion_id = ?", occasion_id)
    if after_seq is not None:
        cond("seq > ?", after_seq)
    values.append(limit)
    sql = "SELECT * FROM nominations"
    if where:
        sql += " WHERE " + " AND ".join(where)
    sql += f" ORDER BY seq LIMIT ${len(values)}"
    return await con.fetch(sql, *values)


# ---- R11: initiatives supporting a nomination ------------------------------------------------


async def release_initiatives(con: asyncpg.Connection, ids: Sequence[UUID]) -> None:
    """Give back the initiatives the nominations took (not those a decision made final)."""
    await con.execute(
        "DELETE FROM initiative_uses WHERE nomination_id = ANY($1::uuid[]) AND NOT final",
        list(ids),
    )


async def take_initiatives(
    con: asyncpg.Connection, nomination_id: UUID, initiative_ids: Sequence[UUID]
) -> None:
    if initiative_ids:
        await con.execute(
            "INSERT INTO initiative_uses (initiative_id, nomination_id)"
            " SELECT unnest($2::uuid[]), $1",
            nomination_id,
            list(initiative_ids),
        )


async def finalise_initiatives(con: asyncpg.Connection, ids: Sequence[UUID]) -> None:
    await con.execute(
        "UPDATE initiative_uses SET final = true WHERE nomination_id = ANY($1::uuid[])", list(ids)
    )


async def status_of(con: asyncpg.Connection, nomination_id: UUID) -> str | None:
    status: str | None = await con.fetchval(
        "SELECT status FROM nominations WHERE nomination_id = $1", nomination_id
    )
    return status


async def of_year_for_update(
    con: asyncpg.Connection, year: int, statuses: Sequence[str]
) -> list[asyncpg.Record]:
    """A year's nominations in these states, locked, in submission order."""
    return await con.fetch(
        "SELECT * FROM nominations WHERE year = $1 AND status = ANY($2::text[])"
        " ORDER BY seq FOR UPDATE",
        year,
        list(statuses),
    )
