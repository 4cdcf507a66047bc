"""The read model the rules read: an immutable, indexed snapshot of people, collectives, ratings,
award history, initiatives, status periods and bloc leaders.

The awards service fills it from its own tables (fed by registry and progress events); tests fill
it with `FactsBuilder`. Every lookup a rule makes is a dict access keyed by subject id, then year or
award code, so screening a province of 100,000 people stays a linear pass. Ids are strings (the
adapter passes `str(uuid)`): they hash in C, which UUID objects do not.

Treat a `Facts` as read-only: its indexes are shared by every screening that runs on it.
"""

from __future__ import annotations

from bisect import bisect_right
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from types import MappingProxyType

from services.awards.domain.vocabulary import (
    COLLECTIVE,
    CSTDCS,
    LDTT,
    PERSON,
    RATING_RANK,
    DisciplineLevel,
    Gender,
    InitiativeKind,
    InitiativeLevel,
    InitiativeScope,
    LdttWithheld,
    Rating,
    StatusKind,
    SubjectKind,
)

EMPTY: Mapping = MappingProxyType({})
_GOOD = RATING_RANK["HTTNV"]


@dataclass(frozen=True, slots=True)
class Person:
    id: str
    unit_id: str
    gender: Gender | None = None


@dataclass(frozen=True, slots=True)
class Collective:
    """A unit as a collective (tập thể). `members` None: the people whose unit is this one.
    `women_share` None: computed from the members' genders."""

    id: str
    parent_id: str | None = None
    members: tuple[str, ...] | None = None
    women_share: float | None = None


@dataclass(frozen=True, slots=True)
class RatingRecord:
    """A yearly performance rating (xếp loại) of a person or a collective. `ldtt_withheld`: the
    unit rated the person HTTNV or better but did not confer Lao động tiên tiến, and why."""

    kind: SubjectKind
    subject_id: str
    year: int
    rating: Rating
    ldtt_withheld: LdttWithheld | None = None


@dataclass(frozen=True, slots=True)
class AwardRecord:
    """A title or form held, with the achievement period its decision states (R15)."""

    kind: SubjectKind
    subject_id: str
    code: str
    period_start: date
    period_end: date
    decided_on: date | None = None
    decision_ref: str | None = None

    @property
    def year(self) -> int:
        """The year the achievement period ends: the year a yearly title is for."""
        return self.period_end.year

    def decided_by(self, day: date) -> bool:
        """On record on `day`: decided on or before it. An import without a decision date was
        decided before the system, so before any day a screening considers."""
        return self.decided_on is None or self.decided_on <= day


@dataclass(frozen=True, slots=True)
class Initiative:
    """A recognised initiative (sáng kiến) or accepted science work (đề tài khoa học).
    `used_by`: the award it already supported (R11), e.g. a decision reference or nomination id."""

    id: str
    authors: tuple[str, ...]
    recognised_year: int
    level: InitiativeLevel = "grassroots"
    scope: InitiativeScope = "unit"
    kind: InitiativeKind = "initiative"
    used_by: str | None = None


@dataclass(frozen=True, slots=True)
class StatusPeriod:
    """Discipline (with its level) in force, or a pending investigation, inspection or complaint.
    `end` is exclusive (the first day it no longer applies, as the registry records it); None:
    still open."""

    kind: SubjectKind
    subject_id: str
    status: StatusKind
    start: date
    end: date | None = None
    level: DisciplineLevel | None = None

    def open_on(self, day: date) -> bool:
        return self.start <= day and (self.end is None or day < self.end)


