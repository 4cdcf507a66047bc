from decimal import Decimal as D

import pytest
from pydantic import ValidationError

from services.progress.domain import (
    Adjustment,
    ScoringScheme,
    UnitStats,
    check_adjustment,
    determine_leader,
    ranking_changes,
    score_unit,
    standings,
)
from tests.progress.domain.factories import uid

SCHEME = ScoringScheme(
    ref="KHOI-KT-2020",
    criteria=[
        {"name": "completion", "weight": 1, "max_points": 60},
        {"name": "early_finish", "weight": 1, "max_points": 20},
        {"name": "timeliness", "weight": 1, "max_points": 20},
    ],
    max_bonus=5,
    max_penalty=10,
)


def unit(name, completion="1", early="0", timely="1", code=None):
    return UnitStats(uid(name), name, code or name, D(completion), D(early), D(timely))


# The scheme is validated data


def test_scheme_parses_from_plain_data():
    assert SCHEME.max_score == D(100)
    assert [c.name for c in SCHEME.criteria] == ["completion", "early_finish", "timeliness"]


@pytest.mark.parametrize(
    ("criteria", "message"),
    [
        ([{"name": "luck", "weight": 1, "max_points": 10}], "completion"),
        ([{"name": "completion", "weight": -1, "max_points": 10}], "greater than or equal"),
        ([{"name": "completion", "weight": 0, "max_points": 10}], "sum to more than 0"),
        ([{"name": "completion", "weight": 1, "max_points": 0}], "greater than 0"),
        (
            [
                {"name": "completion", "weight": 1, "max_points": 10},
                {"name": "completion", "weight": 1, "max_points": 10},
            ],
            "twice",
        ),
        ([], "at least 1"),
    ],
)
def test_bad_schemes_are_refused(criteria, message):
    with pytest.raises(ValidationError, match=message):
        ScoringScheme(ref="X", criteria=criteria)


def test_unit_stats_are_shares():
    with pytest.raises(ValueError, match="completion"):
        UnitStats(uid("u"), "u", completion=D("1.2"))


# Scores


def test_score_is_value_times_max_points_times_weight():
    scheme = ScoringScheme(
        ref="W",
        criteria=[
            {"name": "completion", "weight": 2, "max_points": 50},
            {"name": "timeliness", "weight": 0, "max_points": 50},
        ],
    )
    b = score_unit(scheme, unit("a", completion="0.75", timely="1"))
    assert [p.points for p in b.criteria] == [D(75), D(0)]  # 0.75·50·2, and weight 0 counts nil
    assert b.total == D(75)


def test_bonus_and_penalty_adjust_the_score_within_the_schemes_caps():
    a = unit("a", completion="0.9")  # 54 + 0 + 20 = 74
    other = uid("someone else")
    adjustments = [
        Adjustment(a.unit_id, "bonus", D(3), "Sáng kiến cấp tỉnh"),
        Adjustment(a.unit_id, "bonus", D(4), "Đăng cai hội nghị"),  # 7 asked, 5 allowed
        Adjustment(a.unit_id, "penalty", D("2.5"), "Nộp báo cáo trễ"),
        Adjustment(other, "penalty", D(10), "not this unit"),
    ]
    b = score_unit(SCHEME, a, adjustments)
    assert (b.bonus, b.penalty) == (D(5), D("2.5"))
    assert b.total == D("76.50")


def test_check_adjustment_enforces_reason_positive_points_and_cap():
    u = uid("a")
    ok = Adjustment(u, "bonus", D(2), "Khen thưởng đột xuất")
    assert check_adjustment(SCHEME, ok) == []
    assert [p.code for p in check_adjustment(SCHEME, Adjustment(u, "bonus", D(0), " "))] == [
        "not_positive",
        "missing",
    ]
    [p] = check_adjustment(SCHEME, Adjustment(u, "bonus", D(4), "thêm"), earlier=[ok])
    assert (p.field, p.code) == ("points", "over_cap")


# Ranking


