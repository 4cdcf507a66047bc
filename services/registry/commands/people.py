"""Registering and changing people (versions over time)."""

from __future__ import annotations

from datetime import date
from typing import Unpack
from uuid import UUID

from servicekit.errors import Conflict, Invalid, NotFound
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.units import known_unit, tree_for_reading
from services.registry.config import RegistryConfig
from services.registry.domain import people as p
from services.registry.domain.units import UnitTree


async def register_person(
    uow: UnitOfWork,
    config: RegistryConfig,
    person_id: UUID,
    *,
    full_name: str,
    gender: str,
    birth_year: int,
    unit_id: UUID,
    position: str,
    valid_from: date,
    code: str | None = None,
    citizen_id: str | None = None,
    tree: UnitTree | None = None,
) -> p.Person:
    tree = tree or await tree_for_reading(uow)
    known_unit(tree, unit_id, "#/unit_id", valid_from)
    digest = None
    if citizen_id is not None:
        digest = config.citizen_digest(citizen_id)
        if digest is None:
            raise Invalid.at(
                "#/citizen_id",
                "this registry is not configured to keep citizen ids",
                "not_accepted",
            )
        other = await store.people.person_id_by_citizen_hash(uow.con, digest)
        if other is not None:
            raise Conflict(
                "a person with this citizen id is already registered",
                code="duplicate",
                person_id=str(other),
            )
    if code is not None:
        other = await store.people.person_id_by_code(uow.con, code)
        if other is not None:
            raise Conflict(
                Msg("the personnel code {code} is already registered", code=code),
                code="duplicate",
                person_id=str(other),
            )
    person = p.register(
        person_id,
        full_name=full_name,
        gender=gender,
        birth_year=birth_year,
        unit_id=unit_id,
        position=position,
        valid_from=valid_from,
        code=code,
    )
    await store.people.save_people(uow.con, [person], [digest])
    await uow.publish(events.person_registered(person))
    return person


async def load_person(uow: UnitOfWork, person_id: UUID, *, lock: bool = False) -> p.Person:
    if lock and not await store.people.lock_person(uow.con, person_id):
        raise NotFound(Msg("no person {person_id}", person_id=person_id))
    person = await store.people.get_person(uow.con, person_id)
    if person is None:
        raise NotFound(Msg("no person {person_id}", person_id=person_id))
    return person


async def change_person(
    uow: UnitOfWork, person_id: UUID, effective_from: date, **changes: Unpack[p.PersonChanges]
) -> tuple[p.Person, p.PersonVersion | None]:
    person = await load_person(uow, person_id, lock=True)
    unit_id = changes.get("unit_id")
    if unit_id is not None:
        tree = await tree_for_reading(uow)
        known_unit(tree, unit_id, "#/unit_id", effective_from)
    person, version = p.change(person, effective_from, **changes)
    if version is not None:
        await store.people.save_people(uow.con, [person])
        await uow.publish(events.person_changed(person, version))
    return person, version
