"""Per-unit figures over the states of the unit's targets: completion, early finish, timeliness.

`UnitTally` keeps the same figures incrementally: when one target's state changes, shift the
tally by the difference (O(1)) instead of summing the unit's targets again. Decimal sums of
6-place ratios are exact, so the tally equals the full recomputation to the last digit.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from uuid import UUID

from services.progress.domain.completion import NONE_DONE, Completion, mean, weighted
from services.progress.domain.decimals import ONE, ZERO, ratio
from services.progress.domain.scoring import UnitStats
from services.progress.domain.tracking import TargetState


def unit_completion(states: Iterable[TargetState]) -> Completion | None:
    """Weighted over the unit's targets; an unreported target counts as 0."""
    return weighted((s.target.weight, s.completion or NONE_DONE) for s in states)


def finished_early(states: Iterable[TargetState]) -> bool:
    """'Về đích sớm': the unit has targets and achieved every one of them before its deadline."""
    states = list(states)
    return bool(states) and all(
        s.achievement is not None and s.achievement.finished_early for s in states
    )


def reported_on_time(state: TargetState) -> bool | None:
    """True when the first report was submitted by the deadline (Vietnam's calendar day; the
    submission date a past record entered later carries, else the day it arrived), False when
    later, None while not reported."""
    first = state.first_reported
    if first is None:
        return None
    return first.submitted_day <= state.target.deadline


def unit_stats(
    unit_id: UUID, name: str, states: Iterable[TargetState], today: date, code: str = ""
) -> UnitStats:
    """The scoring inputs of one unit. Timeliness counts the targets already reported or past
    their deadline; with none of those yet, nobody is late, so it is 1."""
    states = list(states)
    done = unit_completion(states)
    early = sum(1 for s in states if s.achievement and s.achievement.finished_early)
    considered = on_time = 0
    for s in states:
        timely = reported_on_time(s)
        if timely is None and s.target.deadline < today:
            timely = False
        if timely is not None:
            considered += 1
            on_time += timely
    return UnitStats(
        unit_id=unit_id,
        name=name,
        code=code,
        completion=done.capped if done else ZERO,
        early_finish=ratio(Decimal(early), Decimal(len(states))) if states else ZERO,
        timeliness=ratio(Decimal(on_time), Decimal(considered)) if considered else ONE,
    )


@dataclass(frozen=True, slots=True)
class UnitTally:
    targets: int = 0
    weight: Decimal = ZERO
    weighted_capped: Decimal = ZERO
    weighted_uncapped: Decimal = ZERO
    plain_capped: Decimal = ZERO
    plain_uncapped: Decimal = ZERO
    achieved: int = 0
    achieved_early: int = 0

    def shift(self, before: TargetState | None, after: TargetState | None) -> UnitTally:
        """One target changed from `before` to `after` (None: it was added or removed)."""
        old, new = _terms(before), _terms(after)
        if old == new:
            return self  # e.g. a report about an earlier day: the current value did not move
        return UnitTally(
            self.targets + new[0] - old[0],
            self.weight + new[1] - old[1],
            self.weighted_capped + new[2] - old[2],
            self.weighted_uncapped + new[3] - old[3],
            self.plain_capped + new[4] - old[4],
            self.plain_uncapped + new[5] - old[5],
            self.achieved + new[6] - old[6],
            self.achieved_early + new[7] - old[7],
        )

    @property
    def completion(self) -> Completion | None:
        return mean(
            self.targets,
            self.weight,
            self.weighted_capped,
            self.weighted_uncapped,
            self.plain_capped,
            self.plain_uncapped,
        )

    @property
    def finished_early(self) -> bool:
        return self.targets > 0 and self.achieved_early == self.targets


_NO_TERMS = (0, ZERO, ZERO, ZERO, ZERO, ZERO, 0, 0)


def _terms(state: TargetState | None) -> tuple:
    """What one target adds to its unit's tally, in UnitTally's field order."""
    if state is None:
        return _NO_TERMS
    done = state.completion or NONE_DONE
    w = state.target.weight
    a = state.achievement
    return (
        1,
        w,
        w * done.capped,
        w * done.uncapped,
        done.capped,
        done.uncapped,
        1 if a else 0,
        1 if a and a.finished_early else 0,
    )
