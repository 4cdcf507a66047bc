"""Emulation blocs and clusters (khối, cụm thi đua).

A bloc keeps its id, code, name and kind across years; it is formed for each year with its
members, its head and deputy (elected by the members, rotating yearly) and the reference of the
scoring scheme it adopted (the scheme's content is data kept by the progress service).

Rules: members exist on the day they join; membership days lie in the bloc's year; a unit belongs
to at most one bloc of a kind (bloc or cluster) on any day; the head and the deputy are two
different current members; a bloc never has zero members; the head or deputy cannot leave before
another is elected.
"""

from __future__ import annotations

from collections.abc import Callable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, replace
from datetime import date
from uuid import UUID

from servicekit.errors import Conflict, Invalid
from servicekit.messages import Msg

UnitCheck = Callable[[UUID, date], bool]
# (unit_id, day) -> the code of another bloc of the same kind the unit is in that day, or None
Elsewhere = Callable[[UUID, date], str | None]


@dataclass(frozen=True)
class Membership:
    unit_id: UUID
    joined_on: date
    left_on: date | None = None  # exclusive

    def active_on(self, day: date) -> bool:
        return self.joined_on <= day and (self.left_on is None or day < self.left_on)

    def overlaps(self, start: date, end: date | None) -> bool:
        return (end is None or self.joined_on < end) and (
            self.left_on is None or start < self.left_on
        )


@dataclass(frozen=True)
class Bloc:
    bloc_id: UUID
    code: str
    name: str
    kind: str  # bloc, cluster


@dataclass(frozen=True)
class BlocYear:
    bloc_id: UUID
    year: int
    formed_on: date
    memberships: tuple[Membership, ...]
    head_unit_id: UUID | None = None
    deputy_unit_id: UUID | None = None
    scoring_scheme_ref: str | None = None

    def members_on(self, day: date) -> list[UUID]:
        return [m.unit_id for m in self.memberships if m.active_on(day)]

    def current_members(self) -> list[UUID]:
        """Members that have not left."""
        return [m.unit_id for m in self.memberships if m.left_on is None]

    def members_during(self, start: date, end: date | None) -> list[UUID]:
        seen: dict[UUID, None] = {}
        for m in self.memberships:
            if m.overlaps(start, end):
                seen[m.unit_id] = None
        return list(seen)


def form(
    bloc: Bloc,
    year: int,
    member_ids: list[UUID],
    *,
    formed_on: date | None = None,
    scoring_scheme_ref: str | None = None,
    unit_exists_on: UnitCheck,
    elsewhere: Elsewhere,
    existing_years: AbstractSet[int] = frozenset(),
) -> BlocYear:
    formed_on = formed_on or date(year, 1, 1)
    if year in existing_years:
        raise Conflict(
            Msg("bloc {code} is already formed for {year}", code=bloc.code, year=year),
            code="duplicate",
        )
    if formed_on.year != year:
        raise Invalid.at("#/formed_on", Msg("the bloc is formed within {year}", year=year), "range")
    if not member_ids:
        raise Invalid.at("#/member_unit_ids", "a bloc needs at least one member", "missing")
    _check_new_members(member_ids, formed_on, "#/member_unit_ids", unit_exists_on, elsewhere)
    return BlocYear(
        bloc.bloc_id,
        year,
        formed_on,
        tuple(Membership(u, formed_on) for u in member_ids),
        scoring_scheme_ref=scoring_scheme_ref,
    )


def _check_new_members(
    ids: list[UUID], day: date, pointer: str, unit_exists_on: UnitCheck, elsewhere: Elsewhere
) -> None:
    if len(set(ids)) != len(ids):
        raise Invalid.at(pointer, "a unit is listed twice", "duplicate")
    for i, u in enumerate(ids):
        if not unit_exists_on(u, day):
            raise Invalid.at(
                f"{pointer}/{i}",
                Msg("unit {u} does not exist on {day}", u=u, day=day),
                "unknown_unit",
            )
        other = elsewhere(u, day)
        if other is not None:
            raise Conflict(
                Msg(
                    "unit {u} is already a member of {other} on {day}; a unit "
                    "belongs to one bloc of a kind at a time",
                    u=u,
                    other=other,
                    day=day,
                ),
                code="member_elsewhere",
                unit_id=str(u),
            )


def change_members(
    by: BlocYear,
    *,
    add: list[UUID],
    remove: list[UUID],
    effective_on: date,
    unit_exists_on: UnitCheck,
    elsewhere: Elsewhere,
) -> BlocYear:
    if not add and not remove:
        raise Invalid.at("#/add_unit_ids", "name units to add or remove", "missing")
    if effective_on.year != by.year or effective_on < by.formed_on:
        raise Invalid.at(
            "#/effective_on",
            Msg(
                "must lie in {year}, on or after the bloc's formation ({formed_on})",
                year=by.year,
                formed_on=by.formed_on,
            ),
            "range",
        )
    if set(add) & set(remove):
        raise Invalid.at("#/remove_unit_ids", "a unit is both added and removed", "duplicate")
    current = set(by.members_on(effective_on))
    for i, u in enumerate(add):
        if u in current or any(
            m.unit_id == u and m.joined_on > effective_on for m in by.memberships
        ):
            raise Invalid.at(
                f"#/add_unit_ids/{i}", Msg("unit {u} is already a member", u=u), "duplicate"
            )
    _check_new_members(add, effective_on, "#/add_unit_ids", unit_exists_on, elsewhere)
    for i, u in enumerate(remove):
        if u not in current:
            raise Invalid.at(
                f"#/remove_unit_ids/{i}",
                Msg("unit {u} is not a member on {effective_on}", u=u, effective_on=effective_on),
                "not_member",
            )
        if u in (by.head_unit_id, by.deputy_unit_id):
            raise Conflict(
                Msg("unit {u} is the bloc's head or deputy: elect another before it leaves", u=u),
                code="head_leaving",
            )
    memberships: list[Membership] = []
    for m in by.memberships:
        if m.unit_id in remove and m.active_on(effective_on):
            if m.joined_on == effective_on:
                continue  # joined and left the same day: never a member
            m = replace(m, left_on=effective_on)
        memberships.append(m)
    memberships += [Membership(u, effective_on) for u in add]
    after = replace(by, memberships=tuple(memberships))
    if not after.members_on(effective_on):
        raise Invalid.at("#/remove_unit_ids", "a bloc cannot be left without members", "empty")
    return after


def elect(
    by: BlocYear, head: UUID, deputy: UUID | None, effective_on: date | None = None
) -> BlocYear:
    """`effective_on`: the first day of the new head's term (the previous head stays head
    before it); the two are members that day. Without it, current members."""
    if effective_on is not None and (effective_on.year != by.year or effective_on < by.formed_on):
        raise Invalid.at(
            "#/effective_on",
            Msg(
                "must lie in {year}, on or after the bloc's formation ({formed_on})",
                year=by.year,
                formed_on=by.formed_on,
            ),
            "range",
        )
    members = set(by.members_on(effective_on) if effective_on else by.current_members())
    if head not in members:
        raise Invalid.at(
            "#/head_unit_id", "the head must be a current member of the bloc", "not_member"
        )
    if deputy is not None and deputy not in members:
        raise Invalid.at(
            "#/deputy_unit_id", "the deputy must be a current member of the bloc", "not_member"
        )
    if deputy == head:
        raise Invalid.at("#/deputy_unit_id", "the head cannot also be the deputy", "duplicate")
    return replace(by, head_unit_id=head, deputy_unit_id=deputy)
