"""Annual bulk screening as a service operation: for a year and a unit (with the units below it)
or the whole province, load the facts set-based (`store/facts.for_scope`), let the domain propose
candidates for every yearly title and form (`screen_year`), and store the run, its candidates and
their deduplicated reasons with COPY. How it runs, and what it costs: README, "Annual screening"."""

from __future__ import annotations

import asyncio
import gc
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date
from uuid import UUID, uuid4

import asyncpg

from servicekit.auth import Principal
from servicekit.errors import Invalid
from servicekit.messages import Msg
from servicekit.unit_of_work import UnitOfWork
from services.awards.commands.screening import check_consideration_date
from services.awards.domain import (
    AnnualScreening,
    Candidate,
    Facts,
    RuleResult,
    regime_for,
    screen_year,
)
from services.awards.domain.vocabulary import ELIGIBLE
from services.awards.runtime import Runtime
from services.awards.store import annual as runs
from services.awards.store import facts as factstore
from services.awards.store import readmodel as lookup

CANDIDATE_COLUMNS = (
    "run_id",
    "award_code",
    "position",
    "subject_kind",
    "subject_id",
    "unit_id",
    "over_quota",
    "quota_rank",
    "verdict",
    "initiative_ids",
    "reasons",
)
REASON_COLUMNS = ("run_id", "reason_no", "result")


@dataclass(frozen=True)
class RunSummary:
    run_id: UUID
    year: int
    scope_unit_id: UUID | None
    regime: str
    as_of: date
    people: int
    collectives: int
    screened: int
    candidates: dict[str, int]
    over_quota: dict[str, int]
    timings: dict[str, int]


class Reasons:
    """Numbers the distinct rule results of a run; `fresh` holds those not stored yet.

    Candidates of a run share their common results as one object each (`Evaluation.rule_results`),
    so a result met before is found by identity, before its content is looked at. The objects
    are kept here, so an identity cannot be reused by another result during the run."""

    def __init__(self, run_id: UUID) -> None:
        self.run_id = run_id
        self._numbers: dict[tuple, int] = {}
        self._seen: dict[int, tuple[RuleResult, int]] = {}
        self.fresh: list[tuple] = []

    def __call__(self, results: tuple[RuleResult, ...]) -> list[int]:
        seen, out = self._seen, []
        for r in results:
            known = seen.get(id(r))
            if known is None:
                known = seen[id(r)] = (r, self._number(r))
            out.append(known[1])
        return out

    def _number(self, r: RuleResult) -> int:
        key = (r.rule_id, r.passed, r.citation, r.reason, tuple(r.facts.items()))
        n = self._numbers.get(key)
        if n is None:
            n = self._numbers[key] = len(self._numbers) + 1
            text = json.dumps(
                {
                    "rule_id": r.rule_id,
                    "passed": r.passed,
                    "citation": r.citation,
                    "facts": r.facts,
                    "reason": r.reason,
                },
                ensure_ascii=False,
                separators=(",", ":"),
            )
            self.fresh.append((self.run_id, n, text))
        return n

    def take(self) -> list[tuple]:
        fresh, self.fresh = self.fresh, []
        return fresh


Item = tuple[str, int, Candidate, bool]


def items(result: AnnualScreening) -> list[Item]:
    """(award, position, candidate, over quota) of every candidate, in the stored order."""
    out: list[Item] = []
    for code, won in result.candidates.items():
        position = 0
        for position, c in enumerate(won, 1):
            out.append((code, position, c, False))
        for extra, c in enumerate(result.over_quota.get(code, ()), position + 1):
            out.append((code, extra, c, True))
    return out


_NULL = "\\N"
CHUNK = 5_000
"""Candidates explained per turn of the worker thread; PostgreSQL takes in one chunk while the
next is explained."""


def lines(run_id: UUID, facts: Facts, chunk: list[Item], explain: bool, reasons: Reasons) -> bytes:
    """The candidates as COPY text (tab-separated, `\\N` for null), numbering the reasons first
    met among them. No field needs escaping: each is a uuid, a number, a boolean or a code of the
    vocabulary. `explain`: with every rule's result (each candidate explains itself: most of the
    cost); over-quota candidates are always explained, their failing quota rule is the point."""
    run = str(run_id)
    persons = facts.persons
    out: list[str] = []
    for code, position, c, over in chunk:
        subject = c.subject_id
        if c.kind == "person":
            p = persons.get(subject)
            unit = p.unit_id if p is not None else _NULL
        else:
            unit = subject
        rank = c.quota_rank
        if explain or over:
            verdict, results = c.explain()
            numbers = "{" + ",".join(map(str, reasons(results))) + "}"
        else:
            verdict, numbers = ELIGIBLE, _NULL
        out.append(
            f"{run}\t{code}\t{position}\t{c.kind}\t{subject}\t{unit}\t{'t' if over else 'f'}\t"
            f"{_NULL if rank is None else rank}\t{verdict}\t{{{','.join(c.initiative_ids)}}}\t"
            f"{numbers}\n"
        )
    return "".join(out).encode()


