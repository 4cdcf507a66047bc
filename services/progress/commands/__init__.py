"""The procedures that change the service's state, one module per procedure or aggregate: each
takes a unit of work (the request's, a consumed batch's, or one a job opens), asks the domain,
stores and publishes in it."""

from services.progress.commands import blocs, closures, imports, ratings, reports, standings

__all__ = ["blocs", "closures", "imports", "ratings", "reports", "standings"]
