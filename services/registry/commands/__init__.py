"""The procedures that change the registry: one function per command. Each loads what the rule
needs (store), asks the domain, saves the result and publishes its events through the unit of
work. The HTTP routers and the bulk import both call these, so a rule holds whichever way the
data comes in."""

from services.registry.commands import (
    blocs,
    campaigns,
    imports,
    occasions,
    people,
    statuses,
    targets,
    units,
)

__all__ = [
    "blocs",
    "campaigns",
    "imports",
    "occasions",
    "people",
    "statuses",
    "targets",
    "units",
]