async def run(
    uow: UnitOfWork,
    rt: Runtime,
    who: Principal,
    *,
    year: int,
    scope_unit_id: UUID | None,
    as_of: date | None = None,
    campaign_id: UUID | None = None,
) -> RunSummary:
    con, now = uow.con, rt.today()
    if year > now.year:
        raise Invalid.at("#/year", Msg("the year {year} is in the future", year=year), "future")
    if scope_unit_id is not None and await lookup.unit(con, scope_unit_id) is None:
        raise Invalid.at("#/scope_unit_id", "no such unit", "unknown_unit")
    override = None
    if campaign_id is not None:
        c = await lookup.campaign(con, campaign_id)
        if c is None:
            raise Invalid.at("#/campaign_id", "no such campaign", "unknown_campaign")
        if str(regime_for(date(year, 12, 31))) != c["regime"]:
            override = c["regime"]
    if as_of is not None:
        check_consideration_date(as_of, now, date(year, 12, 31), "#/as_of")
    as_of = as_of or now  # the consideration date: the day the proposals are made
    timings: dict[str, int] = {}
    run_id = uuid4()
    scope = str(scope_unit_id) if scope_unit_id is not None else None
    explain = rt.cfg.annual_store_reasons
    # The snapshot is millions of objects, none of them garbage: the cyclic collector would walk
    # them again and again while the run allocates (a third of the time, measured). Reference
    # counting still frees what the run drops; the collector resumes afterwards.
    collecting = gc.isenabled()
    gc.disable()
    try:
        started = time.perf_counter()
        facts = await factstore.for_scope(con, year, scope_unit_id, rt.pool)
        timings["load_ms"] = _ms(started)

        started = time.perf_counter()
        result = await asyncio.to_thread(
            screen_year, facts, year, scope, rt.cfg.screening, as_of=as_of, regime=override
        )
        timings["screen_ms"] = _ms(started)

        started = time.perf_counter()
        reasons = Reasons(run_id)
        stored = await _explain_and_store(con, run_id, facts, items(result), explain, reasons)
        timings["explain_and_store_ms"] = _ms(started)
        timings["distinct_reasons"] = stored

        if scope is None:
            people = len(facts.persons)
            collectives = len(facts.collectives)
        else:
            units = facts.units_under(scope)
            people = sum(1 for p in facts.persons.values() if p.unit_id in units)
            collectives = len(units)
        summary = RunSummary(
            run_id=run_id,
            year=year,
            scope_unit_id=scope_unit_id,
            regime=str(result.regime),
            as_of=as_of,
            people=people,
            collectives=collectives,
            screened=result.screened,
            candidates={k: len(v) for k, v in result.candidates.items()},
            over_quota={k: len(v) for k, v in result.over_quota.items()},
            timings=timings,
        )
        # Freed by reference counting now: the collector, once back, would otherwise walk them
        # all (never collected, every object of the run is still in the youngest generation).
        del facts, result, reasons
    finally:
        if collecting:
            gc.enable()

    await runs.insert_run(
        con,
        run_id,
        year=year,
        scope_unit_id=scope_unit_id,
        regime=summary.regime,
        as_of=as_of,
        campaign_id=campaign_id,
        run_by=who.sub,
        people=summary.people,
        collectives=summary.collectives,
        screened=summary.screened,
        candidates=sum(summary.candidates.values()),
        reasons_stored=explain,
        timings=timings,
    )
    return summary


async def _explain_and_store(
    con: asyncpg.Connection,
    run_id: UUID,
    facts: Facts,
    todo: list[Item],
    explain: bool,
    reasons: Reasons,
) -> int:
    """COPY the candidates while a worker thread explains them chunk by chunk: PostgreSQL takes
    in one chunk while the next is explained. The worker writes COPY text, so the event loop
    only passes bytes on (binary COPY would encode every value on the loop, taking turns with
    the worker at the interpreter lock: measured slower). Then the reasons first met. Returns
    the distinct reasons stored."""

    async def chunks() -> AsyncIterator[bytes]:
        for start in range(0, len(todo), CHUNK):
            part = todo[start : start + CHUNK]
            yield await asyncio.to_thread(lines, run_id, facts, part, explain, reasons)

    if todo:
        await con.copy_to_table(
            "annual_candidates", source=chunks(), columns=CANDIDATE_COLUMNS, format="text"
        )
    fresh = reasons.take()
    if fresh:
        await con.copy_records_to_table("annual_reasons", records=fresh, columns=REASON_COLUMNS)
    return len(fresh)


async def rule_results(
    con: asyncpg.Connection, run_id: UUID, numbers: list[list[int] | None]
) -> list[list[dict] | None]:
    """The rule results of candidates, from their reasons' numbers."""
    wanted = sorted({n for ns in numbers if ns for n in ns})
    found = await runs.reasons(con, run_id, wanted)
    return [None if ns is None else [found[n] for n in ns] for ns in numbers]


def _ms(started: float) -> int:
    return round((time.perf_counter() - started) * 1000)
