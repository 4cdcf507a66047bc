"""The progress service's SQL, one module per aggregate or read model; rows in and out as the
domain's records.

Set-based throughout: every write takes a list and is one statement (`unnest`), so a consumed
batch of thousands of events costs a handful of round trips. Reads that precede a change lock the
rows (`FOR UPDATE`, in id order, so concurrent batches cannot deadlock).
"""

from services.progress.store import (
    achievements,
    blocs,
    campaigns,
    dashboards,
    imports,
    initiatives,
    leaders,
    notices,
    occasions,
    ratings,
    reports,
    rows,
    scoring,
    standings,
    targets,
    units,
)

__all__ = [
    "achievements",
    "blocs",
    "campaigns",
    "dashboards",
    "imports",
    "initiatives",
    "leaders",
    "notices",
    "occasions",
    "ratings",
    "reports",
    "rows",
    "scoring",
    "standings",
    "targets",
    "units",
]
