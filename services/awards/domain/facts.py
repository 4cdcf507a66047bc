"""The read model the rules read: an immutable, indexed snapshot of people, collectives, ratings,
award history, initiatives, status periods and bloc leaders.

The awards service fills it from its own tables (fed by registry and progress events); tests fill
it with `FactsBuilder`. Every lookup a rule makes is a dict access keyed by subject id, then year or
award code, so screening a province of 100,000 people stays a linear pass. Ids are strings (the
adapter passes `str(uuid)`): they hash in C, which UUID objects do not.

Treat a `Facts` as read-only: its indexes are shared by every screening that runs on it.
"""

from __future__ import annotations

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
    """A yearly performance rating (xếp loại) of a person or a collective."""

    kind: SubjectKind
    subject_id: str
    year: int
    rating: Rating


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
        "_bloc_counts",
        "_bloc_leaders",
        "_by_author",
        "_children",
        "_holders",
        "_members",
        "_ratings",
        "_statuses",
        "_unit_counts",
        "collectives",
        "initiatives",
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
        for r in ratings:
            self._ratings[r.kind].setdefault(r.subject_id, {})[r.year] = r.rating

        self._awards: dict[str, dict[str, dict[str, dict[int, AwardRecord]]]] = {
            PERSON: {},
            COLLECTIVE: {},
        }
        holders: dict[tuple[str, str, int], set[str]] = defaultdict(set)
        for a in awards:
            by_code = self._awards[a.kind].setdefault(a.subject_id, {})
            by_code.setdefault(a.code, {})[a.year] = a
            holders[(a.kind, a.code, a.year)].add(a.subject_id)
        self._holders = {k: frozenset(v) for k, v in holders.items()}

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
        self._unit_counts: dict[tuple[str, int], tuple[int, int]] | None = None

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

    # Titles derived from ratings, and counts the quotas need.

    def holds(self, kind: str, subject_id: str, code: str, year: int) -> bool:
        return year in self._awards[kind].get(subject_id, EMPTY).get(code, EMPTY)

    def meets_ldtt(self, person_id: str, year: int) -> bool:
        """Holds LDTT for the year, or meets its standard (rated HTTNV or better): the unit confers
        LDTT at the same year-end review that considers CSTDCS and the collective titles, and
        Luật 06/2022 Điều 23 asks that the CSTDCS nominee "đạt tiêu chuẩn" LDTT."""
        if year in self._awards[PERSON].get(person_id, EMPTY).get(LDTT, EMPTY):
            return True
        rating = self._ratings[PERSON].get(person_id, EMPTY).get(year)
        return rating is not None and RATING_RANK[rating] >= _GOOD

    def holders(self, kind: str, code: str, year: int) -> frozenset[str]:
        """Who holds the award for the year (e.g. the CO_CP already given, or who could be
        proposed for a title that needs this one)."""
        return self._holders.get((kind, code, year), frozenset())

    def holders_until(self, kind: str, code: str, last_year: int) -> frozenset[str]:
        """Who holds the award for any year up to `last_year`."""
        found: set[str] = set()
        for (k, c, y), ids in self._holders.items():
            if k == kind and c == code and y <= last_year:
                found |= ids
        return frozenset(found)

    def unit_counts(self, unit_id: str, year: int) -> tuple[int, int]:
        """(people meeting LDTT, people holding CSTDCS) in the unit for the year (R02 caps)."""
        if self._unit_counts is None:
            self._unit_counts = self._count_units()
        return self._unit_counts.get((unit_id, year), (0, 0))

    def _count_units(self) -> dict[tuple[str, int], tuple[int, int]]:
        ldtt: dict[tuple[str, int], int] = defaultdict(int)
        cstdcs: dict[tuple[str, int], int] = defaultdict(int)
        awards, ratings = self._awards[PERSON], self._ratings[PERSON]
        for p in self.persons.values():
            years = set(ratings.get(p.id, EMPTY))
            held = awards.get(p.id, EMPTY)
            years.update(held.get(LDTT, EMPTY))
            for y in years:
                if self.meets_ldtt(p.id, y):
                    ldtt[(p.unit_id, y)] += 1
            for y in held.get(CSTDCS, EMPTY):
                cstdcs[(p.unit_id, y)] += 1
        return {k: (ldtt.get(k, 0), cstdcs.get(k, 0)) for k in ldtt.keys() | cstdcs.keys()}

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
        self, subject_id: str, year: int, rating: Rating, *, kind: SubjectKind | None = None
    ) -> FactsBuilder:
        self._ratings.append(RatingRecord(self._kind(subject_id, kind), subject_id, year, rating))
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
