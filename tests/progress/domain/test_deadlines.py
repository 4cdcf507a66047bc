from datetime import date, timedelta

import pytest

from services.progress.domain import due_notices
from tests.progress.domain.factories import report, target

DEADLINE = date(2020, 12, 31)


def kinds(today, targets=None, reports=(), lead_days=7, sent=frozenset()):
    targets = targets or [target(deadline=DEADLINE)]
    return [(n.kind, n.days) for n in due_notices(targets, reports, today, lead_days, sent)]


def test_nothing_before_the_lead_time():
    assert kinds(DEADLINE - timedelta(days=8)) == []


def test_due_soon_from_the_lead_time_through_the_deadline():
    assert kinds(DEADLINE - timedelta(days=7)) == [("due_soon", 7)]
    assert kinds(DEADLINE) == [("due_soon", 0)]


def test_overdue_from_the_day_after_the_deadline():
    assert kinds(DEADLINE + timedelta(days=1)) == [("overdue", 1)]
    assert kinds(DEADLINE + timedelta(days=10)) == [("overdue", 10)]


def test_lead_days_is_configurable():
    assert kinds(DEADLINE - timedelta(days=10), lead_days=14) == [("due_soon", 10)]
    assert kinds(DEADLINE - timedelta(days=1), lead_days=0) == []
    with pytest.raises(ValueError):
        kinds(DEADLINE, lead_days=-1)


def test_reported_targets_get_no_notice():
    t = target(deadline=DEADLINE)
    r = report(t, 1, date(2020, 6, 30))
    assert kinds(DEADLINE + timedelta(days=3), [t], [r]) == []
    assert kinds(DEADLINE + timedelta(days=3), [t], {t.id}) == []  # or just the target ids


def test_each_notice_is_sent_once_per_target_and_period():
    t = target(deadline=DEADLINE)
    sent: set = set()
    days = [DEADLINE - timedelta(days=d) for d in range(9, -5, -1)]  # the scheduler runs daily
    seen = []
    for today in days:
        for n in due_notices([t], [], today, 7, sent):
            seen.append((today, n.kind, n.period))
            sent.add(n.key)
    assert seen == [
        (DEADLINE - timedelta(days=7), "due_soon", "2020-12-31"),
        (DEADLINE + timedelta(days=1), "overdue", "2020-12-31"),
    ]


def test_a_revised_deadline_is_a_new_period():
    t = target(deadline=DEADLINE)
    sent = {n.key for n in due_notices([t], [], DEADLINE + timedelta(days=1), 7)}
    moved = target(deadline=date(2021, 1, 15), revision=2)
    [n] = due_notices([moved], [], date(2021, 1, 10), 7, sent)
    assert (n.kind, n.period, n.days) == ("due_soon", "2021-01-15", 5)


def test_notices_are_ordered_by_deadline():
    early, late = target("e", deadline=date(2020, 6, 30)), target("l", deadline=date(2020, 6, 1))
    result = due_notices([early, late], [], date(2020, 7, 2), 7)
    assert [n.target for n in result] == [late, early]
