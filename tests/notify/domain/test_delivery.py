"""The delivery state machine: backoff with full jitter, parking, redelivery, suspension."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from services.notify.domain.delivery import (
    Delivery,
    DeliveryPolicy,
    Health,
    InvalidTransition,
    Outcome,
    Status,
    after_subscriber_attempt,
    backoff,
    begin_attempt,
    end_attempt,
    is_due,
    redeliver,
    resume,
)

NOW = datetime(2020, 12, 1, 2, 15, tzinfo=UTC)
OK = Outcome(200, None, 0.05)
FAIL = Outcome(503, "HTTP 503 Service Unavailable", 0.05)
POLICY = DeliveryPolicy()


def attempt(d: Delivery, outcome: Outcome, now, policy, rand=random.random) -> Delivery:
    """One whole attempt: begun, then ended."""
    return end_attempt(begin_attempt(d), outcome, now, policy, rand)


def test_defaults():
    assert (
        POLICY.max_attempts,
        POLICY.backoff_base_s,
        POLICY.backoff_cap_s,
        POLICY.timeout_s,
        POLICY.concurrency_per_subscriber,
        POLICY.suspend_after_failures,
    ) == (8, 1.0, 600.0, 10.0, 4, 20)


@pytest.mark.parametrize(
    "bad",
    [
        {"max_attempts": 0},
        {"backoff_base_s": 0},
        {"timeout_s": -1},
        {"backoff_base_s": 10, "backoff_cap_s": 5},
        {"suspend_after_failures": 0},
    ],
)
def test_nonsense_policies_are_refused(bad):
    with pytest.raises(ValueError):
        DeliveryPolicy(**bad)


def test_backoff_ceiling_doubles_up_to_the_cap():
    always_top = lambda: 1.0  # noqa: E731 - the top of the jitter range
    got = [backoff(n, POLICY, always_top) for n in range(1, 13)]
    assert got == [1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 600, 600]
    assert backoff(10_000, POLICY, always_top) == 600  # no overflow far out


def test_backoff_full_jitter_stays_within_bounds_and_spreads():
    rng = random.Random(20200519)
    for attempt in range(1, 15):
        ceiling = min(600.0, 2.0 ** (attempt - 1))
        draws = [backoff(attempt, POLICY, rng.random) for _ in range(300)]
        assert all(0 <= d <= ceiling for d in draws)
        if attempt >= 4:
            # Spread over the whole range, not bunched at the top (that would be no jitter).
            assert min(draws) < 0.1 * ceiling and max(draws) > 0.9 * ceiling


def test_backoff_is_reproducible_with_a_seed():
    a = [backoff(5, POLICY, random.Random(7).random) for _ in range(3)]
    b = [backoff(5, POLICY, random.Random(7).random) for _ in range(3)]
    assert a == b


def test_success_delivers():
    d = attempt(Delivery.new(NOW), OK, NOW, POLICY)
    assert d.status is Status.DELIVERED and d.attempts == 1 and d.next_attempt_at is None
    assert d.last_status == 200 and d.last_error is None


def test_failure_schedules_a_retry_after_the_jittered_backoff():
    d = attempt(Delivery.new(NOW), FAIL, NOW, POLICY, rand=lambda: 0.5)
    assert d.status is Status.PENDING
    assert d.next_attempt_at == NOW + timedelta(seconds=0.5)  # 0.5 × 1 s
    d = attempt(d, FAIL, NOW, POLICY, rand=lambda: 0.5)
    assert d.next_attempt_at == NOW + timedelta(seconds=1)  # 0.5 × 2 s
    assert d.attempts == 2 and d.last_error == "HTTP 503 Service Unavailable"


def test_retry_after_raises_the_delay_but_not_past_the_cap():
    asked = Outcome(429, "HTTP 429", 0.01, retry_after=120)
    d = attempt(Delivery.new(NOW), asked, NOW, POLICY, rand=lambda: 0.0)
    assert d.next_attempt_at == NOW + timedelta(seconds=120)
    greedy = Outcome(503, "HTTP 503", 0.01, retry_after=86_400)
    d = attempt(Delivery.new(NOW), greedy, NOW, POLICY, rand=lambda: 0.0)
    assert d.next_attempt_at == NOW + timedelta(seconds=600)


def test_parked_after_max_attempts():
    policy = DeliveryPolicy(max_attempts=3)
    d = Delivery.new(NOW)
    for _ in range(2):
        d = attempt(d, FAIL, NOW, policy, rand=lambda: 0.0)
        assert d.status is Status.PENDING
    d = attempt(d, FAIL, NOW, policy, rand=lambda: 0.0)
    assert d.status is Status.PARKED and d.attempts == 3 and d.next_attempt_at is None
    with pytest.raises(InvalidTransition):
        attempt(d, OK, NOW, policy)


def test_default_policy_parks_on_the_eighth_failure():
    d = Delivery.new(NOW)
    statuses = []
    for _ in range(8):
        d = attempt(d, FAIL, NOW, POLICY, rand=lambda: 0.0)
        statuses.append(d.status)
    assert statuses == [Status.PENDING] * 7 + [Status.PARKED]


def test_a_final_failure_parks_at_once():
    gone = Outcome(550, "SMTP 550 (recipient refused)", 0.01, retryable=False)
    d = attempt(Delivery.new(NOW), gone, NOW, POLICY)
    assert d.status is Status.PARKED and d.attempts == 1


def test_redelivery_gives_a_fresh_round_and_keeps_the_count():
    policy = DeliveryPolicy(max_attempts=2)
    d = Delivery.new(NOW)
    d = attempt(attempt(d, FAIL, NOW, policy), FAIL, NOW, policy)
    assert d.status is Status.PARKED
    later = NOW + timedelta(hours=3)
    d = redeliver(d, later)
    assert d.status is Status.PENDING and d.next_attempt_at == later
    assert d.attempts == 2 and d.round_attempts == 0
    d = attempt(d, FAIL, later, policy)
    assert d.status is Status.PENDING  # the new round has attempts left
    d = attempt(d, OK, later, policy)
    assert d.status is Status.DELIVERED and d.attempts == 4
    assert redeliver(d, later).status is Status.PENDING  # a receiver that lost it may ask
    with pytest.raises(InvalidTransition):
        redeliver(Delivery.new(NOW), NOW)


def test_subscriber_is_suspended_after_consecutive_failures_only():
    policy = DeliveryPolicy(suspend_after_failures=3)
    h = Health()
    h = after_subscriber_attempt(h, FAIL, NOW, policy)
    h = after_subscriber_attempt(h, FAIL, NOW, policy)
    h = after_subscriber_attempt(h, OK, NOW, policy)  # a success breaks the run
    assert h == Health()
    for i in range(3):
        h = after_subscriber_attempt(h, FAIL, NOW + timedelta(seconds=i), policy)
    assert h.suspended and h.suspended_at == NOW + timedelta(seconds=2)
    assert h.consecutive_failures == 3
    # Further failures keep the first suspension time; a late success does not lift it.
    h = after_subscriber_attempt(h, FAIL, NOW + timedelta(minutes=1), policy)
    assert h.suspended_at == NOW + timedelta(seconds=2)
    h = after_subscriber_attempt(h, OK, NOW + timedelta(minutes=2), policy)
    assert h.suspended and h.consecutive_failures == 0


def test_default_suspends_at_twenty():
    h = Health()
    for _ in range(19):
        h = after_subscriber_attempt(h, FAIL, NOW, POLICY)
    assert not h.suspended
    assert after_subscriber_attempt(h, FAIL, NOW, POLICY).suspended


def test_resume_resets_health_and_lets_waiting_deliveries_go():
    h = Health(consecutive_failures=20, suspended_at=NOW)
    waiting = attempt(Delivery.new(NOW), FAIL, NOW, POLICY, rand=lambda: 0.0)
    assert not is_due(waiting, h, NOW + timedelta(hours=1))  # suspended: it waits
    h = resume(h)
    assert h == Health() and not h.suspended
    assert is_due(waiting, h, NOW + timedelta(hours=1))


def test_is_due_respects_the_schedule_and_the_state():
    d = attempt(Delivery.new(NOW), FAIL, NOW, POLICY, rand=lambda: 1.0)  # due at +1 s
    assert not is_due(d, Health(), NOW)
    assert is_due(d, Health(), NOW + timedelta(seconds=1))
    done = attempt(d, OK, NOW, POLICY)
    assert not is_due(done, Health(), NOW + timedelta(days=1))


def test_an_attempt_counts_from_its_beginning_so_an_interrupted_one_spends_the_budget():
    policy = DeliveryPolicy(max_attempts=3)
    d = begin_attempt(Delivery.new(NOW))  # cut short by a crash: never ended
    assert (d.attempts, d.round_attempts, d.status) == (1, 1, Status.PENDING)
    d = end_attempt(begin_attempt(d), FAIL, NOW, policy, rand=lambda: 0.0)
    assert (d.attempts, d.status) == (2, Status.PENDING)
    d = end_attempt(begin_attempt(d), FAIL, NOW, policy, rand=lambda: 0.0)
    assert (d.attempts, d.status) == (3, Status.PARKED)
    with pytest.raises(InvalidTransition):
        begin_attempt(d)
