"""Notify's read model in PostgreSQL, seen by the domain as a `MemoryDirectory`.

The domain's functions are pure and synchronous, so a batch handler loads, before it starts, a
snapshot of everything the batch's events could ask about: every id appearing in them, the
nominations they name (and those nominations' people, units and campaigns), the units those
people worked in, and the names of all of these. It then lets the snapshot `learn` each event in
order (so a later event of the batch sees what an earlier one told) and writes back what changed
(`changes`): the update rules stay in one place, `MemoryDirectory.learn`.
"""

from __future__ import annotations

import copy
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg
from pydantic import BaseModel

from schemas.awards import Nominee
from schemas.base import Event
from services.notify.domain.directory import MemoryDirectory, NominationFacts


def ids_in(model: BaseModel) -> Iterator[UUID]:
    """Every UUID in a payload, nested parts and lists included."""
    for _, value in model:
        yield from _ids_of(value)


def _ids_of(value: object) -> Iterator[UUID]:
    if isinstance(value, UUID):
        yield value
    elif isinstance(value, BaseModel):
        yield from ids_in(value)
    elif isinstance(value, list | tuple):
        for item in value:
            yield from _ids_of(item)


async def snapshot(con: asyncpg.Connection, events: Iterable[Event]) -> MemoryDirectory:
    ids: set[UUID] = set()
    for event in events:
        ids.update(ids_in(event))
    directory = MemoryDirectory()
    if not ids:
        return directory
    for r in await con.fetch(
        "SELECT * FROM directory_nominations WHERE nomination_id = ANY($1::uuid[])", list(ids)
    ):
        facts = NominationFacts(
            nominee=Nominee(kind=r["nominee_kind"], id=r["nominee_id"]),
            proposer_unit_id=r["proposer_unit_id"],
            award_code=r["award_code"],
            campaign_id=r["campaign_id"],
        )
        directory.nominations[r["nomination_id"]] = facts
        ids.update(x for x in (r["nominee_id"], r["proposer_unit_id"], r["campaign_id"]) if x)
    for r in await con.fetch(
        "SELECT person_id, valid_from, unit_id FROM directory_person_units"
        " WHERE person_id = ANY($1::uuid[]) ORDER BY person_id, valid_from",
        list(ids),
    ):
        directory.add_person(r["person_id"], r["unit_id"], r["valid_from"])
    for history in list(directory.person_units.values()):
        ids.update(unit for _, unit in history)
    for r in await con.fetch(
        "SELECT id, name FROM directory_names WHERE id = ANY($1::uuid[])", list(ids)
    ):
        directory.names[r["id"]] = r["name"]
    return directory


@dataclass
class Baseline:
    """What a snapshot held before the batch, to tell what the batch changed."""

    names: dict[UUID, str]
    nominations: dict[UUID, NominationFacts]
    person_units: dict[UUID, list]

    @classmethod
    def of(cls, directory: MemoryDirectory) -> Baseline:
        return cls(
            dict(directory.names),
            dict(directory.nominations),
            copy.deepcopy(directory.person_units),
        )


async def write_changes(con: asyncpg.Connection, before: Baseline, after: MemoryDirectory) -> None:
    names = [(k, v) for k, v in after.names.items() if before.names.get(k) != v]
    if names:
        await con.executemany(
            "INSERT INTO directory_names (id, name) VALUES ($1, $2)"
            " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name",
            names,
        )
    nominations = [
        (k, f.nominee.kind, f.nominee.id, f.proposer_unit_id, f.award_code, f.campaign_id)
        for k, f in after.nominations.items()
        if before.nominations.get(k) != f
    ]
    if nominations:
        await con.executemany(
            "INSERT INTO directory_nominations (nomination_id, nominee_kind, nominee_id,"
            " proposer_unit_id, award_code, campaign_id) VALUES ($1, $2, $3, $4, $5, $6)"
            " ON CONFLICT (nomination_id) DO UPDATE SET nominee_kind = EXCLUDED.nominee_kind,"
            " nominee_id = EXCLUDED.nominee_id, proposer_unit_id = EXCLUDED.proposer_unit_id,"
            " award_code = EXCLUDED.award_code, campaign_id = EXCLUDED.campaign_id",
            nominations,
        )
    periods: list[tuple[UUID, date, UUID]] = []
    for person, history in after.person_units.items():
        known = set(before.person_units.get(person, []))
        periods.extend(
            (person, since, unit) for since, unit in history if (since, unit) not in known
        )
    if periods:
        await con.executemany(
            "INSERT INTO directory_person_units (person_id, valid_from, unit_id)"
            " VALUES ($1, $2, $3)"
            " ON CONFLICT (person_id, valid_from) DO UPDATE SET unit_id = EXCLUDED.unit_id",
            periods,
        )
