"""docs/examples/consumer.py, run as an integrator would run it, against the real broker: it
consumes from offset zero, applies each event once even when the topic holds it twice (a relay
retry does that), commits its offsets, and a new group replays the topic without applying twice."""

from __future__ import annotations

import dataclasses
import json
import sqlite3
import subprocess
import sys
from pathlib import Path
from uuid import uuid4

import pytest

from schemas import registry
from schemas.envelope import to_message
from schemas.examples import example
from tests.runtime.helpers_runtime import produce

pytestmark = pytest.mark.infra

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "docs" / "examples" / "consumer.py"


def run(bootstrap: str, topic: str, group: str, db: Path) -> list[dict]:
    done = subprocess.run(
        [sys.executable, str(EXAMPLE), "--bootstrap", bootstrap, "--topic", topic,
         "--group", group, "--db", str(db), "--idle", "4"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


async def test_the_example_consumer_applies_each_event_once(kafka_bootstrap, fresh_topic, tmp_path):
    topic = await fresh_topic(partitions=1)
    events = [example(registry.UnitRegistered), example(registry.UnitClosed)]
    first, second = (to_message(e, source="/thidua/registry") for e in events)
    messages = [first, second, first]  # the first again, same ce_id: redelivered
    await produce(kafka_bootstrap, [dataclasses.replace(m, topic=topic) for m in messages])
    db, group = tmp_path / "consumer.sqlite", f"example.{uuid4().hex[:8]}"

    out = run(kafka_bootstrap, topic, group, db)
    assert [(o["outcome"], o["offset"]) for o in out] == [
        ("applied", 0),
        ("applied", 1),
        ("duplicate", 2),
    ]
    with sqlite3.connect(db) as con:
        rows = con.execute("SELECT ce_id, type FROM events ORDER BY rowid").fetchall()
    assert rows == [(str(first.event_id), events[0].ce_type()), (str(second.event_id),
                    events[1].ce_type())]  # fmt: skip

    assert run(kafka_bootstrap, topic, group, db) == [], "its offsets were committed"
    replay = run(kafka_bootstrap, topic, f"{group}.replay", db)  # a new group: from offset zero
    assert [o["outcome"] for o in replay] == ["duplicate"] * 3
