from datetime import date
from decimal import Decimal as D

import pytest

from services.progress.domain import (
    HistoryRequired,
    TargetState,
    apply_report,
    close_unit,
    current_report,
    needs_history,
    rebuild,
    revise_target,
)
from services.progress.domain.aggregate import UnitTally, finished_early, unit_completion
from tests.progress.domain.factories import report, target


def run(state, *reports):
    """Apply reports one by one (with the history a correction needs); the achievements."""
    events, seen = [], []
    for r in reports:
        step = apply_report(state, r, seen if needs_history(state, r) else None)
        state = step.state
        seen.append(r)
        events.append(step.achieved)
    return state, events


# Early finish


def test_met_before_deadline_is_early_by_the_days_to_spare():
    t = target(value=100, deadline=date(2020, 12, 31))
    state, [first, second] = run(
        TargetState(t), report(t, 80, date(2020, 9, 30)), report(t, 105, date(2020, 11, 30))
    )
    assert first is None
    assert second.achieved_on == date(2020, 11, 30)
    assert second.early_by_days == 31
    assert second.finished_early and not second.late
    assert second.completion == D("1.05")
    assert state.achievement == second


def test_met_on_the_deadline_is_zero_days_early_and_not_flagged():
    t = target(deadline=date(2020, 12, 31))
    _, [achieved] = run(TargetState(t), report(t, 100, date(2020, 12, 31)))
    assert achieved.early_by_days == 0
    assert not achieved.finished_early and not achieved.late


def test_met_after_the_deadline_is_late_and_not_early():
    t = target(deadline=date(2020, 6, 30))
    _, [achieved] = run(TargetState(t), report(t, 100, date(2020, 7, 15)))
    assert achieved.late
    assert achieved.early_by_days == 0 and not achieved.finished_early


def test_lower_is_better_target_achieved_when_value_drops_to_it():
    t = target(value="5", direction="lower_is_better", deadline=date(2020, 12, 31))
    _, events = run(
        TargetState(t), report(t, "6.2", date(2020, 6, 30)), report(t, "4", date(2020, 9, 30))
    )
    assert events[0] is None
    assert events[1].achieved_on == date(2020, 9, 30) and events[1].completion == D("1.25")


def test_achievement_is_published_once():
    t = target()
    _, events = run(
        TargetState(t), report(t, 100, date(2020, 3, 1)), report(t, 120, date(2020, 4, 1))
    )
    assert events[0] is not None and events[1] is None


def test_unit_finishes_early_only_when_all_its_targets_are_met_early():
    t1, t2 = target("t1"), target("t2")
    s1, _ = run(TargetState(t1), report(t1, 100, date(2020, 10, 1)))
    s2_partial, _ = run(TargetState(t2), report(t2, 50, date(2020, 10, 1)))
    s2_on_deadline, _ = run(TargetState(t2), report(t2, 100, date(2020, 12, 31)))
    s2_early, _ = run(TargetState(t2), report(t2, 100, date(2020, 11, 1)))
    assert not finished_early([s1, s2_partial])
    assert not finished_early([s1, s2_on_deadline])  # on the deadline is not early
    assert finished_early([s1, s2_early])
    assert not finished_early([])  # no targets: nothing finished


# Current value and corrections


def test_current_value_is_latest_by_as_of_not_by_arrival():
    t = target()
    june = report(t, 70, date(2020, 6, 30))
    late_may = report(t, 60, date(2020, 5, 31))  # arrives after June's
    state, _ = run(TargetState(t), june, late_may)
    assert state.current == june
    assert state.completion.capped == D("0.7")


def test_same_day_reports_are_ordered_by_reported_at():
    t = target()
    first = report(t, 50, date(2020, 6, 30))
    second = report(t, 55, date(2020, 6, 30))
    state, _ = run(TargetState(t), first, second)
    assert state.current == second


def test_correction_replaces_current_value_and_keeps_the_original_in_history():
    t = target()
    wrong = report(t, 95, date(2020, 6, 30))
    fixed = report(t, 59, date(2020, 6, 30), supersedes=wrong)
    state, _ = run(TargetState(t), wrong, fixed)
    assert state.current == fixed and state.current.supersedes == wrong.id
    assert current_report([wrong, fixed]) == fixed