def test_competition_ranking_with_ties_in_vietnamese_name_order():
    units = [
        unit("Sở Y tế", completion="0.5"),
        unit("Sở Tài chính", completion="0.9"),
        unit("Đài Phát thanh", completion="0.9"),
        unit("Sở Du lịch", completion="0.9"),
        unit("Ban Dân tộc", completion="0.95"),
    ]
    ranking = standings(SCHEME, units)
    assert [(s.rank, s.name) for s in ranking] == [
        (1, "Ban Dân tộc"),
        (2, "Đài Phát thanh"),  # Đ after D: Vietnamese order, not code points
        (2, "Sở Du lịch"),
        (2, "Sở Tài chính"),
        (5, "Sở Y tế"),
    ]


def test_ranking_does_not_depend_on_input_order():
    units = [unit(n, completion=c) for n, c in [("b", "0.5"), ("a", "0.5"), ("c", "0.7")]]
    assert standings(SCHEME, units) == standings(SCHEME, list(reversed(units)))


def test_adjustments_can_change_the_ranking():
    a, b = unit("a", completion="0.9"), unit("b", completion="0.9")
    ranking = standings(SCHEME, [a, b], [Adjustment(b.unit_id, "bonus", D(1), "Thành tích")])
    assert [(s.rank, s.name, s.score) for s in ranking] == [(1, "b", D(75)), (2, "a", D(74))]


def test_scores_equal_at_printed_precision_are_tied():
    a = unit("a", completion="0.900001")  # 54.00006 → 74.00
    b = unit("b", completion="0.9")
    assert [s.rank for s in standings(SCHEME, [a, b])] == [1, 1]


def test_a_unit_listed_twice_is_an_error():
    with pytest.raises(ValueError, match="twice"):
        standings(SCHEME, [unit("a"), unit("a")])


def test_ranking_changes_report_moves_joins_and_leaves_only():
    a, b, c, d = (unit(n, completion="0.5") for n in "abcd")
    old = standings(SCHEME, [a, b, c])
    raised_a = unit("a", completion="0.6")
    new = standings(SCHEME, [raised_a, b, d])
    changes = {ch.unit_id: (ch.old_rank, ch.new_rank) for ch in ranking_changes(old, new)}
    assert changes == {d.unit_id: (None, 2), b.unit_id: (1, 2), c.unit_id: (1, None)}
    # a was 1st (tied) and is 1st alone: the rank did not move, so a is not listed


def test_no_changes_when_recomputed_from_the_same_inputs():
    units = [unit("a", completion="0.3"), unit("b", completion="0.4")]
    assert ranking_changes(standings(SCHEME, units), standings(SCHEME, units)) == []


def test_score_change_without_rank_change_is_not_a_ranking_change():
    old = standings(SCHEME, [unit("a", completion="0.9"), unit("b", completion="0.1")])
    new = standings(SCHEME, [unit("a", completion="0.95"), unit("b", completion="0.1")])
    assert ranking_changes(old, new) == []


# The bloc's leader


def test_leader_by_score_alone():
    ranking = standings(SCHEME, [unit("a", completion="0.8"), unit("b", completion="0.9")])
    decision = determine_leader(ranking, {uid("a"): 7})
    assert decision.leader_unit_id == uid("b")
    assert not decision.by_vote and decision.score == D(74)


def test_tie_on_score_broken_by_the_members_vote():
    ranking = standings(SCHEME, [unit("a"), unit("b"), unit("c", completion="0.1")])
    votes = {uid("a"): 3, uid("b"): 5, uid("c"): 9}  # c is not in the tie: its votes do not count
    decision = determine_leader(ranking, votes)
    assert decision.leader_unit_id == uid("b") and decision.by_vote
    assert set(decision.tied) == {uid("a"), uid("b")}


def test_undetermined_when_tied_and_no_vote():
    decision = determine_leader(standings(SCHEME, [unit("a"), unit("b")]), {})
    assert decision.leader_unit_id is None and not decision.determined
    assert "no vote" in decision.reason


def test_undetermined_when_the_vote_ties_too():
    ranking = standings(SCHEME, [unit("a"), unit("b")])
    decision = determine_leader(ranking, {uid("a"): 4, uid("b"): 4})
    assert decision.leader_unit_id is None and "on votes" in decision.reason


def test_no_leader_without_members_and_no_negative_votes():
    assert determine_leader([], {}).reason == "no unit was scored"
    with pytest.raises(ValueError):
        determine_leader(standings(SCHEME, [unit("a")]), {uid("a"): -1})
