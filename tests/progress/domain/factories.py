"""Small builders for the domain records, with readable defaults (a 2020 'về đích sớm' campaign)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import UUID, uuid5

from services.progress.domain import Campaign, Report, Target

NS = UUID("5f0c3f0e-6a53-4d39-9e55-2b7a8f9d0001")
CAMPAIGN = uuid5(NS, "campaign")
UNIT_A = uuid5(NS, "unit:a")
UNIT_B = uuid5(NS, "unit:b")
START, END = date(2020, 1, 1), date(2020, 12, 31)


def uid(name: str) -> UUID:
    return uuid5(NS, name)


def campaign(state: str = "launched", units: tuple[UUID, ...] = (UNIT_A, UNIT_B)) -> Campaign:
    return Campaign(CAMPAIGN, state, START, END, frozenset(units))


def target(
    name: str = "t1",
    *,
    value: str | int = 100,
    direction: str = "higher_is_better",
    weight: str | int = 1,
    deadline: date = date(2020, 12, 31),
    unit: UUID = UNIT_A,
    revision: int = 1,
    allow_negative: bool = False,
) -> Target:
    return Target(
        id=uid(f"target:{name}"),
        campaign_id=CAMPAIGN,
        unit_id=unit,
        name=name,
        metric=name,
        unit_of_measure="%",
        target_value=Decimal(value),
        direction=direction,
        weight=Decimal(weight),
        deadline=deadline,
        revision=revision,
        allow_negative=allow_negative,
    )


_clock = [0]


def report(
    t: Target,
    value: str | int,
    as_of: date,
    *,
    name: str | None = None,
    at: datetime | None = None,
    supersedes: Report | None = None,
) -> Report:
    """`at` defaults to a strictly increasing instant, so reports arrive in creation order."""
    _clock[0] += 1
    return Report(
        id=uid(name or f"report:{_clock[0]}"),
        target_id=t.id,
        unit_id=t.unit_id,
        value=Decimal(value),
        as_of=as_of,
        reported_at=at or datetime(2020, 1, 1, tzinfo=UTC) + timedelta(seconds=_clock[0]),
        supersedes=supersedes.id if supersedes else None,
    )
