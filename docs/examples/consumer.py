"""A consumer of thidua's events as an integrator would write one (docs/consumers.md): a group of
its own, from offset zero, at least once, deduplicated on `ce_id` in the transaction of its
effects, offsets committed after. Needs aiokafka and the standard library only.

    python docs/examples/consumer.py --bootstrap 127.0.0.1:19092 --topic registry.units.v1 \
        --group cuc-thong-ke.units --db units.sqlite [--idle 5]
"""

import argparse
import asyncio
import json
import sqlite3

from aiokafka import AIOKafkaConsumer


def apply(db: sqlite3.Connection, record) -> str:
    h = {name: value.decode() for name, value in record.headers}
    with db:  # the ce_id and the effect commit together: a redelivery finds the ce_id
        if not db.execute("INSERT OR IGNORE INTO seen VALUES (?)", (h["ce_id"],)).rowcount:
            return "duplicate"
        row = (h["ce_id"], h["ce_type"], h["ce_subject"], record.value.decode())
        db.execute("INSERT INTO events VALUES (?, ?, ?, ?)", row)  # unknown fields are fine
    return "applied"


async def main(a: argparse.Namespace) -> None:
    db = sqlite3.connect(a.db)
    db.execute("CREATE TABLE IF NOT EXISTS seen (ce_id TEXT PRIMARY KEY)")
    db.execute("CREATE TABLE IF NOT EXISTS events (ce_id, type, subject, data)")
    consumer = AIOKafkaConsumer(
        a.topic, bootstrap_servers=a.bootstrap, group_id=a.group,
        auto_offset_reset="earliest", enable_auto_commit=False,
    )  # fmt: skip
    await consumer.start()
    try:
        while batches := await consumer.getmany(timeout_ms=int(a.idle * 1000)):
            for r in (r for records in batches.values() for r in records):
                print(json.dumps({"outcome": apply(db, r), "offset": r.offset}), flush=True)
            await consumer.commit()  # after the batch is applied: a crash re-reads, never loses
    finally:
        await consumer.stop()


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__)
    for name in ("--bootstrap", "--topic", "--group", "--db"):
        p.add_argument(name, required=True)
    p.add_argument("--idle", type=float, default=5, help="stop after this many idle seconds")
    asyncio.run(main(p.parse_args()))
