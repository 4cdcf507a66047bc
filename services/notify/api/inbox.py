"""The in-app inbox of a person, a unit or an integration client: list, unread count, mark read.
Each reads only their own (services/notify/api/common.py says who is who)."""

from collections.abc import Callable
from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Path, Query
from pydantic import BaseModel

from servicekit.auth import Principal
from servicekit.idempotency import Transaction
from services.notify.api.common import (
    PROBLEMS,
    Caller,
    Cursor,
    InboxOwner,
    Limit,
    ReadCon,
    is_client,
    is_person,
    is_unit_officer_of,
    is_unit_supervisor,
    not_found,
    require_that,
)
from services.notify.store import inbox as store


class InboxItem(BaseModel):
    id: UUID
    event_id: UUID | None
    """The event the item is about; none for notify's own notices."""
    event_type: str
    why: str | None
    """Why it reached this inbox, e.g. "nominee", "target_unit", "participant"."""
    title: str
    body: str
    """Paragraphs separated by a blank line; list items start with "- "."""
    occurred_at: datetime
    created_at: datetime
    read_at: datetime | None


class InboxPage(BaseModel):
    items: list[InboxItem]
    unread: int
    next_cursor: int | None = None


class UnreadCount(BaseModel):
    unread: int


class Marked(BaseModel):
    marked: int


def _item(r: asyncpg.Record) -> InboxItem:
    return InboxItem(**{k: r[k] for k in InboxItem.model_fields})


def _routes(
    router: APIRouter,
    kind: str,
    prefix: str,
    param: str,
    id_type: type,
    allowed: Callable[[Principal, str], bool],
    whose: str,
    **constraints: int,
) -> None:
    if TYPE_CHECKING:  # the id's type is chosen per call: UUID, or str for clients
        Owner: TypeAlias = Any
    else:
        Owner = Annotated[id_type, Path(alias=param, **constraints)]

    def check(p: Principal, owner: object) -> str:
        require_that(allowed(p, str(owner)), f"only {whose} reads and marks this inbox")
        return str(owner)

    base = f"{prefix}/{{{param}}}/inbox"
    tags: list[str | Enum] = ["inbox"]

    @router.get(base, tags=tags, summary=f"The inbox of {whose}, newest first")
    async def list_items(
        owner: Owner,
        p: Caller,
        con: ReadCon,
        limit: Limit = 50,
        cursor: Cursor = None,
        unread_only: Annotated[bool, Query(description="Only items not read yet")] = False,
    ) -> InboxPage:
        o = check(p, owner)
        rows = await store.items(con, kind, o, cursor=cursor, unread_only=unread_only, limit=limit)
        return InboxPage(
            items=[_item(r) for r in rows],
            unread=await store.unread(con, kind, o),
            next_cursor=rows[-1]["seq"] if len(rows) == limit else None,
        )

    @router.get(f"{base}/unread-count", tags=tags, summary=f"Unread items of {whose}")
    async def unread_count(owner: Owner, p: Caller, con: ReadCon) -> UnreadCount:
        return UnreadCount(unread=await store.unread(con, kind, check(p, owner)))

    @router.post(f"{base}/{{item_id}}/read", tags=tags, summary="Mark one item read")
    async def mark_read(owner: Owner, item_id: UUID, p: InboxOwner, tx: Transaction) -> InboxItem:
        o = check(p, owner)
        row = await store.mark_read(tx, kind, o, item_id)
        if row is None:
            raise not_found("the inbox item")
        return _item(row)

    @router.post(f"{base}/read-all", tags=tags, summary="Mark every item read")
    async def mark_all_read(owner: Owner, p: InboxOwner, tx: Transaction) -> Marked:
        o = check(p, owner)
        return Marked(marked=await store.mark_all_read(tx, kind, o))


router = APIRouter(responses=PROBLEMS)
_routes(router, "person", "/people", "person_id", UUID,
        is_person, "the person themselves")  # fmt: skip
_routes(router, "unit", "/units", "unit_id", UUID,
        lambda p, u: is_unit_officer_of(p, u) or is_unit_supervisor(p, u),
        "an officer of the unit (or its supervisor: the Front's findings)")  # fmt: skip
_routes(router, "client", "/clients", "client_id", str,
        is_client, "the integration client itself", min_length=1, max_length=200)  # fmt: skip
