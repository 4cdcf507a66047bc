"""The queries behind notify's gauges on /metrics (servicekit.probes reads them at scrape time)."""

from __future__ import annotations

# What an operator alerts on (docs/operations.md): deliveries whose attempts ran out, and webhook
# subscribers held back until resumed. Both read partial indexes or a small table.
GAUGES = [
    (
        "thidua_deliveries_parked",
        "Deliveries parked after their last attempt failed, by channel",
        "SELECT c.channel, coalesce(p.n, 0) AS value"
        " FROM (VALUES ('email'), ('webhook')) AS c (channel) LEFT JOIN"
        " (SELECT channel, count(*) AS n FROM deliveries WHERE status = 'parked'"
        "  GROUP BY channel) AS p USING (channel)",
        ["channel"],
    ),
    (
        "thidua_webhook_subscribers_suspended",
        "Webhook subscriptions suspended (their deliveries wait until resumed)",
        "SELECT count(*) AS value FROM webhook_subscriptions"
        " WHERE suspended_at IS NOT NULL AND deleted_at IS NULL",
        [],
    ),
]
