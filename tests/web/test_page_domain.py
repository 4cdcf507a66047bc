"""The pure parts behind the bloc, tree and export pages (services/web/domain/): no stack."""

from __future__ import annotations

from services.web.domain import exports, standings, tree


def test_the_vote_form_reads_whole_numbers_and_names_the_rest():
    counts, bad = standings.read_votes(
        {"csrf": "x", "phieu-a": "12", "phieu-b": " 1.005 ", "phieu-c": "", "phieu-d": "năm"}
    )
    assert counts == {"a": 12, "b": 1005}
    assert bad == ["d"]


def test_the_standings_explained_name_the_criteria_and_the_first_place():
    s = {
        "scheme": {"criteria": [{"name": "completion", "weight": 1, "max_points": 70}],
                   "max_bonus": 5, "score_places": 2},
        "ranking": [
            {"rank": 1, "unit_id": "a", "name": "Xã A", "code": "A"},
            {"rank": 1, "unit_id": "b", "name": "Xã B", "code": "B"},
            {"rank": 3, "unit_id": "c", "name": "Xã C", "code": "C"},
        ],
        "votes": {"b": 4},
        "adjustments": [{"unit_id": "c", "kind": "bonus", "points": 2, "reason": "x"}],
    }  # fmt: skip
    x = standings.explain(s)
    assert [(r.name, r.max_points) for r in x.rules] == [("Mức hoàn thành chỉ tiêu", 70.0)]
    assert x.max_bonus == 5 and x.max_penalty is None
    assert x.first == [
        {"unit_id": "a", "name": "Xã A", "votes": None},
        {"unit_id": "b", "name": "Xã B", "votes": 4},
    ]
    assert x.adjustments[0]["unit_name"] == "Xã C"


def test_the_tree_flattens_depth_first_and_tells_what_appeared_and_went():
    node = {"unit_id": "p", "code": "P", "name": "Tỉnh", "kind": "provincial_committee"}
    a = {"unit_id": "a", "code": "A", "name": "Xã A", "kind": "commune"}
    c = {"unit_id": "c", "code": "C", "name": "Xã C", "kind": "commune"}
    before = list(tree.rows([{**node, "children": [a]}]))
    after = list(tree.rows([{**node, "children": [c]}]))
    assert [(r.name, r.depth, r.kind) for r in after] == [
        ("Tỉnh", 0, "UBND tỉnh"),
        ("Xã C", 1, "Xã, phường"),
    ]
    added, gone = tree.changes(before, after)
    assert [r.unit_id for r in added] == ["c"] and [r.unit_id for r in gone] == ["a"]


def test_the_csv_is_what_vietnamese_excel_reads():
    body = exports.csv_bytes(["Tên", "Số", "Có?"], [["Sở Tài chính", 5250.5, True]])
    assert body.startswith("\ufeff".encode())
    assert body.decode("utf-8-sig") == "Tên;Số;Có?\r\nSở Tài chính;5.250,5;Có\r\n"
