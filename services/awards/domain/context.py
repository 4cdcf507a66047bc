"""One subject's view of the facts while a rule runs.

A context binds the subject's ratings, awards and statuses once, then is pointed at an award and
year (`bind`), so a rule does plain dict lookups. Annual bulk screening keeps one context per
subject and rebinds it for every award; explicit nominations get a fresh one each.

Two modes:
- explicit (a submitted nomination): the initiatives a rule may count are those the dossier
  claims and the nominee authored; R11 then reports any that were already used.
- bulk (annual proposals): a rule picks from the nominee's initiatives not yet used by an award
  nor picked earlier in the run, and records what it picked (`picked`), so one initiative supports
  one proposal only.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date

from services.awards.domain.config import ScreeningConfig
from services.awards.domain.facts import EMPTY, AwardRecord, Facts, Initiative, StatusPeriod
from services.awards.domain.nomination import Nomination
from services.awards.domain.regime import Regime
from services.awards.domain.vocabulary import LDTT, RATING_RANK, WINDOW_YEARS

Proposals = dict[str, dict[int, set[str]]]
"""Subjects proposed earlier in an annual run, by award code, then year. Subject ids are strings,
which the garbage collector does not track; (subject, code, year) tuples it would."""

_NO_PROPOSALS: Proposals = {}
_NOTHING: tuple[str, ...] = ()
_NO_SUBJECTS: frozenset[str] = frozenset()


class Context:
    __slots__ = (
        "as_of",
        "awards",
        "bulk",
        "code",
        "config",
        "consumed",
        "facts",
        "kind",
        "nomination",
        "picked",
        "proposed",
        "ratings",
        "regime",
        "statuses",
        "subject_id",
        "window_start",
        "year",
    )

    def __init__(
        self,
        facts: Facts,
        config: ScreeningConfig,
        kind: str,
        subject_id: str,
        *,
        bulk: bool = False,
        proposed: Proposals = _NO_PROPOSALS,
        consumed: set[str] | None = None,
    ) -> None:
        self.facts = facts
        self.config = config
        self.kind = kind
        self.subject_id = subject_id
        self.bulk = bulk
        self.proposed = proposed
        """Proposed earlier in this run: counts as held (the bulk cascade)."""
        self.consumed: set[str] = set() if consumed is None else consumed
        """Initiatives already taken by an earlier nomination of the batch or run (R11)."""
        self.ratings: Mapping[int, str] = facts.ratings_of(kind, subject_id)
        self.awards: Mapping[str, Mapping[int, AwardRecord]] = facts.awards_of(kind, subject_id)
        self.statuses: tuple[StatusPeriod, ...] = facts.statuses_of(kind, subject_id)
        self.nomination: Nomination | None = None
        self.picked: tuple[str, ...] = _NOTHING

    def bind(
        self,
        code: str,
        year: int,
        regime: Regime,
        as_of: date,
        nomination: Nomination | None = None,
        window_start: int | bool | None = False,
    ) -> Context:
        """Point the context at an award. `window_start`: the first counted year when the caller
        already knows it (bulk screening computes it once per award)."""
        self.code = code
        self.year = year
        self.regime = regime
        self.as_of = as_of
        self.nomination = nomination
        if window_start is False:
            years = WINDOW_YEARS.get((self.kind, code))
            window_start = None if years is None else year - years + 1
        self.window_start = window_start
        self.picked = _NOTHING
        return self

    @classmethod
    def for_nomination(
        cls,
        nomination: Nomination,
        facts: Facts,
        config: ScreeningConfig,
        *,
        consumed: set[str] | None = None,
    ) -> Context:
        ctx = cls(facts, config, nomination.kind, nomination.nominee_id, consumed=consumed)
        return ctx.bind(
            nomination.code,
            nomination.end_year,
            nomination.regime,
            nomination.considered_on,
            nomination,
        )

    # Ratings and titles.

    def rating(self, year: int) -> str | None:
        return self.ratings.get(year)

    def rank(self, year: int) -> int:
        """The rating's rank (HTXSNV 3 .. KHTNV 0), -1 when unrated."""
        r = self.ratings.get(year)
        return -1 if r is None else RATING_RANK[r]

    def held(self, code: str, year: int) -> bool:
        """Holds the award for the year, or was proposed for it earlier in this run."""
        if year in self.awards.get(code, EMPTY):
            return True
        if self.proposed:
            by_year = self.proposed.get(code)
            return by_year is not None and self.subject_id in by_year.get(year, _NO_SUBJECTS)
        return False

    def member_holds(self, person_id: str, code: str, year: int) -> bool:
        """A member of the collective holds a personal title (or was proposed for it)."""
        if self.facts.holds("person", person_id, code, year):
            return True
        if self.proposed:
            by_year = self.proposed.get(code)
            return by_year is not None and person_id in by_year.get(year, _NO_SUBJECTS)
        return False

    def meets_ldtt(self, person_id: str, year: int) -> bool:
        # The run's proposals first: most people meeting LDTT were just proposed for it, and a
        # set lookup is cheaper than the facts' checks (members are counted by the hundred).
        if self.proposed:
            by_year = self.proposed.get(LDTT)
            if by_year is not None and person_id in by_year.get(year, _NO_SUBJECTS):
                return True
        return self.facts.meets_ldtt(person_id, year)

    def records(self, code: str) -> Mapping[int, AwardRecord]:
        """The subject's awards of `code`, by the year their achievement period ends."""
        return self.awards.get(code, EMPTY)

    # Initiatives.

    def initiatives(self) -> list[Initiative]:
        """What a rule may count (see the module docstring), oldest first."""
        if self.bulk:
            consumed = self.consumed
            return [
                i
                for i in self.facts.initiatives_by(self.subject_id)
                if i.used_by is None and i.id not in consumed
            ]
        if self.nomination is None or not self.nomination.initiative_ids:
            return []
        known = self.facts.initiatives
        found = [known[i] for i in self.nomination.initiative_ids if i in known]
        return [i for i in found if self.subject_id in i.authors]

    def pick(self, initiatives: list[Initiative]) -> list[str]:
        """Record the initiatives a passing rule relies on; returns their ids."""
        ids = [i.id for i in initiatives]
        self.picked += tuple(ids)
        return ids
