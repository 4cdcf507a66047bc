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
from servicekit.db import Statement, columns
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


# $1 every id of the batch's events. One round trip for all a batch reads: the nominations named,
# the units of the people named (by the events or the nominations), the names of all of these,
# and the live webhook subscriptions; each row says which it is (`part`).
_SNAPSHOT = """
WITH noms AS MATERIALIZED (
    SELECT * FROM directory_nominations WHERE nomination_id = ANY($1::uuid[])
), ids AS MATERIALIZED (
    SELECT unnest($1::uuid[]) AS id
    UNION SELECT nominee_id FROM noms
    UNION SELECT proposer_unit_id FROM noms
    UNION SELECT campaign_id FROM noms WHERE campaign_id IS NOT NULL
), periods AS MATERIALIZED (
    SELECT person_id, valid_from, unit_id FROM directory_person_units
    WHERE person_id IN (SELECT id FROM ids)
)
SELECT 'nomination' AS part, nomination_id AS id, nominee_kind AS kind, nominee_id,
       proposer_unit_id AS unit_id, campaign_id, award_code AS text, NULL::date AS valid_from,
       NULL::timestamptz AS created_at
FROM noms
UNION ALL
SELECT 'period', person_id, NULL, NULL, unit_id, NULL, NULL, valid_from, NULL FROM periods
UNION ALL
SELECT 'name', id, NULL, NULL, NULL, NULL, name, NULL, NULL FROM directory_names
WHERE id IN (SELECT id FROM ids UNION SELECT unit_id FROM periods)
UNION ALL
SELECT 'subscription', id, NULL, NULL, NULL, NULL, filter::text, NULL, created_at
FROM webhook_subscriptions WHERE deleted_at IS NULL
"""


async def snapshot(
    con: asyncpg.Connection, events: Iterable[Event]
) -> tuple[MemoryDirectory, list[asyncpg.Record]]:
    """The directory the batch's events could ask about, and the live webhook subscriptions
    (id, text: the filter's JSON, created_at)."""
    ids: set[UUID] = set()
    for event in events:
        ids.update(ids_in(event))
    directory = MemoryDirectory()
    subscriptions, periods = [], []
    for r in await con.fetch(_SNAPSHOT, list(ids)):
        part = r["part"]
        if part == "subscription":
            subscriptions.append(r)
        elif part == "name":
            directory.names[r["id"]] = r["text"]
        elif part == "period":
            periods.append((r["id"], r["valid_from"], r["unit_id"]))
        else:
            directory.nominations[r["id"]] = NominationFacts(
                nominee=Nominee(kind=r["kind"], id=r["nominee_id"]),
                proposer_unit_id=r["unit_id"],
                award_code=r["text"],
                campaign_id=r["campaign_id"],
            )
    for person, since, unit in sorted(periods):
        directory.add_person(person, unit, since)
    return directory, subscriptions


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


def changes(before: Baseline, after: MemoryDirectory) -> list[Statement]:
    """What the batch changed in the read model: a statement per table, to run with the batch's
    others."""
    out: list[Statement] = []
    names = [(k, v) for k, v in after.names.items() if before.names.get(k) != v]
    if names:
        out.append(
            (
                "INSERT INTO directory_names (id, name)"
                " SELECT * FROM unnest($1::uuid[], $2::text[])"
                " ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name",
                columns(names, 2),
            )
        )
    nominations = [
        (k, f.nominee.kind, f.nominee.id, f.proposer_unit_id, f.award_code, f.campaign_id)
        for k, f in after.nominations.items()
        if before.nominations.get(k) != f
    ]
    if nominations:
        out.append(
            (
                "INSERT INTO directory_nominations (nomination_id, nominee_kind, nominee_id,"
                " proposer_unit_id, award_code, campaign_id)"
                " SELECT * FROM unnest($1::uuid[], $2::text[], $3::uuid[], $4::uuid[],"
                " $5::text[], $6::uuid[])"
                " ON CONFLICT (nomination_id) DO UPDATE SET nominee_kind = EXCLUDED.nominee_kind,"
                " nominee_id = EXCLUDED.nominee_id,"
                " proposer_unit_id = EXCLUDED.proposer_unit_id,"
                " award_code = EXCLUDED.award_code, campaign_id = EXCLUDED.campaign_id",
                columns(nominations, 6),
            )
        )
    # One row per (person, valid_from), the last one learnt: a statement's upsert may touch a
    # row once.
    periods: dict[tuple[UUID, date], UUID] = {}
    for person, history in after.person_units.items():
        known = set(before.person_units.get(person, []))
        for since, unit in history:
            if (since, unit) not in known:
                periods[(person, since)] = unit
    if periods:
        out.append(
            (
                "INSERT INTO directory_person_units (person_id, valid_from, unit_id)"
                " SELECT * FROM unnest($1::uuid[], $2::date[], $3::uuid[])"
                " ON CONFLICT (person_id, valid_from) DO UPDATE SET unit_id = EXCLUDED.unit_id",
                columns([(p, s, u) for (p, s), u in periods.items()], 3),
            )
        )
    return out
