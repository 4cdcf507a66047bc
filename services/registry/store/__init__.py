"""The registry's database: asyncpg SQL in, domain objects out, one module per aggregate or read
model (`store.units.load_tree(con)`, `store.people.get_person(con, …)`). Every function takes the
connection of the caller's transaction; nothing here commits."""

from services.registry.store import (
    blocs,
    campaigns,
    exports,
    occasions,
    paging,
    people,
    statuses,
    targets,
    units,
)

__all__ = [
    "blocs",
    "campaigns",
    "exports",
    "occasions",
    "paging",
    "people",
    "statuses",
    "targets",
    "units",
]