def test_correction_that_unmeets_retracts_the_achievement():
    t = target(value=100)
    wrong = report(t, 1000, date(2020, 6, 30))  # a typo: 1000 for 100.0
    fixed = report(t, 90, date(2020, 6, 30), supersedes=wrong)
    state, _ = run(TargetState(t), wrong)
    assert needs_history(state, fixed)
    with pytest.raises(HistoryRequired):
        apply_report(state, fixed)
    step = apply_report(state, fixed, history=[wrong])
    assert step.achieved is None and step.retracted == state.achievement
    assert step.state.achievement is None
    assert not step.state.met_now
    assert step.state.completion.capped == D("0.9")


def test_correction_of_the_achieving_report_moves_it_to_the_next_report_that_stands():
    t = target(value=100)
    june = report(t, 101, date(2020, 6, 30))
    july = report(t, 104, date(2020, 7, 31))
    fixed = report(t, 97, date(2020, 6, 30), supersedes=june)
    state, _ = run(TargetState(t), june, july)
    step = apply_report(state, fixed, history=[june, july])
    assert step.retracted is None
    assert step.achieved.report_id == july.id and step.achieved.achieved_on == date(2020, 7, 31)
    assert step.state.achievement == step.achieved


def test_a_chain_of_corrections_re_judges_each_time():
    t = target(value=100)
    first = report(t, 101, date(2020, 6, 30))
    down = report(t, 90, date(2020, 6, 30), supersedes=first)
    up = report(t, 100, date(2020, 6, 30), supersedes=down)
    again = report(t, 99, date(2020, 6, 30), supersedes=up)
    state, events = run(TargetState(t), first, down, up, again)
    assert [e and e.report_id for e in events] == [first.id, None, up.id, None]
    assert state.achievement is None
    assert rebuild(t, [again, up, down, first]) == state  # arrival order is reported_at's


def test_a_correction_of_another_report_leaves_the_achievement():
    t = target(value=100)
    met = report(t, 101, date(2020, 6, 30))
    later = report(t, 95, date(2020, 7, 31))
    fixed = report(t, 96, date(2020, 7, 31), supersedes=later)
    state, events = run(TargetState(t), met, later, fixed)
    assert events == [state.achievement, None, None] and state.achievement.report_id == met.id


def test_correction_that_meets_achieves_on_its_as_of():
    t = target(value=100)
    wrong = report(t, 90, date(2020, 6, 30))
    fixed = report(t, 101, date(2020, 6, 30), supersedes=wrong)
    _, events = run(TargetState(t), wrong, fixed)
    assert events[0] is None
    assert events[1].report_id == fixed.id and events[1].achieved_on == date(2020, 6, 30)


def test_backdated_meeting_report_achieves_although_not_current():
    t = target(value=100)
    later = report(t, 95, date(2020, 7, 31))
    earlier = report(t, 101, date(2020, 6, 30))  # arrives second, about an earlier day
    state, events = run(TargetState(t), later, earlier)
    assert events[1].achieved_on == date(2020, 6, 30)
    assert state.current == later and not state.met_now


def test_correction_moving_current_back_in_time_needs_the_history():
    t = target()
    march = report(t, 30, date(2020, 3, 31))
    june = report(t, 60, date(2020, 6, 30))
    # June's report was dated wrongly: it described February.
    fixed = report(t, 60, date(2020, 2, 29), supersedes=june)
    state, _ = run(TargetState(t), march, june)
    assert needs_history(state, fixed)
    with pytest.raises(HistoryRequired):
        apply_report(state, fixed)
    state = apply_report(state, fixed, history=[march, june]).state
    assert state.current == march  # March is the latest live report now


def test_plain_reports_never_need_history():
    t = target()
    state, _ = run(TargetState(t), report(t, 30, date(2020, 3, 31)))
    assert not needs_history(state, report(t, 10, date(2020, 1, 31)))
    assert not needs_history(state, report(t, 40, date(2020, 4, 30)))


def test_redelivered_report_changes_nothing():
    t = target()
    r = report(t, 100, date(2020, 3, 31))
    state, _ = run(TargetState(t), r)
    again = apply_report(state, r)
    assert again.state is state and again.achieved is None


def test_report_for_another_target_is_refused():
    with pytest.raises(ValueError, match="another target"):
        apply_report(TargetState(target("t1")), report(target("t2"), 1, date(2020, 1, 2)))


def test_rebuild_from_history_equals_the_live_path():
    t = target(value=100)
    a = report(t, 40, date(2020, 3, 31))
    b = report(t, 80, date(2020, 6, 30))
    c = report(t, 100, date(2020, 2, 29), supersedes=b)
    d = report(t, 70, date(2020, 5, 31))
    live = TargetState(t)
    seen = []
    for r in (a, b, c, d):
        live = apply_report(live, r, seen if needs_history(live, r) else None).state
        seen.append(r)
    rebuilt = rebuild(t, [d, c, b, a])  # storage order does not matter: arrival order is used
    assert rebuilt == live
    assert rebuilt.current == d and rebuilt.achievement.report_id == c.id


