"""The read model, from registry and progress events: one batch handler per consumed topic, each
writing its batch with a few set-based statements (unnest of arrays); the last event of an
aggregate wins, within a batch as across batches. The topics and events: README, "Read model"."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from typing import Any
from uuid import UUID

import asyncpg

from schemas import progress as p
from schemas import registry as r
from schemas.envelope import Envelope
from servicekit.consumer import Consumer
from servicekit.unit_of_work import UnitOfWork
from services.awards.config import AwardsConfig

BatchHandler = Callable[[UnitOfWork, list[Envelope]], Awaitable[None]]


def _columns(rows: list[tuple], n: int) -> list[list[Any]]:
    return [[row[i] for row in rows] for i in range(n)]


# ---- registry.units.v1 -------------------------------------------------------------------------


async def on_units(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    versions: dict[UUID, tuple] = {}
    closures: dict[UUID, date] = {}
    merges: dict[UUID, tuple[UUID, date]] = {}
    statuses: dict[UUID, tuple] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, r.UnitStatusChanged):
            statuses[e.status_id] = (
                e.status_id, e.unit_id, e.kind, e.discipline_level, e.start, e.end
            )  # fmt: skip
        elif isinstance(e, r.UnitRegistered | r.UnitChanged):
            before = versions.get(e.unit_id)
            if before is None or before[7] <= e.valid_from:
                versions[e.unit_id] = (
                    e.unit_id, e.code, e.name, e.kind, e.level, e.parent_id, e.valid_to,
                    e.valid_from,
                )  # fmt: skip
        elif isinstance(e, r.UnitClosed):
            closures[e.unit_id] = e.closed_on
        elif isinstance(e, r.UnitMerged):
            for merged in e.merged_unit_ids:
                merges[merged] = (e.unit_id, e.effective_on)
    await upsert_units(uow.con, list(versions.values()))
    if closures:
        await uow.con.execute(
            "UPDATE rm_units u SET valid_to = c.closed_on"
            " FROM unnest($1::uuid[], $2::date[]) AS c(unit_id, closed_on)"
            " WHERE u.unit_id = c.unit_id",
            list(closures),
            list(closures.values()),
        )
    if merges:
        await uow.con.execute(
            "UPDATE rm_units u SET valid_to = m.effective_on, merged_into = m.successor"
            " FROM unnest($1::uuid[], $2::uuid[], $3::date[])"
            "   AS m(unit_id, successor, effective_on)"
            " WHERE u.unit_id = m.unit_id",
            list(merges),
            [s for s, _ in merges.values()],
            [d for _, d in merges.values()],
        )
    await upsert_statuses(uow.con, "rm_unit_statuses", "unit_id", list(statuses.values()))


async def upsert_units(con: asyncpg.Connection, rows: list[tuple]) -> None:
    if not rows:
        return
    await con.execute(
        """
        INSERT INTO rm_units (unit_id, code, name, kind, level, parent_id, valid_to, valid_from)
        SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                             $6::uuid[], $7::date[], $8::date[])
        ON CONFLICT (unit_id) DO UPDATE SET
            code = EXCLUDED.code, name = EXCLUDED.name, kind = EXCLUDED.kind,
            level = EXCLUDED.level, parent_id = EXCLUDED.parent_id,
            valid_to = EXCLUDED.valid_to, valid_from = EXCLUDED.valid_from
        WHERE rm_units.valid_from <= EXCLUDED.valid_from
        """,
        *_columns(rows, 8),
    )


# ---- registry.people.v1 ------------------------------------------------------------------------


async def on_people(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    versions: dict[UUID, tuple] = {}
    statuses: dict[UUID, tuple] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, r.PersonRegistered | r.PersonChanged):
            before = versions.get(e.person_id)
            if before is None or before[5] <= e.valid_from:
                versions[e.person_id] = (
                    e.person_id, e.full_name, e.gender, e.unit_id, e.position, e.valid_from
                )  # fmt: skip
        elif isinstance(e, r.PersonStatusChanged):
            statuses[e.status_id] = (
                e.status_id, e.person_id, e.kind, e.discipline_level, e.start, e.end
            )  # fmt: skip
    if versions:
        await uow.con.execute(
            """
            INSERT INTO rm_people (person_id, full_name, gender, unit_id, position, valid_from)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::uuid[], $5::text[],
                                 $6::date[])
            ON CONFLICT (person_id) DO UPDATE SET
                full_name = EXCLUDED.full_name, gender = EXCLUDED.gender,
                unit_id = EXCLUDED.unit_id, position = EXCLUDED.position,
                valid_from = EXCLUDED.valid_from
            WHERE rm_people.valid_from <= EXCLUDED.valid_from
            """,
            *_columns(list(versions.values()), 6),
        )
    await upsert_statuses(uow.con, "rm_person_statuses", "person_id", list(statuses.values()))


async def upsert_statuses(
    con: asyncpg.Connection, table: str, subject: str, rows: list[tuple]
) -> None:
    """Status periods (status_id, subject id, kind, discipline_level, start, end) of people
    (rm_person_statuses, person_id) or collectives (rm_unit_statuses, unit_id): the last state
    of each status wins."""
    if not rows:
        return
    await con.execute(
        f"""
        INSERT INTO {table} (status_id, {subject}, kind, discipline_level, start_on, end_on)
        SELECT * FROM unnest($1::uuid[], $2::uuid[], $3::text[], $4::text[], $5::date[],
                             $6::date[])
        ON CONFLICT (status_id) DO UPDATE SET
            {subject} = EXCLUDED.{subject}, kind = EXCLUDED.kind,
            discipline_level = EXCLUDED.discipline_level, start_on = EXCLUDED.start_on,
            end_on = EXCLUDED.end_on
        """,
        *_columns(rows, 6),
    )


# ---- registry.blocs.v1 -------------------------------------------------------------------------


async def on_blocs(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    formed: dict[tuple[UUID, int], tuple] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, r.BlocFormed):
            formed[(e.bloc_id, e.year)] = (e.bloc_id, e.year, e.code, e.name, e.kind)
    if formed:
        await uow.con.execute(
            """
            INSERT INTO rm_blocs (bloc_id, year, code, name, kind)
            SELECT * FROM unnest($1::uuid[], $2::int[], $3::text[], $4::text[], $5::text[])
            ON CONFLICT (bloc_id, year) DO UPDATE SET
                code = EXCLUDED.code, name = EXCLUDED.name, kind = EXCLUDED.kind
            """,
            *_columns(list(formed.values()), 5),
        )


# ---- registry.campaigns.v1 ---------------------------------------------------------------------


async def on_campaigns(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    launched: dict[UUID, tuple] = {}
    closed: dict[UUID, date] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, r.CampaignLaunched):
            launched[e.campaign_id] = (
                e.campaign_id, e.code, e.title, e.kind, e.regime, e.start, e.end
            )  # fmt: skip
        elif isinstance(e, r.CampaignClosed):
            closed[e.campaign_id] = e.closed_on
    if launched:
        await uow.con.execute(
            """
            INSERT INTO rm_campaigns (campaign_id, code, title, kind, regime, start_on, end_on)
            SELECT * FROM unnest($1::uuid[], $2::text[], $3::text[], $4::text[], $5::text[],
                                 $6::date[], $7::date[])
            ON CONFLICT (campaign_id) DO UPDATE SET
                code = EXCLUDED.code, title = EXCLUDED.title, kind = EXCLUDED.kind,
                regime = EXCLUDED.regime, start_on = EXCLUDED.start_on, end_on = EXCLUDED.end_on
            """,
            *_columns(list(launched.values()), 7),
        )
    if closed:
        await uow.con.execute(
            "UPDATE rm_campaigns c SET closed_on = x.closed_on"
            " FROM unnest($1::uuid[], $2::date[]) AS x(campaign_id, closed_on)"
            " WHERE c.campaign_id = x.campaign_id",
            list(closed),
            list(closed.values()),
        )


# ---- progress.ratings.v1 -----------------------------------------------------------------------


async def on_ratings(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    latest: dict[tuple[str, UUID, int], tuple] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, p.PerformanceRated):
            key = (e.subject_kind, e.subject_id, e.year)
            latest[key] = (
                e.subject_kind, e.subject_id, e.year, e.rating, e.unit_id, e.ldtt_not_conferred
            )  # fmt: skip
    if latest:
        await uow.con.execute(
            """
            INSERT INTO rm_ratings (subject_kind, subject_id, year, rating, unit_id,
                                    ldtt_not_conferred)
            SELECT * FROM unnest($1::text[], $2::uuid[], $3::int[], $4::text[], $5::uuid[],
                                 $6::text[])
            ON CONFLICT (subject_kind, subject_id, year) DO UPDATE SET
                rating = EXCLUDED.rating, unit_id = EXCLUDED.unit_id,
                ldtt_not_conferred = EXCLUDED.ldtt_not_conferred
            """,
            *_columns(list(latest.values()), 6),
        )


# ---- progress.initiatives.v1 -------------------------------------------------------------------


async def on_initiatives(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    latest: dict[UUID, tuple] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, p.InitiativeRecognized):
            # author lists travel as one text value each: unnest cannot take an array of arrays
            authors = "{" + ",".join(str(a) for a in e.author_ids) + "}"
            latest[e.initiative_id] = (
                e.initiative_id, e.title, e.level, e.recognised_on, authors, e.unit_id, e.kind,
                e.scope,
            )  # fmt: skip
    if latest:
        await uow.con.execute(
            """
            INSERT INTO rm_initiatives
                (initiative_id, title, level, recognised_on, author_ids, unit_id, kind, scope)
            SELECT i, t, l, d, a::uuid[], u, k, s
              FROM unnest($1::uuid[], $2::text[], $3::text[], $4::date[], $5::text[],
                          $6::uuid[], $7::text[], $8::text[]) AS x(i, t, l, d, a, u, k, s)
            ON CONFLICT (initiative_id) DO UPDATE SET
                title = EXCLUDED.title, level = EXCLUDED.level,
                recognised_on = EXCLUDED.recognised_on, author_ids = EXCLUDED.author_ids,
                unit_id = EXCLUDED.unit_id, kind = EXCLUDED.kind, scope = EXCLUDED.scope
            """,
            *_columns(list(latest.values()), 8),
        )


# ---- progress.standings.v1 ---------------------------------------------------------------------


async def on_standings(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """The year's leader as last determined; a reopening (BlocLeaderReopened) removes it until
    it is determined again, so R09 no longer sees a bloc leader that does not stand."""
    leaders: dict[tuple[UUID, int], tuple] = {}
    reopened: set[tuple[UUID, int]] = set()
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, p.BlocLeaderDetermined):
            leaders[(e.bloc_id, e.year)] = (
                e.bloc_id, e.year, e.leader_unit_id, e.score, e.by_vote
            )  # fmt: skip
        elif isinstance(e, p.BlocLeaderReopened):
            leaders.pop((e.bloc_id, e.year), None)
            reopened.add((e.bloc_id, e.year))
    if reopened:
        await uow.con.execute(
            """
            DELETE FROM rm_bloc_leaders l USING unnest($1::uuid[], $2::int[]) AS x(bloc_id, year)
            WHERE l.bloc_id = x.bloc_id AND l.year = x.year
            """,
            [b for b, _ in reopened],
            [y for _, y in reopened],
        )
    if leaders:
        await uow.con.execute(
            """
            INSERT INTO rm_bloc_leaders (bloc_id, year, leader_unit_id, score, by_vote)
            SELECT * FROM unnest($1::uuid[], $2::int[], $3::uuid[], $4::float8[], $5::bool[])
            ON CONFLICT (bloc_id, year) DO UPDATE SET
                leader_unit_id = EXCLUDED.leader_unit_id, score = EXCLUDED.score,
                by_vote = EXCLUDED.by_vote
            """,
            *_columns(list(leaders.values()), 5),
        )


# ---- registry.occasions.v1 --------------------------------------------------------------------


async def on_occasions(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    latest = {
        e.occasion_id: (e.occasion_id, e.code, e.name, e.starts_on, e.ends_on)
        for envelope in envelopes
        if isinstance(e := envelope.data, r.OccasionDefined)
    }
    if latest:
        await uow.con.executemany(
            "INSERT INTO rm_occasions (occasion_id, code, name, starts_on, ends_on)"
            " VALUES ($1, $2, $3, $4, $5) ON CONFLICT (occasion_id) DO UPDATE SET"
            " code = EXCLUDED.code, name = EXCLUDED.name, starts_on = EXCLUDED.starts_on,"
            " ends_on = EXCLUDED.ends_on",
            list(latest.values()),
        )


HANDLERS: dict[str, BatchHandler] = {
    "registry.units.v1": on_units,
    "registry.people.v1": on_people,
    "registry.blocs.v1": on_blocs,
    "registry.campaigns.v1": on_campaigns,
    "registry.occasions.v1": on_occasions,
    "progress.ratings.v1": on_ratings,
    "progress.initiatives.v1": on_initiatives,
    "progress.standings.v1": on_standings,
}
"""Catalog topic → its batch handler."""


def subscriber(cfg: AwardsConfig) -> Callable[[Consumer], None]:
    """The `subscribe` of build_app: a batch handler on each consumed topic (after topic_map)."""

    def subscribe(consumer: Consumer) -> None:
        consumer.max_records = cfg.batch_size
        for topic, handler in HANDLERS.items():
            consumer.batch_handler(cfg.topic(topic))(handler)

    return subscribe


async def apply(uow: UnitOfWork, topic: str, envelopes: list[Envelope]) -> None:
    """Apply envelopes of a catalog topic directly (tests, and tools that load a read model
    without Kafka). The consumer's inbox is not involved."""
    await HANDLERS[topic](uow, envelopes)
