"""Notify's HTTP API: inboxes, email addresses, webhook subscriptions, deliveries."""

from __future__ import annotations

from fastapi import APIRouter

from services.notify.api import contacts, deliveries, inbox, subscriptions

ROUTERS: list[APIRouter] = [
    inbox.router, contacts.router, subscriptions.router, deliveries.router,
]  # fmt: skip
