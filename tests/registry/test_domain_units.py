"""The unit tree over time: as-of queries, changes, closures, merges, splits, and the rules."""

from __future__ import annotations

from datetime import date
from uuid import UUID, uuid4

import pytest

from servicekit.errors import Conflict, Invalid, NotFound
from services.registry.domain import units as u

D = date


def spec(code, name, kind, level, parent=None, start=D(2000, 1, 1), end=None):
    return u.UnitSpec(code, name, kind, level, parent, start, end)


class Province:
    """Cà Mau before the 2025 reform: province → district → commune, and a department."""

    def __init__(self) -> None:
        self.tree = t = u.UnitTree()
        self.cm, self.bl, self.so, self.dd, self.tt, self.hb = (uuid4() for _ in range(6))
        t.register(self.cm, spec("CM", "UBND tỉnh Cà Mau", "provincial_committee", "province"))
        t.register(self.bl, spec("BL", "UBND tỉnh Bạc Liêu", "provincial_committee", "province"))
        t.register(self.so, spec("STC", "Sở Tài chính", "department", "province", self.cm))
        t.register(self.dd, spec("DD", "UBND huyện Đầm Dơi", "district", "district", self.cm))
        t.register(self.tt, spec("TT", "UBND xã Tân Thuận", "commune", "commune", self.dd))
        t.register(self.hb, spec("HB", "UBND huyện Hòa Bình", "district", "district", self.bl))
        t.log.clear()


def names(nodes: list[u.Node]) -> list:
    return [(n.version.code, names(n.children)) for n in nodes]


def test_as_of_returns_the_tree_as_it_was():
    p = Province()
    t = p.tree
    t.change(p.so, D(2022, 3, 1), name="Sở Tài chính tỉnh Cà Mau")
    assert t.as_of(p.so, D(2022, 2, 28)).name == "Sở Tài chính"
    assert t.as_of(p.so, D(2022, 3, 1)).name == "Sở Tài chính tỉnh Cà Mau"
    assert t.as_of(p.so, D(1999, 12, 31)) is None
    assert [v.valid_to for v in t.versions(p.so)] == [D(2022, 3, 1), None]
    assert names(t.tree(D(2024, 1, 1))) == [
        ("BL", [("HB", [])]),
        ("CM", [("STC", []), ("DD", [("TT", [])])]),
    ]


def test_change_in_the_middle_of_history_splits_only_that_version():
    p = Province()
    t = p.tree
    t.change(p.so, D(2020, 1, 1), name="B")
    t.change(p.so, D(2010, 1, 1), name="A")
    assert [(v.name, v.valid_from, v.valid_to) for v in t.versions(p.so)] == [
        ("Sở Tài chính", D(2000, 1, 1), D(2010, 1, 1)),
        ("A", D(2010, 1, 1), D(2020, 1, 1)),
        ("B", D(2020, 1, 1), None),
    ]
    assert t.change(p.so, D(2021, 1, 1), name="B") is None  # nothing changes


def test_the_2025_reform_districts_abolished_provinces_merged_history_kept():
    p = Province()
    t = p.tree
    reform = D(2025, 7, 1)
    new = uuid4()
    t.register(
        new, spec("CM2", "UBND tỉnh Cà Mau (mới)", "provincial_committee", "province", start=reform)
    )
    t.close(p.dd, reform, reason="districts abolished", move_children_to=p.cm)
    t.close(p.hb, reform, reason="districts abolished", move_children_to=p.bl)
    t.merge([p.cm, p.bl], new, reform)
    before, after = D(2025, 6, 30), reform
    assert names(t.tree(before)) == [
        ("BL", [("HB", [])]),
        ("CM", [("STC", []), ("DD", [("TT", [])])]),
    ]
    assert names(t.tree(after)) == [("CM2", [("STC", []), ("TT", [])])]
    # the commune's history: under the district, then the new province (the old one lasted 0 days)
    assert [(v.parent_id, v.valid_from, v.valid_to) for v in t.versions(p.tt)] == [
        (p.dd, D(2000, 1, 1), reform),
        (new, reform, None),
    ]
    assert t.closures[p.cm].kind == "merged" and t.closures[p.cm].successor_ids == (new,)
    assert t.predecessors_of(new) == [p.cm, p.bl]
    facts = [type(f).__name__ for f in t.log]
    assert facts[0] == "Registered" and facts[-1] == "Merged"
    assert facts.count("Closed") == 4


def test_closing_a_unit_with_children_needs_them_moved():
    p = Province()
    with pytest.raises(Conflict) as e:
        p.tree.close(p.dd, D(2025, 7, 1))
    assert e.value.code == "has_children" and "TT" in e.value.detail
    assert p.tree.span(p.dd) == (D(2000, 1, 1), None)  # unchanged
    p.tree.close(p.tt, D(2025, 7, 1))
    p.tree.close(p.dd, D(2025, 7, 1))
    with pytest.raises(Conflict):
        p.tree.close(p.dd, D(2026, 1, 1))


