"""Status periods of people and units (R14): discipline, investigation, inspection, complaint."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from servicekit.errors import Invalid, NotFound
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.people import load_person
from services.registry.domain import statuses as st


async def _lock_subject(uow: UnitOfWork, subject: st.Subject, subject_id: UUID) -> None:
    """Serialise the writes of one subject's statuses, so two overlapping ones cannot both pass."""
    if subject == "person":
        await load_person(uow, subject_id, lock=True)
    elif not await store.units.lock_unit(uow.con, subject_id):
        raise NotFound(Msg("no unit {subject_id}", subject_id=subject_id))


async def _unit_exists_on(uow: UnitOfWork, unit_id: UUID, day: date) -> None:
    versions = await store.units.unit_versions(uow.con, unit_id)
    end = versions[-1].valid_to
    if end is not None and day >= end:
        raise Invalid.at(
            "#/start",
            Msg(
                "unit {code} no longer exists on {day} (it exists until {end})",
                code=versions[0].code,
                day=day,
                end=end,
            ),
            "not_valid",
        )


async def add_status(
    uow: UnitOfWork, status: st.StatusPeriod, subject: st.Subject = "person"
) -> st.StatusPeriod:
    await _lock_subject(uow, subject, status.subject_id)
    if subject == "unit":
        await _unit_exists_on(uow, status.subject_id, status.start)
    existing = await store.statuses.statuses(uow.con, status.subject_id, subject)
    status = st.add_status(existing, status, subject)
    await store.statuses.save_status(uow.con, status, subject)
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
        (
            s
            for s in await store.statuses.statuses(uow.con, subject_id, subject)
            if s.status_id == status_id
        ),
        None,
    )
    if status is None:
        raise NotFound(
            Msg("no status {status_id} for this {subject}", status_id=status_id, subject=subject)
        )
    status = st.end_status(status, end)
    await store.statuses.save_status(uow.con, status, subject)
    await uow.publish(events.status_changed(status, subject))
    return status
