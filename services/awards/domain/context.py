"""One subject's view of the facts while a rule runs.

A context binds the subject's ratings, awards and statuses once, then is pointed at an award,
year and consideration date (`bind`), so a rule does plain dict lookups. Annual bulk screening
keeps one context per subject and rebinds it for every award; explicit nominations get a fresh
one each.

The consideration date (ngày xét, `as_of`) is the day the proposal is considered: every title
on record counts only if decided by then, and statuses are read as they stood then (R14).
Titles conferred in the review batch being screened (`proposed`: LĐTT and CSTĐCS screened
eligible earlier in the batch or annual run) count as held, as the unit confers them at the same
year-end review.

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

from services.awards.domain.facts import EMPTY, AwardRecord, Facts, Initiative, StatusPeriod
from services.awards.domain.nomination import Nomination
from services.awards.domain.policy import ScreeningConfig
from services.awards.domain.regime import Regime
from services.awards.domain.vocabulary import (
    LDTT,
    PERSON,
    RATING_RANK,
    WINDOW_YEARS,
    LdttBasis,
    SubjectKind,
)

Proposals = dict[str, dict[int, frozenset[str]]]
"""Subjects proposed (or conferred) earlier in an annual run or screening batch, by award code,
then year. Subject ids are strings, which the garbage collector does not track; (subject, code,
year) tuples it would. Frozen: a set is complete once its award was settled, and the quota counts
are memoised per set (`Facts.batch_unit_counts`)."""

_NO_PROPOSALS: Proposals = {}
_GOOD = RATING_RANK["HTTNV"]
_NOTHING: tuple[str, ...] = ()
_NO_SUBJECTS: frozenset[str] = frozenset()


def facts_decided_by(facts: Facts, as_of: date) -> bool:
    """Every award on record was decided by `as_of`: nothing to filter."""
    return facts.last_decided is None or facts.last_decided <= as_of


class Context:
    __slots__ = (
        "all_on_record",
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
        kind: SubjectKind,
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
        """Proposed earlier in this run, or conferred earlier in this batch: counts as held."""
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
        self.all_on_record = facts_decided_by(self.facts, as_of)
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
        proposed: Proposals = _NO_PROPOSALS,
    ) -> Context:
        ctx = cls(
            facts,
            config,
            nomination.kind,
            nomination.nominee_id,
            consumed=consumed,
            proposed=proposed,
        )
        return ctx.bind(
            nomination.code,
            nomination.end_year,
            nomination.regime,
            nomination.consideration_date,
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
        """Holds the award for the year on the consideration date, or was proposed for it
        earlier in this run (conferred earlier in this batch)."""
        record = self.awards.get(code, EMPTY).get(year)
        if record is not None and (self.all_on_record or record.decided_by(self.as_of)):
            return True
        return self._proposed(code, year, self.subject_id)

    def _proposed(self, code: str, year: int, subject_id: str) -> bool:
        if self.proposed:
            by_year = self.proposed.get(code)
            return by_year is not None and subject_id in by_year.get(year, _NO_SUBJECTS)
        return False

    def member_holds(self, person_id: str, code: str, year: int) -> bool:
        """A member of the collective holds a personal title (or was proposed for it)."""
        if self.facts.holds(PERSON, person_id, code, year, self.as_of):
            return True
        return self._proposed(code, year, person_id)

    def ldtt_basis(self, person_id: str, year: int) -> LdttBasis | None:
        """How a member stands towards LĐTT for the year (`vocabulary.LdttBasis`); None: not
        rated HTTNV or better and no title. The run's proposals first: most people holding the
        title in an annual run were just proposed for it, and a set lookup is the cheapest."""
        if self._proposed(LDTT, year, person_id):
            return "this_batch"
        facts = self.facts
        if facts.holds(PERSON, person_id, LDTT, year, self.as_of):
            return "on_record"
        rating = facts.ratings_of(PERSON, person_id).get(year)
        if rating is None or RATING_RANK[rating] < _GOOD:
            return None
        return "not_conferred" if facts.ldtt_withheld(person_id, year) else "rated_only"

    def meets_ldtt_standard(self, person_id: str, year: int) -> bool:
        """Holds LĐTT, or meets its standard (what R02 asks of a CSTĐCS nominee)."""
        if self._proposed(LDTT, year, person_id):
            return True
        if self.facts.holds(PERSON, person_id, LDTT, year, self.as_of):
            return True
        return self.facts.meets_ldtt_standard(person_id, year)

    def unit_ldtt_holders(self, unit_id: str, year: int) -> tuple[int, int]:
        """People of the unit who attained LĐTT for the year: (on record by the consideration
        date, conferred earlier in this batch or run)."""
        on_record = self.facts.unit_holders(unit_id, LDTT, year, self.as_of)
        conferred = self.proposed.get(LDTT, EMPTY).get(year) if self.proposed else None
        if not conferred:
            return on_record, 0
        batch = self.facts.batch_unit_counts(conferred, year, self.as_of)
        return on_record, batch.get(unit_id, 0)

    def records(self, code: str) -> Mapping[int, AwardRecord]:
        """The subject's awards of `code` on record on the consideration date, by the year their
        achievement period ends."""
        records = self.awards.get(code, EMPTY)
        if self.all_on_record or not records:
            return records
        as_of = self.as_of
        return {y: r for y, r in records.items() if r.decided_by(as_of)}

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
