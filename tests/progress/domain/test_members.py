"""Who a bloc's year ranks when units merge during it (domain.members)."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

from services.progress.domain import Membership, plan_rows

JAN, JUL = date(2025, 1, 1), date(2025, 7, 1)


def test_carry_over_follows_mergers_to_a_member_and_dates_the_parts():
    a, b, n, c = (uuid4() for _ in range(4))
    dated = [
        Membership(a, JAN, JUL),
        Membership(b, JAN, JUL),
        Membership(c, JAN),
        Membership(n, JUL),
    ]
    plan = plan_rows(dated, {a: n, b: n})
    assert {r.unit_id for r in plan.rows} == {n, c}
    (row,) = [r for r in plan.rows if r.unit_id == n]
    assert {p.unit_id for p in row.merged} == {a, b}
    assert plan.row_of[a] == n and plan.row_of[c] == c
    part = row.merged[0]
    assert part.counts(date(2025, 6, 30)) and not part.counts(JUL)
    assert (part.member_from, part.member_until) == (JAN, JUL)


def test_separate_or_a_successor_outside_the_bloc_ranks_each_on_its_own():
    a, n, outside = uuid4(), uuid4(), uuid4()
    dated = [Membership(a, JAN, JUL), Membership(n, JUL)]
    assert len(plan_rows(dated, {a: n}, "separate").rows) == 2
    assert len(plan_rows(dated, {a: outside}).rows) == 2
    # a chain a → outside → n still reaches the member
    assert len(plan_rows(dated, {a: outside, outside: n}).rows) == 1


def test_a_unit_closed_while_a_member_keeps_its_year_s_later_targets():
    a, n, moved = uuid4(), uuid4(), uuid4()
    dated = [Membership(a, JAN, JUL), Membership(moved, JAN, JUL), Membership(n, JUL)]
    plan = plan_rows(dated, {a: n}, "separate", {a: JUL})
    parts = {r.unit_id: r.own for r in plan.rows}
    assert parts[a].counts(date(2025, 12, 31))  # merged away: its year's target still counts
    assert not parts[moved].counts(date(2025, 12, 31))  # left for another bloc: not here
