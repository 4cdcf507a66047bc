"""progress's own topics read back by a rebuild (`read_own_topics`): the bloc head's entries and the
leaders (progress.standings.v1), named schemes, ratings and initiatives. A record read back never
replaces a newer one, so the live service reading its own changes nothing; rankings are
recomputed, not read back."""

from __future__ import annotations

from uuid import UUID

from schemas import progress as p
from schemas.envelope import Envelope
from servicekit.unit_of_work import UnitOfWork
from services.progress import commands, events, store
from services.progress.domain import Adjustment, Initiative, RatingEntry, as_decimal


async def on_standings(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """BlocLeaderDetermined is recorded as the log says (a rebuild may have determined the leader
    itself before reading it: the log wins), BlocLeaderReopened removes it again (the latest of
    the two in the partition stands). Rankings are recomputed, not read back.

    The bloc head's entries are applied as the log has them, whether or not the year's leader
    is recorded (the entries came first): a scheme or a vote record replaces an older one only
    (so the live service reading back its own changes nothing), an adjustment is added once by
    its id. Blocs whose inputs changed are marked for recomputation."""
    con = uow.con
    leaders = {}
    reopened = []
    schemes: dict[tuple[UUID, int], tuple] = {}
    adjustments = []
    votes: dict[tuple[UUID, int], p.BlocVotesRecorded] = {}
    for envelope in envelopes:
        e = envelope.data
        if isinstance(e, p.BlocLeaderDetermined):
            # a later determination of the year follows a reopening: it replaces the first
            leaders[(e.bloc_id, e.year)] = (
                e.bloc_id, e.year, e.leader_unit_id, as_decimal(e.score), e.by_vote
            )  # fmt: skip
        elif isinstance(e, p.BlocLeaderReopened):
            leaders.pop((e.bloc_id, e.year), None)
            reopened.append((e.bloc_id, e.year, e.reopened_at, e.previous_leader_unit_id, e.reason))
        elif isinstance(e, p.BlocSchemeSet):
            schemes[(e.bloc_id, e.year)] = (
                e.bloc_id, e.year, events.scheme_of(e.scheme), e.set_at
            )  # fmt: skip
        elif isinstance(e, p.BlocScoreAdjusted):
            adjustment = Adjustment(e.unit_id, e.kind, as_decimal(e.points), e.reason)
            adjustments.append((e.adjustment_id, e.bloc_id, e.year, adjustment, e.entered_at))
        elif isinstance(e, p.BlocVotesRecorded):
            votes[(e.bloc_id, e.year)] = e  # within a partition, the later record
    await store.leaders.reopen_leaders(
        con, reopened
    )  # before the determinations that followed them
    await store.leaders.save_leaders(con, list(leaders.values()), overwrite=True)
    dirty = await store.scoring.set_bloc_schemes(con, list(schemes.values()))
    dirty += await store.scoring.add_adjustments(con, adjustments)
    for (bloc_id, year), e in votes.items():
        counts = {v.unit_id: v.votes for v in e.votes}
        if await store.scoring.replace_votes(con, bloc_id, year, counts, e.recorded_at):
            dirty.append((bloc_id, year))
    await store.standings.mark_blocs_dirty(con, dirty)


async def on_schemes(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """Named scoring schemes; the blocs referring to a changed one rank again."""
    latest = {
        e.scheme_ref: (events.scheme_of(e.scheme), e.defined_at)
        for envelope in envelopes
        if isinstance(e := envelope.data, p.ScoringSchemeDefined)
    }
    changed = await store.scoring.set_named_schemes(uow.con, list(latest.values()))
    if changed:
        await store.standings.mark_blocs_dirty(
            uow.con, await store.scoring.blocs_with_scheme_ref(uow.con, changed)
        )


async def on_ratings(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    """PerformanceRated carries the entry's id as its event id and its entry time as its time."""
    entries = [
        RatingEntry(
            id=envelope.id,
            subject_kind=e.subject_kind,
            subject_id=e.subject_id,
            year=e.year,
            rating=e.rating,
            unit_id=e.unit_id,
            entered_at=envelope.time,
            ldtt_not_conferred=e.ldtt_not_conferred,
        )
        for envelope in envelopes
        if isinstance(e := envelope.data, p.PerformanceRated)
    ]
    await commands.ratings.apply_ratings(uow, entries)


async def on_initiatives(uow: UnitOfWork, envelopes: list[Envelope]) -> None:
    items = [
        Initiative(
            id=e.initiative_id,
            title=e.title,
            level=e.level,
            recognised_on=e.recognised_on,
            author_ids=tuple(e.author_ids),
            unit_id=e.unit_id,
            kind=e.kind,
            scope=e.scope,
        )
        for envelope in envelopes
        if isinstance(e := envelope.data, p.InitiativeRecognized)
    ]
    await store.initiatives.save_initiatives(uow.con, items)
