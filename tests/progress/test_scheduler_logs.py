"""The scheduler ticks every few seconds; a bloc whose leader the score cannot decide (a tie, no
vote recorded) is said once in its JSON log, not at every tick, and said again later with how
many repeats were held back."""

from __future__ import annotations

import io
import json
import logging
from datetime import UTC, datetime

import pytest

from servicekit.telemetry import JsonFormatter, RateLimit
from services.progress.jobs import scheduler
from tests.progress.seed import ID, blocs
from tests.progress.test_standings_api import TIMELINESS_ONLY

pytestmark = pytest.mark.infra


async def test_an_undetermined_leader_is_logged_once_while_every_tick_finds_it(seeded, monkeypatch):
    (limit,) = [f for f in scheduler.log.filters if isinstance(f, RateLimit)]
    now = [1000.0]
    monkeypatch.setattr(limit, "_clock", lambda: now[0])
    out = io.StringIO()
    handler = logging.StreamHandler(out)
    handler.setFormatter(JsonFormatter("progress"))
    scheduler.log.addHandler(handler)
    try:
        await seeded.feed_at(datetime(2020, 1, 5, 3, tzinfo=UTC), *blocs())  # assessed live
        head = seeded.officer(ID.stc)
        path = f"/blocs/{ID.bloc}/years/2020/scheme"
        await seeded.put(path, TIMELINESS_ONLY, headers=head, expect=200)
        seeded.clock.set(datetime(2021, 1, 15, 3, tzinfo=UTC))  # the assessment has closed
        for _ in range(4):  # 20 s of ticks
            await seeded.scheduler.tick()
            now[0] += 5
        now[0] += limit.every_s
        await seeded.scheduler.tick()
    finally:
        scheduler.log.removeHandler(handler)

    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    undetermined = [line for line in lines if "leader not determined" in line["message"]]
    assert [line["logger"] for line in undetermined] == ["services.progress.scheduler"] * 2
    first, later = (line["message"] for line in undetermined)
    assert str(ID.bloc) in first and "more like it" not in first
    assert later.startswith(first) and later.endswith(
        f"(3 more like it in {limit.every_s + 20:.0f} s)"
    )
    assert await seeded.outbox("BlocLeaderDetermined") == []
