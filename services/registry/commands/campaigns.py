"""The service layer: one function per command. Each loads what the rule needs (store), asks the
domain, saves the result and publishes its events through the unit of work. The HTTP routers and
the bulk import both call these, so a rule holds whichever way the data comes in."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date, timedelta
from typing import TypeVar
from uuid import UUID

from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.config import RegistryConfig
from services.registry.domain import blocs as b
from services.registry.domain import campaigns as c
from services.registry.domain import occasions as o
from services.registry.domain import people as p
from services.registry.domain import statuses as st
from services.registry.domain.units import UnitTree

T = TypeVar("T")


# ---- units -----------------------------------------------------------------------------------


async def on_tree(uow: UnitOfWork, command: Callable[[UnitTree], T]) -> tuple[T, UnitTree]:
    """Run a command on the unit tree under the tree's lock; save and publish what it did."""
    await store.lock_tree(uow.con)
    tree = await store.load_tree(uow.con)
    result = command(tree)
    await store.save_tree(uow.con, tree)
    await uow.publish_all(events.unit_events(tree.log))
    tree.log.clear()
    return result, tree


async def _unit_tree_for_reading(uow: UnitOfWork) -> UnitTree:
    await store.lock_tree(uow.con, shared=True)
    return await store.load_tree(uow.con)


def _known_unit(tree: UnitTree, unit_id: UUID, pointer: str, day: date | None = None) -> None:
    if unit_id not in tree:
        raise Invalid.at(pointer, f"no unit {unit_id}", "unknown_unit")
    if day is not None and not tree.valid_on(unit_id, day):
        s, e = tree.span(unit_id)
        raise Invalid.at(
            pointer,
            f"unit {tree.code(unit_id)} does not exist on {day} (it exists "
            f"from {s}{f' until {e}' if e else ''})",
            "not_valid",
        )


