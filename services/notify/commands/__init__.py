"""Notify's procedures that change state on a caller's request (subscriptions, contacts,
redeliveries); the routes of `api/` decide who may call them and translate HTTP."""
