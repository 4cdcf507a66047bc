"""Notify's own notices to integration clients, in their inbox (`/clients/{client_id}/inbox`):
the events on the bus are about campaigns and awards, these are about the client's webhook."""

from __future__ import annotations

from datetime import datetime
from uuid import UUID, uuid4

import asyncpg

SUSPENDED = "notify.SubscriptionSuspended"


async def subscription_suspended(
    con: asyncpg.Connection,
    client_id: str,
    subscription_id: UUID,
    failures: int,
    error: str | None,
    now: datetime,
) -> None:
    title = "Webhook bị tạm dừng do gửi thất bại liên tiếp"
    body = (
        f"Đăng ký webhook {subscription_id} đã bị tạm dừng sau {failures} lần gửi thất bại "
        "liên tiếp" + (f" (lỗi gần nhất: {error})" if error else "") + ".\n\n"
        "Các thông báo mới vẫn được lưu và chờ gửi. Sau khi khắc phục sự cố ở máy nhận, đề nghị "
        f"gọi POST /subscriptions/{subscription_id}/resume để tiếp tục nhận thông báo."
    )
    await con.execute(
        "INSERT INTO inbox_items (id, recipient_kind, recipient_id, event_id, event_type, why,"
        " title, body, occurred_at) VALUES ($1, 'client', $2, NULL, $3, 'subscription_owner',"
        " $4, $5, $6)",
        uuid4(),
        client_id,
        SUSPENDED,
        title,
        body,
        now,
    )
