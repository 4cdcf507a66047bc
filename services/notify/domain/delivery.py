"""Delivery state machine and subscriber health, as pure functions of (state, outcome, clock).

A delivery is one notification to one subscription (an email, a webhook call). Each attempt
is counted when it begins (`begin_attempt`) and ends in an `Outcome`, which `end_attempt` turns
into the next state:

    pending --ok--------------------------------------------> delivered
    pending --failed, retryable, attempts left--------------> pending, due at now + backoff
    pending --failed, not retryable or no attempts left-----> parked (dead, shown to operators)
    parked | delivered --redeliver (operator)---------------> pending, due now, fresh attempts

Backoff is "full jitter": a uniform draw in [0, min(cap, base * 2^(attempt-1))], so retries
of many deliveries after one outage spread out instead of arriving together. A receiver's
Retry-After raises the delay (never above the cap).

A subscriber's health counts consecutive failed attempts over all its deliveries; at the
threshold it is suspended (its deliveries wait, its owner is told), and only an operator's
resume lets them go again. Resuming resets the count.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from enum import StrEnum

from servicekit.errors import Conflict
from servicekit.messages import Msg

Random = Callable[[], float]
"""Returns a float in [0, 1), like random.random; injectable so tests are deterministic."""


@dataclass(frozen=True)
class DeliveryPolicy:
    max_attempts: int = 8
    """Attempts per round (the first delivery, or a redelivery) before parking."""
    backoff_base_s: float = 1.0
    backoff_cap_s: float = 600.0
    timeout_s: float = 10.0
    """Whole-request limit of one attempt."""
    concurrency_per_subscriber: int = 4
    suspend_after_failures: int = 20
    """Consecutive failed attempts of one subscriber, over all its deliveries."""

    def __post_init__(self) -> None:
        for name in ("max_attempts", "concurrency_per_subscriber", "suspend_after_failures"):
            if getattr(self, name) < 1:
                raise ValueError(f"{name} must be at least 1")
        for name in ("backoff_base_s", "backoff_cap_s", "timeout_s"):
            if getattr(self, name) <= 0:
                raise ValueError(f"{name} must be positive")
        if self.backoff_cap_s < self.backoff_base_s:
            raise ValueError("backoff_cap_s must not be below backoff_base_s")


@dataclass(frozen=True)
class Outcome:
    """How one attempt ended. `status` is the HTTP status or SMTP reply code when there was one;
    `error` is None exactly when the attempt succeeded, else a short text without secrets or
    addresses (it may end up in a NotificationFailed event)."""

    status: int | None
    error: str | None
    duration: float
    """Seconds."""
    retryable: bool = True
    """False when trying again cannot help (e.g. the mailbox does not exist)."""
    retry_after: float | None = None
    """Seconds the receiver asked us to wait (HTTP Retry-After)."""

    @property
    def ok(self) -> bool:
        return self.error is None


class Status(StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    PARKED = "parked"


@dataclass(frozen=True)
class Delivery:
    status: Status
    next_attempt_at: datetime | None
    """When a pending delivery is due; None once delivered or parked."""
    attempts: int = 0
    """All attempts ever made, redeliveries included."""
    round_attempts: int = 0
    """Attempts since the delivery was created or last redelivered: the budget counts these."""
    last_status: int | None = None
    last_error: str | None = None

    @classmethod
    def new(cls, now: datetime) -> Delivery:
        return cls(Status.PENDING, next_attempt_at=now)


class InvalidTransition(Conflict):
    """The delivery is not in a state the step applies to (409)."""

    def __init__(self, detail: str) -> None:
        super().__init__(detail, code="delivery_state")


def backoff(attempt: int, policy: DeliveryPolicy, rand: Random = random.random) -> float:
    """Seconds to wait after failed attempt number `attempt` (1-based) of a round."""
    if attempt < 1:
        raise ValueError("attempt numbers start at 1")
    exponent = min(attempt - 1, 60)  # 2^60 s is far past any cap; avoids float overflow
    ceiling = min(policy.backoff_cap_s, policy.backoff_base_s * 2.0**exponent)
    return rand() * ceiling


def begin_attempt(delivery: Delivery) -> Delivery:
    """An attempt counts from the moment it begins, before its request goes out: one that a
    crash cuts short (its outcome unknown) still counts, in the total and in the round's budget.
    (The dispatcher records the beginning set-based, `attempts + 1` in SQL, as here.)"""
    if delivery.status is not Status.PENDING:
        raise InvalidTransition(Msg("a {status} delivery is not attempted", status=delivery.status))
    return replace(
        delivery, attempts=delivery.attempts + 1, round_attempts=delivery.round_attempts + 1
    )


def end_attempt(
    delivery: Delivery,
    outcome: Outcome,
    now: datetime,
    policy: DeliveryPolicy,
    rand: Random = random.random,
) -> Delivery:
    """The next state after the outcome of the attempt `begin_attempt` counted."""
    if delivery.status is not Status.PENDING:
        raise InvalidTransition(Msg("a {status} delivery is not attempted", status=delivery.status))
    tried = replace(delivery, last_status=outcome.status, last_error=outcome.error)
    if outcome.ok:
        return replace(tried, status=Status.DELIVERED, next_attempt_at=None)
    if not outcome.retryable or tried.round_attempts >= policy.max_attempts:
        return replace(tried, status=Status.PARKED, next_attempt_at=None)
    delay = backoff(tried.round_attempts, policy, rand)
    if outcome.retry_after is not None:
        delay = max(delay, min(outcome.retry_after, policy.backoff_cap_s))
    return replace(tried, next_attempt_at=now + timedelta(seconds=delay))


def redeliver(delivery: Delivery, now: datetime) -> Delivery:
    """An operator sends a parked (or already delivered) notification again, with a fresh round
    of attempts. The receiver can tell it is the same event by its id (Idempotency-Key)."""
    if delivery.status is Status.PENDING:
        raise InvalidTransition("the delivery is still pending")
    return replace(delivery, status=Status.PENDING, next_attempt_at=now, round_attempts=0)


@dataclass(frozen=True)
class Health:
    """A subscriber's health. Compare `suspended` before and after a transition to know when to
    tell its owner."""

    consecutive_failures: int = 0
    suspended_at: datetime | None = None

    @property
    def suspended(self) -> bool:
        return self.suspended_at is not None


def after_subscriber_attempt(
    health: Health, outcome: Outcome, now: datetime, policy: DeliveryPolicy
) -> Health:
    if outcome.ok:
        # An attempt already in flight when the subscriber was suspended may still succeed:
        # it clears the count, but only an operator lifts the suspension.
        return replace(health, consecutive_failures=0)
    failures = health.consecutive_failures + 1
    suspended_at = health.suspended_at
    if suspended_at is None and failures >= policy.suspend_after_failures:
        suspended_at = now
    return Health(consecutive_failures=failures, suspended_at=suspended_at)


def resume(health: Health) -> Health:
    return Health()


def is_due(delivery: Delivery, health: Health, now: datetime) -> bool:
    """Whether to attempt the delivery now. A suspended subscriber's deliveries wait, without
    spending their attempts, until it is resumed."""
    return (
        delivery.status is Status.PENDING
        and not health.suspended
        and delivery.next_attempt_at is not None
        and delivery.next_attempt_at <= now
    )