# Target revisions


def test_lowered_target_achieves_on_the_current_report():
    t = target(value=100)
    state, _ = run(TargetState(t), report(t, 90, date(2020, 8, 31)))
    lowered = target(value=90, revision=2)
    state, achieved, _ = revise_target(state, lowered)
    assert achieved.achieved_on == date(2020, 8, 31)
    assert state.target.target_value == D(90)


def test_stale_revision_is_ignored():
    t = target(value=100, revision=3)
    state = TargetState(t)
    assert revise_target(state, target(value=1, revision=2)).state is state


def test_raised_target_after_achievement_keeps_it_but_completion_follows_new_terms():
    t = target(value=100)
    state, _ = run(TargetState(t), report(t, 100, date(2020, 8, 31)))
    state, achieved, _ = revise_target(state, target(value=200, revision=2))
    assert achieved is None and state.achievement is not None
    assert state.completion.capped == D("0.5")


# Unit figures, incremental and recomputed


def test_unit_completion_weights_targets_and_counts_unreported_as_zero():
    heavy, light, silent = target("h", weight=3), target("l", weight=1), target("s", weight=1)
    states = [
        run(TargetState(heavy), report(heavy, 100, date(2020, 5, 1)))[0],
        run(TargetState(light), report(light, 50, date(2020, 5, 1)))[0],
        TargetState(silent),
    ]
    assert unit_completion(states).capped == D("0.7")  # (3·1 + 1·0.5 + 1·0) / 5


def test_tally_shifted_per_report_equals_recomputation():
    targets = [target(f"t{i}", value=100, weight=i % 3) for i in range(6)]
    states = {t.id: TargetState(t) for t in targets}
    tally = UnitTally()
    for s in states.values():
        tally = tally.shift(None, s)
    values = [37, 120, 64, 99, 100, 13, 88, 101, 42, 7, 150, 100]
    for i, v in enumerate(values):
        t = targets[i % len(targets)]
        before = states[t.id]
        after = apply_report(before, report(t, v, date(2020, 1 + i, 1))).state
        states[t.id] = after
        tally = tally.shift(before, after)
    assert tally.completion == unit_completion(states.values())
    assert tally.achieved == sum(s.achievement is not None for s in states.values())
    assert tally.targets == len(targets) and tally.weight == sum(t.weight for t in targets)
    assert tally.finished_early == finished_early(states.values())


CLOSED = date(2020, 7, 1)


def test_a_closure_retracts_an_achievement_resting_only_on_reports_dated_after_it():
    t = target(value=100)
    june = report(t, 60, date(2020, 6, 30))
    august = report(t, 100, date(2020, 8, 15))
    state, _ = run(TargetState(t), june, august)
    step, aside = close_unit(state, [june, august], CLOSED)
    assert aside == [august]
    assert step.retracted == state.achievement and step.achieved is None
    assert step.state == TargetState(t, june, None, june)


def test_a_closure_moves_the_achievement_to_the_first_standing_report_that_meets():
    t = target(value=100)
    august = report(t, 100, date(2020, 8, 15))
    late_entry = report(t, 100, date(2020, 6, 20))  # entered later, about June
    state, _ = run(TargetState(t), august, late_entry)
    assert state.achievement.report_id == august.id
    step, _ = close_unit(state, [august, late_entry], CLOSED)
    assert step.retracted is None and step.achieved.report_id == late_entry.id
    assert step.state.achievement.achieved_on == date(2020, 6, 20)


def test_a_closure_brings_back_the_report_a_correction_after_it_superseded():
    t = target(value=100)
    june = report(t, 100, date(2020, 6, 30))
    fix = report(t, 90, date(2020, 8, 1), supersedes=june)  # a correction dated after
    state, _ = run(TargetState(t), june, fix)
    assert state.achievement is None
    step, aside = close_unit(state, [june, fix], CLOSED)
    assert aside == [fix] and step.achieved.report_id == june.id
    assert step.state.current == june


def test_a_closure_after_every_report_changes_nothing():
    t = target(value=100)
    june = report(t, 100, date(2020, 6, 30))
    state, _ = run(TargetState(t), june)
    step, aside = close_unit(state, [june], CLOSED)
    assert aside == [] and step.state is state and step.achieved is step.retracted is None
