"""Annual screening: a province of 100,000 people and their collectives with five years of
ratings, initiatives and award history, screened for every yearly title and form with every
reason stored (`POST /annual-screenings {"year": Y}` on the awards app, in-process).

Baseline: the same rules through the single-nomination path — per (subject, award): the facts of
that one nomination (`factstore.for_nominations`) and the domain's `screen` — on a sample of
subjects, extrapolated to the run's subject × award pairs (the output says so).
"""

from __future__ import annotations

import random
import time
from datetime import date
from typing import Literal
from uuid import UUID

import httpx

from bench.harness import Context, Result
from servicekit.settings import ServiceSettings
from services.awards.app import create
from services.awards.config import AwardsConfig
from services.awards.domain import Nomination, screen
from services.awards.domain.annual import COLLECTIVE_CASCADE, PERSON_CASCADE
from services.awards.runtime import FixedClock
from services.awards.store import facts as factstore

YEAR = 2024
SAMPLE = 100  # subjects screened one nomination at a time for the baseline


def province_sql(people: int, year: int) -> str:
    """The read model of a province of `people` people in units of 200 under 10 departments,
    five years of ratings, award history, initiatives, pending statuses, blocs and their
    leaders, written set-based (tests/awards/test_annual.py screens it too, checking the result)."""
    units = max(1, people // 200)
    return f"""
    INSERT INTO rm_units (unit_id, code, name, kind, level, parent_id, valid_from)
    VALUES ('00000000-0000-4000-8000-000000000000', 'P', 'Tỉnh', 'provincial_committee',
            'province', NULL, '2000-01-01');
    INSERT INTO rm_units (unit_id, code, name, kind, level, parent_id, valid_from)
    SELECT ('00000000-0000-4000-8001-' || lpad(to_hex(d), 12, '0'))::uuid, 'D' || d,
           'Sở ' || d, 'department', 'province',
           '00000000-0000-4000-8000-000000000000', '2000-01-01'
      FROM generate_series(1, 10) d;
    INSERT INTO rm_units (unit_id, code, name, kind, level, parent_id, valid_from)
    SELECT ('00000000-0000-4000-8002-' || lpad(to_hex(u), 12, '0'))::uuid, 'U' || u,
           'Phòng ' || u, 'department', 'province',
           ('00000000-0000-4000-8001-' || lpad(to_hex(1 + u % 10), 12, '0'))::uuid, '2000-01-01'
      FROM generate_series(1, {units}) u;
    INSERT INTO rm_people (person_id, full_name, gender, unit_id, position, valid_from)
    SELECT ('00000000-0000-4000-8003-' || lpad(to_hex(i), 12, '0'))::uuid,
           'Nguyễn Văn ' || i, CASE WHEN i % 2 = 0 THEN 'female' ELSE 'male' END,
           ('00000000-0000-4000-8002-' || lpad(to_hex(1 + i % {units}), 12, '0'))::uuid,
           'Chuyên viên', '2000-01-01'
      FROM generate_series(1, {people}) i;
    SELECT setseed(0.42);
    INSERT INTO rm_ratings (subject_kind, subject_id, year, rating, unit_id)
    SELECT 'person', p.person_id, y,
           (ARRAY['HTXSNV','HTTNV','HTTNV','HTTNV','HTNV','KHTNV'])[1 + floor(random() * 6)],
           p.unit_id
      FROM rm_people p, generate_series({year - 4}, {year}) y;
    INSERT INTO rm_ratings (subject_kind, subject_id, year, rating, unit_id)
    SELECT 'collective', u.unit_id, y,
           (ARRAY['HTXSNV','HTTNV','HTNV'])[1 + floor(random() * 3)], u.unit_id
      FROM rm_units u, generate_series({year - 4}, {year}) y;
    INSERT INTO award_history (award_id, subject_kind, subject_id, award_code, period_start,
           period_end, decided_on, decision_number, source)
    SELECT gen_random_uuid(), 'person', r.subject_id, 'CSTDCS', make_date(r.year, 1, 1),
           make_date(r.year, 12, 31), make_date(r.year, 12, 20), r.year || '/QĐ', 'import'
      FROM rm_ratings r
     WHERE r.subject_kind = 'person' AND r.year < {year} AND r.rating = 'HTXSNV'
       AND random() < 0.5;
    INSERT INTO award_history (award_id, subject_kind, subject_id, award_code, period_start,
           period_end, decided_on, decision_number, source)
    SELECT gen_random_uuid(), 'person', person_id, 'BK_TINH', make_date({year - 6}, 1, 1),
           make_date({year - 5}, 12, 31), make_date({year - 4}, 3, 1), 'BK/QĐ', 'import'
      FROM rm_people WHERE random() < 0.02;
    INSERT INTO rm_initiatives (initiative_id, title, level, recognised_on, author_ids, unit_id)
    SELECT gen_random_uuid(), 'Sáng kiến',
           (ARRAY['grassroots','grassroots','grassroots','provincial'])[1 + floor(random()*4)],
           make_date({year - 2} + floor(random() * 3)::int, 6, 1), ARRAY[person_id], unit_id
      FROM rm_people WHERE random() < 0.25;
    INSERT INTO rm_person_statuses (status_id, person_id, kind, start_on)
    SELECT gen_random_uuid(), person_id, 'investigation', make_date({year}, 6, 1)
      FROM rm_people WHERE random() < 0.01;
    INSERT INTO rm_blocs (bloc_id, year, code, name, kind)
    SELECT ('00000000-0000-4000-8004-' || lpad(to_hex(b), 12, '0'))::uuid, {year}, 'K' || b,
           'Khối ' || b, 'bloc'
      FROM generate_series(1, 50) b;
    INSERT INTO rm_bloc_leaders (bloc_id, year, leader_unit_id, score, by_vote)
    SELECT ('00000000-0000-4000-8004-' || lpad(to_hex(b), 12, '0'))::uuid, {year},
           ('00000000-0000-4000-8002-' || lpad(to_hex(b * 7), 12, '0'))::uuid, 90 + b % 7, true
      FROM generate_series(1, 50) b;
    ANALYZE;
    """


async def run(ctx: Context) -> list[Result]:
    people = ctx.n(100_000)
    async with ctx.database() as dsn:
        settings = ServiceSettings(
            service="awards",
            database_url=dsn,
            kafka_bootstrap=ctx.bootstrap,
            jwks_file=ctx.jwks(),
            log_level="WARNING",
        )
        app = create(settings, AwardsConfig(consume=False), clock=FixedClock(date(YEAR + 1, 1, 15)))
        async with app.router.lifespan_context(app):
            relay = app.state.service.relay
            if relay is not None:
                await relay.stop()  # nothing of this run is to be published
            pool = app.state.service.pool
            await pool.execute(province_sql(people, YEAR))
            token = ctx.token(sub="bench", roles=["province_admin"])
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(
                transport=transport, base_url="http://awards", timeout=600
            ) as client:
                started = time.perf_counter()
                res = await client.post(
                    "/annual-screenings",
                    json={"year": YEAR},
                    headers={"Authorization": f"Bearer {token}"},
                )
                elapsed = time.perf_counter() - started
            if res.status_code != 201:
                raise RuntimeError(f"annual screening answered {res.status_code}: {res.text}")
            summary = res.json()
            stored = await pool.fetchval(
                "SELECT count(*) FROM annual_candidates WHERE reasons IS NOT NULL"
            )
            per_pair = await single_nomination_seconds(pool, app.state.awards.cfg.screening)
    pairs = summary["screened"]
    baseline = per_pair * pairs
    return [
        Result(
            "annual screening",
            elapsed,
            "s",
            "≤ 10 s",
            elapsed <= 10,
            lower_is_better=True,
            baseline=baseline,
            baseline_name=f"one nomination at a time, {SAMPLE} subjects extrapolated",
            note=f"{summary['people']:,} people and {summary['collectives']:,} collectives, "
            f"{pairs:,} subject×award pairs, {stored:,} candidates stored with reasons; "
            f"stages (ms): {summary['timings']}; baseline: {per_pair * 1e3:.2f} ms per pair "
            f"(facts of one nomination + screen) × {pairs:,} pairs",
            extra={"summary": summary, "baseline_ms_per_pair": per_pair * 1e3},
        )
    ]


async def single_nomination_seconds(pool, config) -> float:
    """Seconds per (subject, award) through the single-nomination path, on a sample."""
    rnd = random.Random(7)
    async with pool.acquire() as con:
        persons = [r[0] for r in await con.fetch("SELECT person_id FROM rm_people")]
        units = [r[0] for r in await con.fetch("SELECT unit_id FROM rm_units WHERE code LIKE 'U%'")]
        sample: list[tuple[Literal["person", "collective"], UUID, str]] = []
        for p in rnd.sample(persons, min(len(persons), SAMPLE)):
            sample += [("person", p, code) for code in PERSON_CASCADE]
        for u in rnd.sample(units, min(len(units), max(1, SAMPLE // 20))):
            sample += [("collective", u, code) for code in COLLECTIVE_CASCADE]
        started = time.perf_counter()
        for n, (kind, subject, code) in enumerate(sample):
            facts = await factstore.for_nominations(
                con,
                persons=[subject] if kind == "person" else [],
                collectives=[subject] if kind == "collective" else [],
            )
            nomination = Nomination(
                id=str(n),
                kind=kind,
                nominee_id=str(subject),
                code=code,
                year=YEAR,
                considered_on=date(YEAR + 1, 1, 15),
            )
            screen(nomination, facts, config)
        return (time.perf_counter() - started) / len(sample)