class Facts:
    """The indexed snapshot. Build it once per screening run (or keep it and rebuild on change)."""

    __slots__ = (
        "_awards",
        "_batch_counts",
        "_bloc_counts",
        "_bloc_leaders",
        "_by_author",
        "_children",
        "_holders",
        "_members",
        "_ratings",
        "_statuses",
        "_unit_titles",
        "_withheld",
        "collectives",
        "initiatives",
        "last_decided",
        "persons",
    )

    def __init__(
        self,
        *,
        persons: Iterable[Person] = (),
        collectives: Iterable[Collective] = (),
        ratings: Iterable[RatingRecord] = (),
        awards: Iterable[AwardRecord] = (),
        initiatives: Iterable[Initiative] = (),
        statuses: Iterable[StatusPeriod] = (),
        bloc_leaders: Mapping[int, Iterable[str]] = EMPTY,
        bloc_leader_counts: Mapping[int, int] = EMPTY,
    ) -> None:
        self.persons: dict[str, Person] = {p.id: p for p in persons}
        self.collectives: dict[str, Collective] = {c.id: c for c in collectives}

        self._ratings: dict[str, dict[str, dict[int, str]]] = {PERSON: {}, COLLECTIVE: {}}
        self._withheld: dict[str, dict[int, str]] = {}
        for r in ratings:
            self._ratings[r.kind].setdefault(r.subject_id, {})[r.year] = r.rating
            if r.ldtt_withheld is not None and r.kind == PERSON:
                self._withheld.setdefault(r.subject_id, {})[r.year] = r.ldtt_withheld

        self._awards: dict[str, dict[str, dict[str, dict[int, AwardRecord]]]] = {
            PERSON: {},
            COLLECTIVE: {},
        }
        holders: dict[tuple[str, str, int], set[str]] = defaultdict(set)
        last_decided: date | None = None
        for a in awards:
            by_code = self._awards[a.kind].setdefault(a.subject_id, {})
            by_code.setdefault(a.code, {})[a.year] = a
            holders[(a.kind, a.code, a.year)].add(a.subject_id)
            if a.decided_on is not None and (last_decided is None or a.decided_on > last_decided):
                last_decided = a.decided_on
        self._holders = {k: frozenset(v) for k, v in holders.items()}
        self.last_decided = last_decided
        """The latest decision date on record: a screening considered on or after it reads
        every award as it is, with no date to compare."""

        self.initiatives: dict[str, Initiative] = {i.id: i for i in initiatives}
        by_author: dict[str, list[Initiative]] = defaultdict(list)
        for i in sorted(self.initiatives.values(), key=lambda i: (i.recognised_year, i.id)):
            for author in i.authors:
                by_author[author].append(i)
        self._by_author = {a: tuple(v) for a, v in by_author.items()}

        statuses_by: dict[str, dict[str, list[StatusPeriod]]] = {PERSON: {}, COLLECTIVE: {}}
        for s in statuses:
            statuses_by[s.kind].setdefault(s.subject_id, []).append(s)
        self._statuses = {k: {i: tuple(v) for i, v in d.items()} for k, d in statuses_by.items()}

        self._bloc_leaders = {y: frozenset(units) for y, units in bloc_leaders.items()}
        counts = {y: len(units) for y, units in self._bloc_leaders.items()}
        counts.update(bloc_leader_counts)
        self._bloc_counts = counts

        members: dict[str, list[str]] = defaultdict(list)
        for p in self.persons.values():
            members[p.unit_id].append(p.id)
        self._members = {u: tuple(sorted(v)) for u, v in members.items()}
        for c in self.collectives.values():
            if c.members is not None:
                self._members[c.id] = c.members
        children: dict[str, list[str]] = defaultdict(list)
        for c in self.collectives.values():
            if c.parent_id is not None:
                children[c.parent_id].append(c.id)
        self._children = {u: tuple(sorted(v)) for u, v in children.items()}
        self._unit_titles: dict[tuple[str, str, int], list[date]] | None = None
        self._batch_counts: dict[tuple[frozenset[str], int, date], dict[str, int]] = {}

    # Per-subject views: bind once, then look up by year or code.

    def ratings_of(self, kind: str, subject_id: str) -> Mapping[int, str]:
        return self._ratings[kind].get(subject_id, EMPTY)

    def awards_of(self, kind: str, subject_id: str) -> Mapping[str, Mapping[int, AwardRecord]]:
        return self._awards[kind].get(subject_id, EMPTY)

    def statuses_of(self, kind: str, subject_id: str) -> tuple[StatusPeriod, ...]:
        return self._statuses[kind].get(subject_id, ())

    def initiatives_by(self, author_id: str) -> tuple[Initiative, ...]:
        """The author's initiatives, oldest first."""
        return self._by_author.get(author_id, ())

    # People and collectives.

    def members_of(self, unit_id: str) -> tuple[str, ...]:
        return self._members.get(unit_id, ())

    def women_share(self, unit_id: str) -> float | None:
        c = self.collectives.get(unit_id)
        if c is not None and c.women_share is not None:
            return c.women_share
        members = self.members_of(unit_id)
        if not members:
            return None
        persons = self.persons
        women = sum(1 for m in members if (p := persons.get(m)) and p.gender == "female")
        return women / len(members)

    def units_under(self, unit_id: str) -> set[str]:
        """The unit and every unit below it."""
        found, todo = set(), [unit_id]
        while todo:
            u = todo.pop()
            if u not in found:
                found.add(u)
                todo.extend(self._children.get(u, ()))
        return found

    # Titles on record, the LĐTT standard, and counts the quotas need.

    def holds(self, kind: str, subject_id: str, code: str, year: int, as_of: date) -> bool:
        """The award for the year is on record, decided by `as_of`."""
        record = self._awards[kind].get(subject_id, EMPTY).get(code, EMPTY).get(year)
        if record is None:
            return False
        decided = record.decided_on  # `AwardRecord.decided_by`, inline: called per member
        return decided is None or decided <= as_of

    def ldtt_withheld(self, person_id: str, year: int) -> str | None:
        """Why the unit did not confer LĐTT on a person it rated HTTNV or better (None: it did
        not say so)."""
        return self._withheld.get(person_id, EMPTY).get(year)

    def meets_ldtt_standard(self, person_id: str, year: int) -> bool:
        """Rated HTTNV or better and not recorded as "rated, LĐTT not conferred": the standard
        R01 checks and R02 asks of a CSTĐCS nominee ("đạt tiêu chuẩn" LĐTT, Luật 06/2022 Điều
        23.1; the 2003 law's Điều 23.1 likewise). It is not the title: the collective titles and
        the CSTĐCS quota count members who attained it (see `Context.ldtt_basis`)."""
        rating = self._ratings[PERSON].get(person_id, EMPTY).get(year)
        if rating is None or RATING_RANK[rating] < _GOOD:
            return False
        return year not in self._withheld.get(person_id, EMPTY)

    def holders(self, kind: str, code: str, year: int) -> frozenset[str]:
        """Who holds the award for the year, whatever the decision's date (e.g. the CO_CP
        already given, or who could be proposed for a title that needs this one)."""
        return self._holders.get((kind, code, year), frozenset())

    def holders_until(self, kind: str, code: str, last_year: int) -> frozenset[str]:
        """Who holds the award for any year up to `last_year`."""
        found: set[str] = set()
        for (k, c, y), ids in self._holders.items():
            if k == kind and c == code and y <= last_year:
                found |= ids
        return frozenset(found)

    def unit_holders(self, unit_id: str, code: str, year: int, as_of: date) -> int:
        """People of the unit holding a personal title (LDTT or CSTDCS) for the year on record
        by `as_of`: one bisection in an index built once (R02 caps)."""
        if self._unit_titles is None:
            self._unit_titles = self._index_unit_titles()
        days = self._unit_titles.get((unit_id, code, year))
        return 0 if days is None else bisect_right(days, as_of)

    def _index_unit_titles(self) -> dict[tuple[str, str, int], list[date]]:
        index: dict[tuple[str, str, int], list[date]] = defaultdict(list)
        awards = self._awards[PERSON]
        for p in self.persons.values():
            held = awards.get(p.id)
            if held is None:
                continue
            for code in (LDTT, CSTDCS):
                for y, record in held.get(code, EMPTY).items():
                    index[(p.unit_id, code, y)].append(record.decided_on or date.min)
        for days in index.values():
            days.sort()
        return dict(index)

    def batch_unit_counts(
        self, conferred: frozenset[str], year: int, as_of: date
    ) -> dict[str, int]:
        """Per unit, the people of `conferred` (LĐTT conferred in the review batch) who do not
        hold it on record already: counted once per batch, not once per nominee."""
        key = (conferred, year, as_of)
        counts = self._batch_counts.get(key)
        if counts is None:
            counts = defaultdict(int)
            persons = self.persons
            for pid in conferred:
                person = persons.get(pid)
                if person is not None and not self.holds(PERSON, pid, LDTT, year, as_of):
                    counts[person.unit_id] += 1
            self._batch_counts[key] = counts = dict(counts)
        return counts

    # Blocs.

    def is_bloc_leader(self, unit_id: str, year: int) -> bool:
        return unit_id in self._bloc_leaders.get(year, ())

    def bloc_leaders(self, year: int) -> frozenset[str]:
        return self._bloc_leaders.get(year, frozenset())

    def bloc_leader_count(self, year: int) -> int:
        """Bloc leaders in the province that year: one per bloc and cluster."""
        return self._bloc_counts.get(year, 0)