def test_cycles_are_refused_on_any_day():
    p = Province()
    t = p.tree
    with pytest.raises(Invalid) as e:
        t.change(p.dd, D(2010, 1, 1), parent_id=p.tt, level="commune")
    assert any(v.code == "cycle" for v in e.value.violations)
    with pytest.raises(Invalid) as e:
        t.change(p.cm, D(2010, 1, 1), parent_id=p.cm)
    assert e.value.violations[0].code == "cycle"
    # a later move that would only make a cycle in the past is caught too
    t.change(p.tt, D(2015, 1, 1), parent_id=p.cm)
    with pytest.raises(Invalid) as e:
        t.change(p.dd, D(2012, 1, 1), parent_id=p.tt, level="commune")
    assert any(v.code == "cycle" for v in e.value.violations)
    assert t.as_of(p.dd, D(2013, 1, 1)).parent_id == p.cm  # nothing kept


def test_parent_must_exist_over_the_whole_range_and_levels_must_nest():
    p = Province()
    t = p.tree
    late = uuid4()
    t.register(late, spec("LATE", "Ban mới", "department", "province", start=D(2020, 1, 1)))
    with pytest.raises(Invalid) as e:
        t.register(uuid4(), spec("X", "X", "department", "province", late, D(2019, 1, 1)))
    assert e.value.violations[0].code == "parent_not_valid"
    assert e.value.violations[0].field == "#/parent_id"
    with pytest.raises(Invalid) as e:
        t.register(uuid4(), spec("Y", "Y", "district", "district", p.tt))
    assert e.value.violations[0].code == "level_order"
    with pytest.raises(Invalid) as e:
        t.register(uuid4(), spec("Z", "Z", "department", "province", uuid4()))
    assert e.value.violations[0].code == "unknown_unit"
    with pytest.raises(Invalid):
        t.register(
            uuid4(), spec("W", "W", "department", "province", None, D(2020, 1, 1), D(2019, 1, 1))
        )
    assert t.by_code("X") is None and t.by_code("Y") is None


def test_codes_are_unique_and_changes_respect_validity():
    p = Province()
    with pytest.raises(Conflict):
        p.tree.register(uuid4(), spec("CM", "dup", "department", "province"))
    with pytest.raises(Invalid) as e:
        p.tree.change(p.so, D(1990, 1, 1), name="early")
    assert e.value.violations[0].field == "#/effective_from"
    with pytest.raises(NotFound):
        p.tree.change(uuid4(), D(2020, 1, 1), name="x")


def test_merge_rules():
    p = Province()
    t = p.tree
    with pytest.raises(Invalid):
        t.merge([p.cm], p.cm, D(2025, 1, 1))
    with pytest.raises(Invalid) as e:
        t.merge([p.cm], p.tt, D(2025, 1, 1))  # the successor lies under a merged unit
    assert e.value.violations[0].code == "cycle"
    t.merge([p.hb], p.dd, D(2024, 1, 1))  # a district absorbs another
    assert t.span(p.hb) == (D(2000, 1, 1), D(2024, 1, 1))
    with pytest.raises(Conflict):
        t.merge([p.hb], p.dd, D(2025, 1, 1))  # already closed


def test_split_distributes_children():
    p = Province()
    t = p.tree
    a, b = uuid4(), uuid4()
    day = D(2015, 1, 1)
    with pytest.raises(Invalid) as e:
        t.split(p.dd, day, [(a, spec("DD-A", "A", "district", "district", p.cm, day))], {})
    assert "TT" in e.value.detail
    assert t.by_code("DD-A") is None
    t.split(
        p.dd,
        day,
        [
            (a, spec("DD-A", "A", "district", "district", p.cm, day)),
            (b, spec("DD-B", "B", "district", "district", p.cm, day)),
        ],
        {p.tt: b},
    )
    assert t.as_of(p.tt, day).parent_id == b
    assert t.closures[p.dd].kind == "split" and set(t.closures[p.dd].successor_ids) == {a, b}


def test_failed_command_leaves_no_trace():
    p = Province()
    t = p.tree
    with pytest.raises(Invalid):
        t.change(p.dd, D(2010, 1, 1), parent_id=p.tt, level="commune")
    assert not t.log and len(t.versions(p.dd)) == 1


def test_ancestors_and_children():
    p = Province()
    assert p.tree.ancestors(p.tt, D(2020, 1, 1)) == [p.dd, p.cm]
    assert p.tree.children_after(p.cm, D(2020, 1, 1)) == sorted([p.so, p.dd], key=p.tree.code)
    assert isinstance(p.tree.latest(p.tt).unit_id, UUID)


def test_kinds_with_a_fixed_level():
    p = Province()
    with pytest.raises(Invalid) as e:
        p.tree.register(uuid4(), spec("Q", "Huyện Q", "district", "province", p.cm))
    assert e.value.violations[0].code == "kind_level"
    with pytest.raises(Invalid):
        p.tree.change(p.dd, D(2020, 1, 1), kind="commune")
