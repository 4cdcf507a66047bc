"""The batch handlers of the consumed topics: the registry's (the read model) and, for a rebuild,
progress's own read back. Each takes one batch of one topic in partition order, in one
transaction, and writes it with a few set-based statements."""

from collections.abc import Awaitable, Callable

from schemas.envelope import Envelope
from servicekit.unit_of_work import UnitOfWork
from services.progress.consumers import readback, registry, reports

BatchHandler = Callable[[UnitOfWork, list[Envelope]], Awaitable[None]]

HANDLERS: dict[str, BatchHandler] = {
    "registry.units.v1": registry.on_units,
    "registry.people.v1": registry.on_people,
    "registry.blocs.v1": registry.on_blocs,
    "registry.campaigns.v1": registry.on_campaigns,
    "registry.occasions.v1": registry.on_occasions,
    "progress.reports.v1": reports.ingest,
    "progress.standings.v1": readback.on_standings,
    "progress.schemes.v1": readback.on_schemes,
    "progress.ratings.v1": readback.on_ratings,
    "progress.initiatives.v1": readback.on_initiatives,
}
"""Catalog topic → batch handler."""

KEYED_BY_EFFECT = {"progress.reports.v1": reports.keyed_by_report_id}
"""Catalog topic → the events its handler deduplicates itself (`Consumer.batch_handler`)."""
