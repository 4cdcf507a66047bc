"""Small fact patterns for the adjudication tables: one nominee (person "p1" in unit "u1", or the
collective "u1"), described by keyword arguments a reader can check against docs/domain.md
section 4."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date

from services.awards.domain import Facts, FactsBuilder, Nomination

BASE_DOCS = frozenset({"submission", "achievement_report", "review_minutes"})
FULL_DOCS = BASE_DOCS | {"initiative_certificate"}


@dataclass(frozen=True)
class Init:
    """An initiative of p1 (unless `authors` says otherwise)."""

    id: str
    year: int
    level: str = "grassroots"
    scope: str = "unit"
    authors: tuple[str, ...] = ("p1",)
    used_by: str | None = None


@dataclass(frozen=True)
class Status:
    status: str
    start: date
    end: date | None = None
    level: str | None = None
    subject: str = "p1"


def person_facts(
    *,
    ratings: Mapping[int, str] | None = None,
    awards: Mapping[str, Iterable[int]] | None = None,
    periods: Mapping[str, Iterable[tuple[date, date]]] | None = None,
    initiatives: Iterable[Init] = (),
    statuses: Iterable[Status] = (),
    gender: str = "male",
    colleagues: int = 9,
) -> Facts:
    """p1 in u1, with `colleagues` others rated HTTNV and holding LDTT (on record) every year p1 is
    rated, so a unit LDTT count exists for the regime-2013 CSTDCS cap (9 LDTT -> 1 place)."""
    b = FactsBuilder().collective("u1")
    b.person("p1", unit="u1", gender=gender)
    for year, rating in (ratings or {}).items():
        b.rating("p1", year, rating)
    for i in range(colleagues):
        b.person(f"c{i}", unit="u1", gender="male")
        for year in ratings or {}:
            b.rating(f"c{i}", year, "HTTNV").award(f"c{i}", "LDTT", year)
    for code, years in (awards or {}).items():
        for year in years:
            b.award("p1", code, year, ref=f"QĐ-{code}-{year}")
    for code, spans in (periods or {}).items():
        for span in spans:
            b.award("p1", code, period=span, ref=f"QĐ-{code}-{span[1].year}")
    for i in initiatives:
        b.initiative(
            i.id, authors=i.authors, year=i.year, level=i.level, scope=i.scope, used_by=i.used_by
        )
    for s in statuses:
        b.status(s.subject, s.status, s.start, s.end, level=s.level)
    return b.build()


def collective_facts(
    *,
    rating: str | None = "HTXSNV",
    year: int = 2024,
    members: Mapping[str, int] | None = None,
    cstdcs_members: int = 1,
    disciplined: Iterable[str] = (),
    bloc_leader: bool = False,
    bloc_leaders_total: int = 10,
    women: int = 0,
    statuses: Iterable[Status] = (),
    ldtt: str = "on_record",
) -> Facts:
    """The collective u1 rated `rating` in `year`; `members` counts members by rating (default 10
    rated HTTNV); the first `cstdcs_members` hold CSTDCS that year; `disciplined` gives discipline
    levels imposed on members that year; the first `women` members are women. `ldtt`: members
    rated HTTNV or better hold LĐTT of the year "on_record" (decided on 20 December), or are
    "rated_only" (no title), or "withheld" (rated, LĐTT recorded as not conferred)."""
    b = FactsBuilder().collective("u1")
    if rating is not None:
        b.rating("u1", year, rating)
    n = 0
    for member_rating, count in (members or {"HTTNV": 10}).items():
        for _ in range(count):
            pid = f"m{n:02d}"
            b.person(pid, unit="u1", gender="female" if n < women else "male")
            if member_rating != "unrated":
                good = member_rating in ("HTXSNV", "HTTNV")
                withheld = "months_worked" if good and ldtt == "withheld" else None
                b.rating(pid, year, member_rating, ldtt_withheld=withheld)
                if good and ldtt == "on_record":
                    b.award(pid, "LDTT", year, decided_on=date(year, 12, 20))
            if n < cstdcs_members:
                b.award(pid, "CSTDCS", year)
            n += 1
    for k, level in enumerate(disciplined):
        b.status(f"m{k:02d}", "discipline", date(year, 3, 1), date(year + 1, 2, 28), level=level)
    if bloc_leader:
        b.bloc_leaders(year, ["u1"], total=bloc_leaders_total)
    for s in statuses:
        b.status(s.subject, s.status, s.start, s.end, level=s.level, kind="collective")
    return b.build()


def nominate(
    code: str,
    year: int,
    *,
    kind: str = "person",
    nominee: str | None = None,
    docs: frozenset[str] = FULL_DOCS,
    initiatives: tuple[str, ...] = (),
    regime: str | None = None,
    considered_on: date | None = None,
    id: str = "n1",
    score: float | None = None,
) -> Nomination:
    return Nomination(
        id,
        kind,
        nominee or ("p1" if kind == "person" else "u1"),
        code,
        year=year,
        considered_on=considered_on,
        regime_override=regime,
        documents=docs,
        initiative_ids=initiatives,
        score=score,
    )
