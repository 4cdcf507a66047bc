"""Importing bloc memberships: the rows of one bloc and year form the bloc, or add members to
it, and elect its head and deputy.

Every group of rows (one bloc, one year) is checked in full before anything is written: the rows
agree on the bloc, each unit exists on the day it joins and is in no other bloc of the kind
(blocs of a kind are exclusive, in the registry and within the file), one head and one deputy.
A row already true in the registry counts as unchanged; a leaving is recorded through the API.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, Literal
from uuid import UUID, uuid4

from servicekit.errors import DomainError
from servicekit.imports import Report, RowError, may_write
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.registry import events, store
from services.registry.commands.blocs import elsewhere_check
from services.registry.commands.imports.rows import MembershipRow, domain_errors
from services.registry.config import RegistryConfig
from services.registry.domain import blocs as b
from services.registry.domain.units import UnitTree

Taken = dict[tuple[str, int, UUID], int]
"""(bloc kind, year, unit) -> the row that put the unit in a bloc of that kind, within the file."""


@dataclass
class Group:
    """One bloc and year of the file: the bloc and its year as registered (if they are), and what
    the group's good rows add and elect."""

    code: str
    year: int
    rows: list[tuple[int, MembershipRow]]
    bloc: b.Bloc | None
    by: b.BlocYear | None
    elsewhere: Callable[[UUID, date], str | None]
    members: list[UUID] = field(default_factory=list)
    head: UUID | None = None
    deputy: UUID | None = None
    rows_ok: list[int] = field(default_factory=list)
    seen: dict[UUID, int] = field(default_factory=dict)
    current: set[UUID] = field(init=False)

    def __post_init__(self) -> None:
        self.current = set(self.by.current_members()) if self.by else set()

    @property
    def first(self) -> MembershipRow:
        return self.rows[0][1]

    @property
    def formed_on(self) -> date:
        if self.by is not None:
            return self.by.formed_on
        return self.first.joined_on or date(self.year, 1, 1)


async def import_rows(
    uow: UnitOfWork,
    config: RegistryConfig,
    rows: list[tuple[int, Any]],
    report: Report,
    write: bool,
    mode: str,
) -> None:
    await store.blocs.lock_blocs(uow.con)
    await store.units.lock_tree(uow.con, shared=True)
    tree = await store.units.load_tree(uow.con)
    groups: dict[tuple[str, int], list[tuple[int, MembershipRow]]] = {}
    for n, r in rows:
        groups.setdefault((r.bloc_code, r.year), []).append((n, r))
    planned: list[Group] = []
    taken: Taken = {}
    for (code, year), group in groups.items():
        g = await _plan(uow, tree, code, year, group, taken, report)
        if g is not None:
            planned.append(g)
    if not may_write(report, write, mode):
        return
    for g in planned:
        try:
            await _write(uow, tree, g)
            report.imported += len(g.rows_ok)
        except DomainError as e:
            report.errors.extend(domain_errors("bloc-memberships", g.rows[0][0], e))


async def _plan(
    uow: UnitOfWork,
    tree: UnitTree,
    code: str,
    year: int,
    rows: list[tuple[int, MembershipRow]],
    taken: Taken,
    report: Report,
) -> Group | None:
    """Check a group's rows (reporting each bad one); the group to write, or None."""
    first_n, first = rows[0]
    bad_group = _disagreeing_rows(code, rows, report)
    bloc = await store.blocs.bloc_by_code(uow.con, code)
    if bloc is not None and bloc.kind != first.bloc_kind:
        report.errors.append(
            RowError(
                first_n, "bloc_kind", Msg("bloc {code} is a {kind}", code=code, kind=bloc.kind)
            )
        )
        bad_group = True
    years = await store.blocs.bloc_years(uow.con, bloc.bloc_id) if bloc else {}
    others = await store.blocs.memberships_elsewhere(
        uow.con, kind=first.bloc_kind, year=year, except_bloc=bloc.bloc_id if bloc else None
    )
    g = Group(code, year, rows, bloc, years.get(year), elsewhere_check(others))
    for n, r in rows:
        outcome = _take_row(g, tree, n, r, taken)
        if outcome == "unchanged":
            report.unchanged += 1
        elif outcome is not None:
            report.errors.append(outcome)
    if bad_group:
        return None
    problem = _election_problem(g, first_n)
    if problem is not None:
        report.errors.append(problem)
        return None
    return g if g.rows_ok else None


def _disagreeing_rows(code: str, rows: list[tuple[int, MembershipRow]], report: Report) -> bool:
    """Report the rows naming the bloc or its kind otherwise than the group's first row."""
    first_n, first = rows[0]
    bad = False
    for n, r in rows[1:]:
        if (r.bloc_name, r.bloc_kind) != (first.bloc_name, first.bloc_kind):
            report.errors.append(
                RowError(
                    n,
                    "bloc_name",
                    Msg(
                        "bloc {code} is named or kinded differently on row {row}",
                        code=code,
                        row=first_n,
                    ),
                )
            )
            bad = True
    return bad