class FactsBuilder:
    """Assembles a `Facts` record by record; for tests and the service's adapter alike.

    Awards and statuses are for a person unless the subject was declared a collective (or
    `kind` says otherwise)."""

    def __init__(self) -> None:
        self._persons: list[Person] = []
        self._collectives: list[Collective] = []
        self._ratings: list[RatingRecord] = []
        self._awards: list[AwardRecord] = []
        self._initiatives: list[Initiative] = []
        self._statuses: list[StatusPeriod] = []
        self._leaders: dict[int, list[str]] = defaultdict(list)
        self._leader_counts: dict[int, int] = {}
        self._collective_ids: set[str] = set()

    def _kind(self, subject_id: str, kind: SubjectKind | None) -> SubjectKind:
        if kind is not None:
            return kind
        return COLLECTIVE if subject_id in self._collective_ids else PERSON

    def person(self, id: str, *, unit: str, gender: Gender | None = None) -> FactsBuilder:
        self._persons.append(Person(id, unit, gender))
        return self

    def collective(
        self,
        id: str,
        *,
        parent: str | None = None,
        members: Iterable[str] | None = None,
        women_share: float | None = None,
    ) -> FactsBuilder:
        self._collective_ids.add(id)
        self._collectives.append(
            Collective(id, parent, None if members is None else tuple(members), women_share)
        )
        return self

    def rating(
        self,
        subject_id: str,
        year: int,
        rating: Rating,
        *,
        kind: SubjectKind | None = None,
        ldtt_withheld: LdttWithheld | None = None,
    ) -> FactsBuilder:
        self._ratings.append(
            RatingRecord(self._kind(subject_id, kind), subject_id, year, rating, ldtt_withheld)
        )
        return self

    def ratings(
        self, subject_id: str, by_year: Mapping[int, Rating], *, kind: SubjectKind | None = None
    ) -> FactsBuilder:
        for year, rating in by_year.items():
            self.rating(subject_id, year, rating, kind=kind)
        return self

    def award(
        self,
        subject_id: str,
        code: str,
        year: int | None = None,
        *,
        period: tuple[date, date] | None = None,
        decided_on: date | None = None,
        ref: str | None = None,
        kind: SubjectKind | None = None,
    ) -> FactsBuilder:
        """A held award: for `year` (a yearly title) or for an explicit achievement `period`."""
        if period is None:
            if year is None:
                raise ValueError("an award needs a year or a period")
            period = (date(year, 1, 1), date(year, 12, 31))
        self._awards.append(
            AwardRecord(self._kind(subject_id, kind), subject_id, code, *period, decided_on, ref)
        )
        return self

    def initiative(
        self,
        id: str,
        *,
        authors: Iterable[str],
        year: int,
        level: InitiativeLevel = "grassroots",
        scope: InitiativeScope = "unit",
        kind: InitiativeKind = "initiative",
        used_by: str | None = None,
    ) -> FactsBuilder:
        self._initiatives.append(Initiative(id, tuple(authors), year, level, scope, kind, used_by))
        return self

    def status(
        self,
        subject_id: str,
        status: StatusKind,
        start: date,
        end: date | None = None,
        *,
        level: DisciplineLevel | None = None,
        kind: SubjectKind | None = None,
    ) -> FactsBuilder:
        self._statuses.append(
            StatusPeriod(self._kind(subject_id, kind), subject_id, status, start, end, level)
        )
        return self

    def bloc_leaders(
        self, year: int, units: Iterable[str], *, total: int | None = None
    ) -> FactsBuilder:
        """The units leading their bloc or cluster in `year`; `total`: how many blocs and clusters
        the province has (defaults to the units listed)."""
        self._leaders[year].extend(units)
        if total is not None:
            self._leader_counts[year] = total
        return self

    def build(self) -> Facts:
        return Facts(
            persons=self._persons,
            collectives=self._collectives,
            ratings=self._ratings,
            awards=self._awards,
            initiatives=self._initiatives,
            statuses=self._statuses,
            bloc_leaders=self._leaders,
            bloc_leader_counts=self._leader_counts,
        )