# ---- people ----------------------------------------------------------------------------------


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
    tree = tree or await _unit_tree_for_reading(uow)
    _known_unit(tree, unit_id, "#/unit_id", valid_from)
    digest = None
    if citizen_id is not None:
        digest = config.citizen_digest(citizen_id)
        if digest is None:
            raise Invalid.at(
                "#/citizen_id",
                "this registry is not configured to keep citizen ids",
                "not_accepted",
            )
        other = await store.person_id_by_citizen_hash(uow.con, digest)
        if other is not None:
            raise Conflict(
                "a person with this citizen id is already registered",
                code="duplicate",
                person_id=str(other),
            )
    if code is not None:
        other = await store.person_id_by_code(uow.con, code)
        if other is not None:
            raise Conflict(
                f"the personnel code {code} is already registered",
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
    await store.save_people(uow.con, [person], [digest])
    await uow.publish(events.person_registered(person))
    return person


async def load_person(uow: UnitOfWork, person_id: UUID, *, lock: bool = False) -> p.Person:
    if lock and not await store.lock_person(uow.con, person_id):
        raise NotFound(f"no person {person_id}")
    person = await store.get_person(uow.con, person_id)
    if person is None:
        raise NotFound(f"no person {person_id}")
    return person


async def change_person(
    uow: UnitOfWork, person_id: UUID, effective_from: date, **changes: object
) -> tuple[p.Person, p.PersonVersion | None]:
    person = await load_person(uow, person_id, lock=True)
    unit_id = changes.get("unit_id")
    if unit_id is not None:
        tree = await _unit_tree_for_reading(uow)
        _known_unit(tree, unit_id, "#/unit_id", effective_from)  # type: ignore[arg-type]
    person, version = p.change(person, effective_from, **changes)  # type: ignore[arg-type]
    if version is not None:
        await store.save_people(uow.con, [person])
        await uow.publish(events.person_changed(person, version))
    return person, version


# ---- statuses of people and units (R14) --------------------------------------------------------


async def _lock_subject(uow: UnitOfWork, subject: st.Subject, subject_id: UUID) -> None:
    """Serialise the writes of one subject's statuses, so two overlapping ones cannot both pass."""
    if subject == "person":
        await load_person(uow, subject_id, lock=True)
    elif not await store.lock_unit(uow.con, subject_id):
        raise NotFound(f"no unit {subject_id}")


async def _unit_exists_on(uow: UnitOfWork, unit_id: UUID, day: date) -> None:
    versions = await store.unit_versions(uow.con, unit_id)
    end = versions[-1].valid_to
    if end is not None and day >= end:
        raise Invalid.at(
            "#/start",
            f"unit {versions[0].code} no longer exists on {day} (it exists until {end})",
            "not_valid",
        )


async def add_status(
    uow: UnitOfWork, status: st.StatusPeriod, subject: st.Subject = "person"
) -> st.StatusPeriod:
    await _lock_subject(uow, subject, status.subject_id)
    if subject == "unit":
        await _unit_exists_on(uow, status.subject_id, status.start)
    existing = await store.statuses(uow.con, status.subject_id, subject)
    status = st.add_status(existing, status, subject)
    await store.save_status(uow.con, status, subject)
    await uow.publish(events.status_changed(status, subject))
    return status


async def end_status(
    uow: UnitOfWork,
    subject_id: UUID,
    status_id: UUID,
    end: date,
    subject: st.Subject = "person",
) -> st.StatusPeriod:
    await _lock_subject(uow, subject, subject_id)
    status = next(
        (s for s in await store.statuses(uow.con, subject_id, subject) if s.status_id == status_id),
        None,
    )
    if status is None:
        raise NotFound(f"no status {status_id} for this {subject}")
    status = st.end_status(status, end)
    await store.save_status(uow.con, status, subject)
    await uow.publish(events.status_changed(status, subject))
    return status


# ---- blocs -----------------------------------------------------------------------------------


def elsewhere_check(
    others: dict[UUID, list[tuple[str, b.Membership]]],
) -> Callable[[UUID, date], str | None]:
    """(unit, day) -> the code of another bloc of the kind the unit is in from that day on."""

    def check(unit_id: UUID, day: date) -> str | None:
        for code, m in others.get(unit_id, ()):
            if m.overlaps(day, None):
                return code
        return None

    return check


async def form_bloc(
    uow: UnitOfWork,
    bloc: b.Bloc,
    year: int,
    member_ids: list[UUID],
    *,
    formed_on: date | None = None,
    scoring_scheme_ref: str | None = None,
    head_unit_id: UUID | None = None,
    deputy_unit_id: UUID | None = None,
    new: bool,
    tree: UnitTree | None = None,
) -> b.BlocYear:
    """Form `bloc` for `year` (creating the bloc when `new`)."""
    await store.lock_blocs(uow.con)
    if new:
        if await store.bloc_by_code(uow.con, bloc.code) is not None:
            raise Conflict(f"the bloc code {bloc.code} is already used", code="duplicate_code")
        years: set[int] = set()
    else:
        years = set(await store.bloc_years(uow.con, bloc.bloc_id))
    tree = tree or await _unit_tree_for_reading(uow)
    others = await store.memberships_elsewhere(
        uow.con, kind=bloc.kind, year=year, except_bloc=bloc.bloc_id
    )
    by = b.form(
        bloc,
        year,
        member_ids,
        formed_on=formed_on,
        scoring_scheme_ref=scoring_scheme_ref,
        unit_exists_on=tree.valid_on,
        elsewhere=elsewhere_check(others),
        existing_years=years,
    )
    if head_unit_id is not None:
        by = b.elect(by, head_unit_id, deputy_unit_id)
    elif deputy_unit_id is not None:
        raise Invalid.at("#/head_unit_id", "a deputy is elected with a head", "missing")
    if new:
        await store.save_bloc(uow.con, bloc)
    await store.save_bloc_year(uow.con, by)
    await uow.publish(events.bloc_formed(bloc, by))
    if by.head_unit_id is not None:
        await uow.publish(events.head_elected(by))
    return by


async def load_bloc_year(uow: UnitOfWork, bloc_id: UUID, year: int) -> tuple[b.Bloc, b.BlocYear]:
    bloc = await store.get_bloc(uow.con, bloc_id, lock=True)
    if bloc is None:
        raise NotFound(f"no bloc {bloc_id}")
    by = (await store.bloc_years(uow.con, bloc_id, year)).get(year)
    if by is None:
        raise NotFound(f"bloc {bloc.code} is not formed for {year}", code="not_formed")
    return bloc, by


async def change_bloc_members(
    uow: UnitOfWork,
    bloc_id: UUID,
    year: int,
    *,
    add: list[UUID],
    remove: list[UUID],
    effective_on: date,
    tree: UnitTree | None = None,
) -> b.BlocYear:
    await store.lock_blocs(uow.con)
    bloc, by = await load_bloc_year(uow, bloc_id, year)
    tree = tree or await _unit_tree_for_reading(uow)
    others = await store.memberships_elsewhere(
        uow.con, kind=bloc.kind, year=year, except_bloc=bloc_id
    )
    by = b.change_members(
        by,
        add=add,
        remove=remove,
        effective_on=effective_on,
        unit_exists_on=tree.valid_on,
        elsewhere=elsewhere_check(others),
    )
    await store.save_bloc_year(uow.con, by)
    await uow.publish(events.membership_changed(by, add, remove, effective_on))
    return by


async def elect_bloc_head(
    uow: UnitOfWork,
    bloc_id: UUID,
    year: int,
    head: UUID,
    deputy: UUID | None,
    effective_on: date | None = None,
) -> b.BlocYear:
    _, by = await load_bloc_year(uow, bloc_id, year)
    new = b.elect(by, head, deputy, effective_on)
    if (new.head_unit_id, new.deputy_unit_id) != (by.head_unit_id, by.deputy_unit_id):
        await store.save_bloc_year(uow.con, new)
        await uow.publish(events.head_elected(new, effective_on))
    return new


# ---- campaigns -------------------------------------------------------------------------------


async def _check_refs(uow: UnitOfWork, x: c.Campaign) -> None:
    tree = await _unit_tree_for_reading(uow)
    _known_unit(tree, x.launched_by, "#/launched_by")
    for i, u in enumerate(x.participating_unit_ids):
        _known_unit(tree, u, f"#/participating_unit_ids/{i}")
        if not tree.overlaps(u, x.start, _day_after(x.end)):
            raise Invalid.at(
                f"#/participating_unit_ids/{i}",
                f"unit {tree.code(u)} does not exist during the campaign",
                "not_valid",
            )
    for i, bl in enumerate(x.bloc_ids):
        if await store.get_bloc(uow.con, bl) is None:
            raise Invalid.at(f"#/bloc_ids/{i}", f"no bloc {bl}", "unknown_bloc")
    o.check_dedications(x.occasion_ids, await store.known_occasions(uow.con, x.occasion_ids))


async def _child_problems(
    uow: UnitOfWork, x: c.Campaign
) -> tuple[list[Violation], list[Violation]]:
    """For a unit's own movement: what keeps it from answering its parent (domain.campaigns)."""
    if x.parent_campaign_id is None:
        return [], []
    parent = await store.get_campaign(uow.con, x.parent_campaign_id)
    if parent is None:
        raise Invalid.at(
            "#/parent_campaign_id", f"no campaign {x.parent_campaign_id}", "unknown_campaign"
        )
    tree = await _unit_tree_for_reading(uow)
    parent_participants, _ = await store.participants(uow.con, parent)
    return c.child_problems(
        x,
        parent,
        parent_participants=set(parent_participants),
        ancestors={u: tree.ancestors(u, x.start) for u in x.participating_unit_ids},
    )


async def _check_parent(uow: UnitOfWork, x: c.Campaign) -> None:
    conflicts, invalid = await _child_problems(uow, x)
    c.raise_child_problems(conflicts, invalid)


def _day_after(d: date) -> date:
    return d + timedelta(days=1)


async def create_campaign(uow: UnitOfWork, x: c.Campaign) -> c.Campaign:
    if await store.campaign_id_by_code(uow.con, x.code) is not None:
        raise Conflict(f"the campaign code {x.code} is already used", code="duplicate_code")
    await _check_refs(uow, x)
    await _check_parent(uow, x)
    await store.save_campaign(uow.con, x)
    return x


async def load_campaign(uow: UnitOfWork, campaign_id: UUID, *, lock: bool = False) -> c.Campaign:
    x = await store.get_campaign(uow.con, campaign_id, lock=lock)
    if x is None:
        raise NotFound(f"no campaign {campaign_id}")
    return x


async def edit_campaign(
    uow: UnitOfWork, config: RegistryConfig, campaign_id: UUID, changes: dict[str, object]
) -> c.Campaign:
    x = await load_campaign(uow, campaign_id, lock=True)
    new = c.edit(x, config.regime_2022_from, **changes)
    if new.code != x.code and await store.campaign_code_taken(uow.con, new.code, campaign_id):
        raise Conflict(f"the campaign code {new.code} is already used", code="duplicate_code")
    await _check_refs(uow, new)
    await _check_parent(uow, new)
    await store.save_campaign(uow.con, new)
    return new


async def readiness(uow: UnitOfWork, x: c.Campaign) -> tuple[list[Violation], dict[UUID, str]]:
    """What keeps a campaign from launching, and its participants."""
    tree = await _unit_tree_for_reading(uow)
    participants, missing = await store.participants(uow.con, x)
    targets = await store.targets_of(uow.con, x.campaign_id)
    problems = c.completeness(
        x,
        participants=participants,
        targets=targets,
        unit_overlaps=lambda u, s, e: tree.overlaps(u, s, _day_after(e)),
        unit_exists_on=tree.valid_on,
        blocs_missing=missing,
    )
    # the parent may have closed, or the tree changed, since the draft was written
    conflicts, invalid = await _child_problems(uow, x)
    problems += conflicts + invalid
    for t in targets:
        if t.unit_id not in participants:
            problems.append(
                Violation(
                    "#/targets",
                    f"target {t.name!r} belongs to unit "
                    f"{tree.code(t.unit_id)}, which no longer takes part",
                    "not_participant",
                )
            )
    ends = await store.unit_ends(uow.con, (t.unit_id for t in targets))
    for t in (t for t in targets if t.unit_id in ends):
        try:
            c.check_unit_open(t, *ends[t.unit_id])
        except Conflict as e:
            problems.append(Violation("#/targets", e.detail, e.code))
    return problems, participants


async def launch_campaign(uow: UnitOfWork, campaign_id: UUID, today: date) -> c.Campaign:
    x = await load_campaign(uow, campaign_id, lock=True)
    if x.state != "draft":
        raise Conflict(f"campaign {x.code} is already {x.state}", code="not_draft")
    problems, participants = await readiness(uow, x)
    x = c.launch(x, problems, today)
    targets = await store.targets_of(uow.con, campaign_id)
    await store.save_campaign(uow.con, x)
    await store.save_targets(uow.con, targets, record_revision=True)
    await uow.publish(events.campaign_launched(x, list(participants), targets))
    return x


async def close_campaign(
    uow: UnitOfWork, campaign_id: UUID, closed_on: date, summary: str | None
) -> c.Campaign:
    x = c.close(await load_campaign(uow, campaign_id, lock=True), closed_on, summary)
    await store.save_campaign(uow.con, x)
    await uow.publish(events.campaign_closed(x))
    return x


async def assign_targets(
    uow: UnitOfWork, campaign_id: UUID, targets: list[c.Target]
) -> list[c.Target]:
    x = await load_campaign(uow, campaign_id, lock=True)
    participants, _ = await store.participants(uow.con, x)
    existing = await store.targets_of(uow.con, campaign_id)
    ends = await store.unit_ends(uow.con, (t.unit_id for t in targets))
    out = []
    for t in targets:
        t = c.assign(x, replace(t, campaign_id=campaign_id), set(participants), existing, ends)
        existing.append(t)
        out.append(t)
    await store.save_targets(uow.con, out, record_revision=x.state == "launched")
    if x.state == "launched":
        await uow.publish_all(events.target_assigned(t) for t in out)
    return out


async def revise_target(
    uow: UnitOfWork, target_id: UUID, reason: str | None, changes: dict[str, object]
) -> tuple[c.Target, bool]:
    t = await store.get_target(uow.con, target_id)
    if t is None:
        raise NotFound(f"no target {target_id}")
    x = await load_campaign(uow, t.campaign_id, lock=True)
    t = await store.get_target(uow.con, target_id, lock=True)
    assert t is not None
    participants, _ = await store.participants(uow.con, x)
    existing = await store.targets_of(uow.con, x.campaign_id, t.unit_id)
    ends = await store.unit_ends(uow.con, [t.unit_id])
    new = c.revise(x, t, set(participants), existing, reason=reason, ends=ends, **changes)
    if new is None:
        return t, False
    await store.save_targets(uow.con, [new], record_revision=x.state == "launched")
    if x.state == "launched":
        await uow.publish(events.target_revised(new))
    return new, True


async def delete_target(uow: UnitOfWork, target_id: UUID) -> None:
    t = await store.get_target(uow.con, target_id)
    if t is None:
        raise NotFound(f"no target {target_id}")
    x = await load_campaign(uow, t.campaign_id, lock=True)
    if x.state != "draft":
        raise Conflict(
            f"campaign {x.code} is {x.state}: a published target is revised, not deleted",
            code="not_draft",
        )
    await store.delete_target(uow.con, target_id)


# ---- occasions -------------------------------------------------------------------------------


async def define_occasion(uow: UnitOfWork, x: o.Occasion) -> o.Occasion:
    x = o.define(x)
    if await store.occasion_id_by_code(uow.con, x.code) is not None:
        raise Conflict(f"the occasion code {x.code} is already used", code="duplicate_code")
    await store.save_occasion(uow.con, x)
    await uow.publish(events.occasion_defined(x))
    return x