def _take_row(
    g: Group, tree: UnitTree, n: int, r: MembershipRow, taken: Taken
) -> RowError | Literal["unchanged"] | None:
    """Check one row against the bloc's year, the tree and the file's other rows; record what it
    adds or elects in `g`. None when taken."""
    unit_id = tree.by_code(r.unit_code)
    day = r.joined_on or g.formed_on
    if unit_id is None:
        return RowError(n, "unit_code", "no unit has this code")
    if day.year != g.year or day < g.formed_on:
        return RowError(
            n,
            "joined_on",
            Msg(
                "must lie in {year}, on or after the bloc's formation ({formed_on})",
                year=g.year,
                formed_on=g.formed_on,
            ),
        )
    if unit_id in g.seen:
        return RowError(n, "unit_code", Msg("the unit is also on row {row}", row=g.seen[unit_id]))
    g.seen[unit_id] = n
    if r.left_on is not None:
        return _left_row(g, n, r, unit_id, day)
    if g.by is not None and unit_id in g.current:
        if _holds(g.by, unit_id, r.role):
            return "unchanged"
    else:
        problem = _joining_problem(g, tree, n, unit_id, day, taken)
        if problem is not None:
            return problem
        taken[(g.first.bloc_kind, g.year, unit_id)] = n
        g.members.append(unit_id)
    problem = _elect_row(g, n, r.role, unit_id)
    if problem is not None:
        return problem
    g.rows_ok.append(n)
    return None


def _left_row(
    g: Group, n: int, r: MembershipRow, unit_id: UUID, day: date
) -> RowError | Literal["unchanged"]:
    """A row with `left_on` is only accepted as exported: a membership already recorded so."""
    if g.by is not None and any(
        (m.unit_id, m.joined_on, m.left_on) == (unit_id, day, r.left_on) for m in g.by.memberships
    ):
        return "unchanged"
    return RowError(
        n,
        "left_on",
        "a unit leaving a bloc is recorded through the API (the bloc's members), not imported",
    )


def _holds(by: b.BlocYear, unit_id: UUID, role: str) -> bool:
    """Whether a current member already holds the row's role."""
    if role == "head":
        return by.head_unit_id == unit_id
    if role == "deputy":
        return by.deputy_unit_id == unit_id
    return True


def _joining_problem(
    g: Group, tree: UnitTree, n: int, unit_id: UUID, day: date, taken: Taken
) -> RowError | None:
    """Why a unit cannot join the bloc on `day`: it does not exist then, or it is in another bloc
    of the kind (registered, or on an earlier row of the file)."""
    if not tree.valid_on(unit_id, day):
        return RowError(n, "unit_code", Msg("the unit does not exist on {day}", day=day))
    other = g.elsewhere(unit_id, day)
    key = (g.first.bloc_kind, g.year, unit_id)
    if other is None and key in taken:
        other = f"the bloc of row {taken[key]}"
    if other is None:
        return None
    return RowError(
        n,
        "unit_code",
        Msg(
            "the unit is already a member of {other} ({bloc_kind}s are exclusive)",
            other=other,
            bloc_kind=g.first.bloc_kind,
        ),
    )


def _elect_row(g: Group, n: int, role: str, unit_id: UUID) -> RowError | None:
    if role == "head":
        if g.head is not None:
            return RowError(n, "role", "a second head for this bloc")
        g.head = unit_id
    elif role == "deputy":
        if g.deputy is not None:
            return RowError(n, "role", "a second deputy for this bloc")
        g.deputy = unit_id
    return None


def _election_problem(g: Group, first_n: int) -> RowError | None:
    """A deputy needs a head (the file's, or the one in office); nobody is both."""
    if g.by is not None and g.head is None and g.deputy is not None:
        g.head = g.by.head_unit_id
    if g.head is None and g.deputy is not None:
        return RowError(first_n, "role", "a deputy is elected with a head")
    if g.head is not None and g.head == g.deputy:
        return RowError(first_n, "role", "the head cannot also be the deputy")
    return None


async def _write(uow: UnitOfWork, tree: UnitTree, g: Group) -> None:
    """Form the bloc's year, or add the new members to it, and elect; publish each step."""
    bloc = g.bloc
    if bloc is None:
        bloc = b.Bloc(uuid4(), g.code, g.first.bloc_name, g.first.bloc_kind)
        await store.blocs.save_bloc(uow.con, bloc)
    if g.by is None:
        await _form(uow, tree, bloc, g)
    else:
        await _join(uow, tree, g.by, g)


async def _form(uow: UnitOfWork, tree: UnitTree, bloc: b.Bloc, g: Group) -> None:
    by = b.form(
        bloc,
        g.year,
        g.members,
        formed_on=g.formed_on,
        scoring_scheme_ref=g.first.scoring_scheme_ref,
        unit_exists_on=tree.valid_on,
        elsewhere=lambda u, d: None,  # checked when planned, against the file's rows too
    )
    if g.head is not None:
        by = b.elect(by, g.head, g.deputy)
    await store.blocs.save_bloc_year(uow.con, by)
    await uow.publish(events.bloc_formed(bloc, by))
    if by.head_unit_id is not None:
        await uow.publish(events.head_elected(by))


async def _join(uow: UnitOfWork, tree: UnitTree, by: b.BlocYear, g: Group) -> None:
    """The new members join on their rows' days (one change per day, in order), then the
    election if it changes the head or deputy."""
    joined: dict[date, list[UUID]] = {}
    for _, r in g.rows:
        u = tree.by_code(r.unit_code)
        if u is not None and u in g.members:
            joined.setdefault(r.joined_on or g.formed_on, []).append(u)
    for day, add in sorted(joined.items()):
        by = b.change_members(
            by,
            add=add,
            remove=[],
            effective_on=day,
            unit_exists_on=tree.valid_on,
            elsewhere=lambda u, d: None,  # checked when planned
        )
        await uow.publish(events.membership_changed(by, add, [], day))
    if g.head is not None and (g.head, g.deputy) != (by.head_unit_id, by.deputy_unit_id):
        by = b.elect(by, g.head, g.deputy)
        await uow.publish(events.head_elected(by))
    await store.blocs.save_bloc_year(uow.con, by)
