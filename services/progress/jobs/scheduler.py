"""The service's timed work, as asyncio tasks of its process: reminders (ReportDueSoon,
ReportOverdue; each (target, kind, period) recorded in `notices_sent` in the transaction that
publishes it, so two instances send it once), the day's standings (every bloc of this year and
last marked when the day changes), the leaders of the years whose assessment has closed, and the
standings worker (`commands.standings.recompute_dirty`). Which deadlines are judged, and against
which day: the service README, "Reminders" and "Leader"."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import date, datetime, timedelta
from datetime import time as clock_time

import asyncpg

from servicekit.telemetry import rate_limit
from servicekit.unit_of_work import UnitOfWork
from services.progress import commands, events, store
from services.progress.config import Clock, ProgressConfig, today
from services.progress.domain import due_notices
from services.progress.domain.model import VIETNAM

# a tick every few seconds repeats "leader not determined" while nothing changes: once in 5 min
log = rate_limit(logging.getLogger("services.progress.scheduler"))

MAX_NOTICES = 10_000
BUSY_SHARE = 0.2
"""The largest share of the event loop's time the timed work takes."""


async def send_reminders(pool: asyncpg.Pool, config: ProgressConfig, day: date) -> int:
    """Publish the reminders due on `day` not sent before. Returns how many were published."""
    async with UnitOfWork(pool, source=events.SOURCE, topic_map=config.topic_map) as uow:
        candidates = await store.notices.unreported_targets(
            uow.con,
            due_by=day + timedelta(days=config.due_lead_days),
            since=day - timedelta(days=config.overdue_window_days),
            limit=MAX_NOTICES,
        )
        sent = {(kind, t.id, period) for t, keys in candidates for kind, period in keys}
        notices = due_notices(
            [t for t, _ in candidates], (), day, config.due_lead_days, already_sent=sent
        )
        before = day - timedelta(days=config.overdue_window_days)
        missed = await store.notices.missed_in_the_record(
            uow.con,
            reported_since=datetime.combine(before, clock_time.min, VIETNAM),
            before=before,
            limit=MAX_NOTICES,
        )
        for target, keys, reached in missed:  # judged as of the day the record reached
            sent = {(kind, target.id, period) for kind, period in keys}
            notices += due_notices([target], (), reached, already_sent=sent)
        recorded = await store.notices.record_notices(
            uow.con, [(n.target.id, n.kind, n.period) for n in notices]
        )
        published = 0
        for n in notices:
            if (n.target.id, n.kind, n.period) in recorded:
                event, eid = events.notice(n)
                await uow.publish(event, event_id=eid)
                published += 1
    return published


async def determine_year_end_leaders(pool: asyncpg.Pool, config: ProgressConfig, day: date) -> int:
    """Leaders the score or a recorded vote decides, of the blocs whose year's assessment has
    closed (`assessment_closes`) and that were formed before it closed: assessed live. A year
    recorded after the fact, or reopened, waits for an explicit act."""
    async with UnitOfWork(pool, source=events.SOURCE, topic_map=config.topic_map) as uow:
        pending = [
            (bloc_id, year)
            for bloc_id, year, formed_at in await store.leaders.blocs_awaiting_leader(
                uow.con, day.year
            )
            if day >= config.assessment_closes(year)
            and formed_at is not None
            and formed_at.astimezone(VIETNAM).date() < config.assessment_closes(year)
        ]
        done = 0
        for bloc_id, year in pending:
            decision, recorded = await commands.standings.determine(uow, config, bloc_id, year, day)
            done += recorded
            if not decision.determined:
                log.info("bloc %s %d: leader not determined: %s", bloc_id, year, decision.reason)
    return done


class Scheduler:
    def __init__(self, pool: asyncpg.Pool, config: ProgressConfig, clock: Clock) -> None:
        self.pool, self.config, self.clock = pool, config, clock
        self._day: date | None = None
        self._tasks: list[asyncio.Task[None]] = []

    async def tick(self) -> None:
        """One round of the timed work (tests call it directly)."""
        day = today(self.clock)
        await send_reminders(self.pool, self.config, day)
        if day != self._day:
            await store.standings.mark_year_dirty(self.pool, day.year)
            # and last year's: its last deadlines passed
            await store.standings.mark_year_dirty(self.pool, day.year - 1)
            self._day = day
        await determine_year_end_leaders(self.pool, self.config, day)

    async def standings(self) -> None:
        """One round of the standings worker: every bloc marked so far, once. Marks made during
        the round wait for the next one (a round that looped until none were left never ended
        while batches kept coming, and took the process's time from them)."""
        limit = commands.standings.BLOCS_PER_ROUND
        while await commands.standings.recompute_dirty(self.pool, self.config, self.clock) == limit:
            pass

    def start(self, *, timed: bool = True) -> None:
        interval = self.config.standings_interval_seconds
        self._tasks.append(
            asyncio.create_task(_every(interval, self.standings, "standings", first_delay=interval))
        )
        if timed:
            self._tasks.append(
                asyncio.create_task(
                    _every(
                        self.config.scheduler_interval_seconds,
                        self.tick,
                        "scheduler",
                        first_delay=self.config.scheduler_start_delay_seconds,
                    )
                )
            )

    async def stop(self) -> None:
        tasks, self._tasks = self._tasks, []
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task


async def _every(
    interval: float, work: Callable[[], Awaitable[None]], name: str, first_delay: float = 0.0
) -> None:
    """Run `work` every `interval` seconds, but leave the process (its consumer and its HTTP
    requests share the event loop) at least BUSY_SHARE of the time: after a round that took t
    seconds, wait at least t × (1 − BUSY_SHARE) / BUSY_SHARE. During a burst or a rebuild the
    standings are then recomputed less often, not more."""
    await asyncio.sleep(first_delay)
    while True:
        started = time.monotonic()
        try:
            await work()
        except Exception:  # a failed round is logged and tried again at the next one
            log.exception("progress %s round failed", name)
        took = time.monotonic() - started
        await asyncio.sleep(max(interval, took * (1 - BUSY_SHARE) / BUSY_SHARE))
