"""Notify's own notices to integration clients, in their inbox (`/clients/{client_id}/inbox`):
the events on the bus are about campaigns and awards, these are about the client's webhook."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

SUSPENDED = "notify.SubscriptionSuspended"


@dataclass(frozen=True)
class Notice:
    event_type: str
    title: str
    body: str


def subscription_suspended(subscription_id: UUID, failures: int, error: str | None) -> Notice:
    body = (
        f"Đăng ký webhook {subscription_id} đã bị tạm dừng sau {failures} lần gửi thất bại "
        "liên tiếp" + (f" (lỗi gần nhất: {error})" if error else "") + ".\n\n"
        "Các thông báo mới vẫn được lưu và chờ gửi. Sau khi khắc phục sự cố ở máy nhận, đề nghị "
        f"gọi POST /subscriptions/{subscription_id}/resume để tiếp tục nhận thông báo."
    )
    return Notice(SUSPENDED, "Webhook bị tạm dừng do gửi thất bại liên tiếp", body)
