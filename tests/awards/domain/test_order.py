"""The procedure's acts in order: screening ≤ notice start; notice end < session; vote within
the session's days; decision on or after the vote closed."""

from __future__ import annotations

from datetime import date

from services.awards.domain import order

D = date


def test_notice_starts_on_or_after_screening():
    assert order.notice_after_screening(D(2021, 1, 4), D(2021, 1, 4)) is None
    bad = order.notice_after_screening(D(2021, 1, 5), D(2021, 1, 4))
    assert bad is not None
    assert "04/01/2021" in bad.detail and "05/01/2021" in bad.detail
    assert bad.dates() == {"notice_start": "2021-01-04", "screening": "2021-01-05"}


def test_session_after_the_notice_ran():
    assert order.session_after_notice(D(2021, 1, 15), D(2021, 1, 18)) is None
    assert order.session_after_notice(D(2021, 1, 15), D(2021, 1, 15)) is not None
    bad = order.session_after_notice(D(2021, 1, 15), D(2020, 9, 1))
    assert bad is not None and "01/09/2020" in bad.detail and "15/01/2021" in bad.detail


def test_votes_within_the_sessions_days():
    held, ends = D(2021, 1, 20), D(2021, 1, 21)
    assert order.within_session("ballot", held, held, None) is None
    assert order.within_session("ballot", ends, held, ends) is None
    late = order.within_session("ballot", D(2021, 1, 22), held, ends)
    assert late is not None and late.earlier_on == ends
    assert "22/01/2021" in late.detail and "20/01/2021" in late.detail
    early = order.within_session("vote_opened", D(2021, 1, 19), held, None)
    assert early is not None and early.earlier_on == held
    assert order.closed_after_opened(D(2021, 1, 21), D(2021, 1, 20)) is not None


def test_decision_on_or_after_the_vote():
    assert order.signed_after_vote(D(2021, 1, 20), D(2021, 1, 20)) is None
    bad = order.signed_after_vote(D(2021, 1, 19), D(2021, 1, 20))
    assert bad is not None and "19/01/2021" in bad.detail and "20/01/2021" in bad.detail
