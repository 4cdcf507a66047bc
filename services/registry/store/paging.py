"""Filtered, keyset-paginated lists: a tiny WHERE builder, opaque cursors, and the
Vietnamese-aware search every list offers (accents optional)."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from servicekit.errors import Invalid
from servicekit.vietnamese import fold


@dataclass
class Query:
    where: list[str] = field(default_factory=list)
    args: list[Any] = field(default_factory=list)

    def arg(self, value: Any) -> str:
        self.args.append(value)
        return f"${len(self.args)}"

    def add(self, sql: str, *values: Any) -> None:
        """`sql` with `{0}`, `{1}`… (or `{}`) standing for `values`, in order."""
        self.where.append(sql.format(*(self.arg(v) for v in values)))

    @property
    def clause(self) -> str:
        return " AND ".join(self.where) if self.where else "true"


@dataclass(frozen=True)
class Page:
    items: list[asyncpg.Record]
    next_cursor: str | None


def encode_cursor(sort: str, key: Any, id_: UUID) -> str:
    raw = json.dumps([sort, key, str(id_)], ensure_ascii=False).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def decode_cursor(cursor: str, sort: str) -> tuple[Any, UUID]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        s, key, id_ = json.loads(raw)
        if s != sort or not isinstance(key, str | int) or isinstance(key, bool):
            raise ValueError
        return key, UUID(id_)
    except (ValueError, TypeError, json.JSONDecodeError):
        raise _bad_cursor() from None


def _bad_cursor() -> Invalid:
    return Invalid.param("cursor", "not a cursor of this list and sort order", "cursor")


async def page(
    con: asyncpg.Connection,
    select: str,
    q: Query,
    *,
    sort: str,
    sort_column: str,
    id_column: str,
    limit: int,
    cursor: str | None,
    dates: bool = False,
) -> Page:
    """Rows of `select` (which must expose `_sort` and `_id`) matching `q`, ordered by
    (sort column, id), ascending or (`sort` starting with "-") descending."""
    desc = sort.startswith("-")
    if cursor:
        key, last = decode_cursor(cursor, sort)
        if dates:
            try:
                key = date.fromisoformat(key)
            except (TypeError, ValueError):
                raise Invalid.param("cursor", "not a cursor of this list", "cursor") from None
        op = "<" if desc else ">"
        q.add(f"({sort_column}, {id_column}) {op} ({{}}, {{}})", key, last)
    direction = "DESC" if desc else "ASC"
    sql = (
        f"{select} WHERE {q.clause} ORDER BY {sort_column} {direction}, {id_column} {direction} "
        f"LIMIT {q.arg(limit + 1)}"
    )
    try:
        rows = await con.fetch(sql, *q.args)
    except asyncpg.DataError:
        # A cursor decoded well but its key does not fit the column (a text where a year goes,
        # a number past int64): asyncpg refuses the argument before anything is sent.
        if cursor:
            raise _bad_cursor() from None
        raise
    more = len(rows) > limit
    rows = rows[:limit]
    nxt = None
    if more and rows:
        last_row = rows[-1]
        key = last_row["_sort"]
        if isinstance(key, date):
            key = key.isoformat()
        nxt = encode_cursor(sort, key, last_row["_id"])
    return Page(rows, nxt)


def search_condition(q: Query, column: str, raw_column: str, text: str) -> None:
    """Vietnamese-aware search: accents optional. "nguyen" finds "Nguyễn"; a query typed with
    accents ("Nguyễn") must match them too (case-insensitively)."""
    folded = fold(text)
    q.add(f"{column} LIKE {{}}", f"%{_like(folded)}%")
    if folded != " ".join(text.lower().split()):
        q.add(f"lower({raw_column}) LIKE {{}}", f"%{_like(' '.join(text.lower().split()))}%")


def _like(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
