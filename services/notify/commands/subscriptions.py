"""Webhook subscriptions of integration clients: register, change, delete, rotate the secret,
resume after a suspension. The URL is checked against the SSRF policy whenever it is given
(`UnsafeUrl`); secrets are kept sealed (`adapters/secrets.py`). Who may do what is the API's."""

from __future__ import annotations

from datetime import datetime, timedelta
from uuid import UUID, uuid4

import asyncpg

from services.notify.adapters.secrets import generate_secret
from services.notify.adapters.targets import check_url
from services.notify.commands.deliveries import wake_dispatchers
from services.notify.domain.filters import SubscriptionFilter
from services.notify.runtime import NotifyRuntime
from services.notify.store import deliveries
from services.notify.store import subscriptions as store


async def checked_url(rt: NotifyRuntime, url: str) -> str:
    """The URL in its normal form, if the policy lets notify call it; else UnsafeUrl."""
    target = await check_url(url, rt.targets, rt.resolver)
    return target.url


async def create(
    rt: NotifyRuntime,
    con: asyncpg.Connection,
    *,
    client_id: str,
    url: str,
    filter: SubscriptionFilter,
    description: str | None,
    secret: str | None,
) -> tuple[asyncpg.Record, str]:
    """The new subscription and its secret: the client's, or one generated."""
    checked = await checked_url(rt, url)
    sid = uuid4()
    secret = secret or generate_secret()
    row = await store.insert(
        con,
        sid,
        client_id,
        checked,
        filter.model_dump_json(),
        description,
        rt.secrets.seal(secret, sid),
    )
    return row, secret


async def change(
    rt: NotifyRuntime,
    con: asyncpg.Connection,
    current: asyncpg.Record,
    *,
    url: str | None,
    filter: SubscriptionFilter | None,
    description: str | None,
    description_given: bool,
) -> asyncpg.Record:
    """What is given replaces what `current` (the locked row) holds."""
    new_url = await checked_url(rt, url) if url is not None else current["url"]
    filter_json = filter.model_dump_json() if filter is not None else current["filter"]
    if not description_given:
        description = current["description"]
    return await store.update(con, current["id"], new_url, filter_json, description)


async def delete(con: asyncpg.Connection, sid: UUID) -> None:
    """Nothing more goes there: what waits is parked (visible to operators, not redeliverable)."""
    await store.mark_deleted(con, sid)
    await deliveries.park_for_deleted_subscription(con, sid)


async def rotate_secret(
    rt: NotifyRuntime, con: asyncpg.Connection, sid: UUID, secret: str | None
) -> tuple[str, datetime]:
    """The new secret (the client's or one generated) and until when the previous one still
    signs too."""
    secret = secret or generate_secret()
    grace = timedelta(seconds=rt.settings.secret_rotation_grace_s)
    until = await store.rotate(con, sid, rt.secrets.seal(secret, sid), grace)
    return secret, until


async def resume(rt: NotifyRuntime, con: asyncpg.Connection, sid: UUID) -> asyncpg.Record:
    """Its waiting deliveries go again, its failure count starts over."""
    row = await store.resume(con, sid)
    await wake_dispatchers(rt, con)
    return row
