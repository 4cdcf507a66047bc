"""Importing people: recognised by personnel code, citizen id, or name, birth year, gender and
unit; a citizen id only kept as its digest."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any
from uuid import UUID, uuid4

import asyncpg

from servicekit.errors import DomainError
from servicekit.imports import (
    Report,
    RowError,
    may_write,
)
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.imports.rows import PersonRow, domain_errors
from services.registry.config import RegistryConfig
from services.registry.domain import people as p
from services.registry.domain.units import UnitTree


@dataclass
class Registered:
    """The people already registered, by what an import recognises a person by."""

    by_code: dict[str, asyncpg.Record]
    by_hash: dict[bytes, asyncpg.Record]
    by_identity: dict[tuple[str, int, str, UUID], asyncpg.Record]

    @classmethod
    def of(cls, versions: list[asyncpg.Record]) -> Registered:
        return cls(
            {r["code"]: r for r in versions if r["code"]},
            {bytes(r["citizen_id_hash"]): r for r in versions if r["citizen_id_hash"]},
            {(r["full_name"], r["birth_year"], r["gender"], r["unit_id"]): r for r in versions},
        )

    def match(self, r: PersonRow, digest: bytes | None, unit_id: UUID) -> asyncpg.Record | None:
        """By personnel code or citizen id; by name, birth year, gender and unit only for a row
        with neither."""
        match = (self.by_code.get(r.code) if r.code else None) or (
            self.by_hash.get(digest) if digest else None
        )
        if match is None and r.code is None and digest is None:
            match = self.by_identity.get((r.full_name, r.birth_year, r.gender, unit_id))
        return match


@dataclass
class Seen:
    """The personnel codes and citizen ids of the file's earlier rows, with their row numbers."""

    codes: dict[str, int] = field(default_factory=dict)
    hashes: dict[bytes, int] = field(default_factory=dict)


async def import_rows(
    uow: UnitOfWork,
    config: RegistryConfig,
    rows: list[tuple[int, Any]],
    report: Report,
    write: bool,
    mode: str,
) -> None:
    await store.units.lock_tree(uow.con, shared=True)
    tree = await store.units.load_tree(uow.con)
    registered = Registered.of(await store.people.versions_for_import(uow.con))
    seen = Seen()
    new: list[p.Person] = []
    hashes: list[bytes | None] = []
    for n, r in rows:
        checked = _check_row(tree, config, seen, n, r)
        if isinstance(checked, RowError):
            report.errors.append(checked)
            continue
        unit_id, digest = checked
        match = registered.match(r, digest, unit_id)
        if match is not None:
            if _same_person(match, r, unit_id):
                report.unchanged += 1
            else:
                report.errors.append(
                    RowError(
                        n,
                        "code" if r.code else "citizen_id",
                        "this person is already registered with other data; change it through "
                        "the API",
                    )
                )
            continue
        try:
            person = p.register(
                uuid4(),
                full_name=r.full_name,
                gender=r.gender,
                birth_year=r.birth_year,
                unit_id=unit_id,
                position=r.position,
                valid_from=r.valid_from,
                code=r.code,
            )
        except DomainError as e:
            report.errors.extend(domain_errors("people", n, e))
            continue
        new.append(person)
        hashes.append(digest)
        report.imported += 1
    if may_write(report, write, mode):
        await store.people.save_people(uow.con, new, hashes)
        await uow.publish_all(events.person_registered(x) for x in new)


def _check_row(
    tree: UnitTree, config: RegistryConfig, seen: Seen, n: int, r: PersonRow
) -> tuple[UUID, bytes | None] | RowError:
    """The row's unit (existing on the row's first day) and citizen id digest, or why not; a
    personnel code or citizen id already on an earlier row is an error."""
    unit_id = tree.by_code(r.unit_code)
    if unit_id is None:
        return RowError(n, "unit_code", "no unit has this code")
    if not tree.valid_on(unit_id, r.valid_from):
        return RowError(
            n, "unit_code", Msg("the unit does not exist on {valid_from}", valid_from=r.valid_from)
        )
    digest = None
    if r.citizen_id is not None:
        digest = config.citizen_digest(r.citizen_id)
        if digest is None:
            return RowError(n, "citizen_id", "this registry is not configured to keep citizen ids")
        if digest in seen.hashes:
            return RowError(
                n, "citizen_id", Msg("the same citizen id is on row {row}", row=seen.hashes[digest])
            )
        seen.hashes[digest] = n
    if r.code is not None:
        if r.code in seen.codes:
            return RowError(n, "code", Msg("the code is also on row {row}", row=seen.codes[r.code]))
        seen.codes[r.code] = n
    return unit_id, digest


def _same_person(match: asyncpg.Record, r: PersonRow, unit_id: UUID) -> bool:
    return (
        match["full_name"],
        match["birth_year"],
        match["gender"],
        match["unit_id"],
        match["position"],
    ) == (r.full_name, r.birth_year, r.gender, unit_id, r.position)
