"""Importing people: recognised by personnel code, citizen id, or name, birth year, gender and
unit; a citizen id only kept as its digest."""

from __future__ import annotations

from typing import Any
from uuid import uuid4

from servicekit.errors import DomainError
from servicekit.imports import (
    Report,
    RowError,
    may_write,
)
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.imports.rows import domain_errors
from services.registry.config import RegistryConfig
from services.registry.domain import people as p


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
    existing = await store.people.versions_for_import(uow.con)
    by_code = {r["code"]: r for r in existing if r["code"]}
    by_hash = {bytes(r["citizen_id_hash"]): r for r in existing if r["citizen_id_hash"]}
    by_identity = {
        (r["full_name"], r["birth_year"], r["gender"], r["unit_id"]): r for r in existing
    }
    seen_codes: dict[str, int] = {}
    seen_hashes: dict[bytes, int] = {}
    new: list[p.Person] = []
    hashes: list[bytes | None] = []
    for n, r in rows:
        unit_id = tree.by_code(r.unit_code)
        if unit_id is None:
            report.errors.append(RowError(n, "unit_code", "no unit has this code"))
            continue
        if not tree.valid_on(unit_id, r.valid_from):
            report.errors.append(
                RowError(n, "unit_code", f"the unit does not exist on {r.valid_from}")
            )
            continue
        digest = None
        if r.citizen_id is not None:
            digest = config.citizen_digest(r.citizen_id)
            if digest is None:
                report.errors.append(
                    RowError(n, "citizen_id", "this registry is not configured to keep citizen ids")
                )
                continue
            if digest in seen_hashes:
                report.errors.append(
                    RowError(
                        n, "citizen_id", f"the same citizen id is on row {seen_hashes[digest]}"
                    )
                )
                continue
            seen_hashes[digest] = n
        if r.code is not None:
            if r.code in seen_codes:
                report.errors.append(
                    RowError(n, "code", f"the code is also on row {seen_codes[r.code]}")
                )
                continue
            seen_codes[r.code] = n
        match = (by_code.get(r.code) if r.code else None) or (
            by_hash.get(digest) if digest else None
        )
        identity = (r.full_name, r.birth_year, r.gender, unit_id)
        if match is None and r.code is None and digest is None:
            match = by_identity.get(identity)
        if match is not None:
            same = (
                match["full_name"],
                match["birth_year"],
                match["gender"],
                match["unit_id"],
                match["position"],
            ) == (*identity, r.position)
            if same:
                report.unchanged += 1
            else:
                report.errors.append(
                    RowError(
                        n,
                        "code" if r.code else "citizen_id",
                        "this person is already registered with other "
                        "data; change it through the API",
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
