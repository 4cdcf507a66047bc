"""A consumer in a child process, for the crash tests.

    python -m tests.runtime.helpers_consumer DSN BOOTSTRAP TOPIC NAME [--crash-at STAGE]
        [--max-records N]

It applies the events of TOPIC with `helpers_runtime.effect_writer` under consumer NAME. With
--crash-at it SIGKILLs itself the first time the batch reaches STAGE ("before_db_commit",
"before_offset_commit", ...; see `servicekit.consumer.ConsumerHook`), after printing `CRASH`.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
from collections.abc import Sequence

from aiokafka import ConsumerRecord

from servicekit.consumer import Consumer
from tests.runtime.helpers_runtime import effect_writer, prepare_database


async def run(args: argparse.Namespace) -> None:
    pool = await prepare_database(args.dsn)

    async def hook(stage: str, records: Sequence[ConsumerRecord]) -> None:
        if stage == args.crash_at:
            offsets = sorted((r.partition, r.offset) for r in records)
            print(f"CRASH {stage} {len(records)} {offsets}", flush=True)
            os.kill(os.getpid(), signal.SIGKILL)

    consumer = Consumer(
        args.name,
        pool=pool,
        bootstrap_servers=args.bootstrap,
        max_records=args.max_records,
        hook=hook,
        subscriber_options={"session_timeout_ms": 6000, "heartbeat_interval_ms": 500},
    )
    consumer.batch_handler(args.topic)(effect_writer(args.name))
    await consumer.start()
    print("STARTED", flush=True)
    try:
        await asyncio.Event().wait()
    finally:
        await consumer.stop()
        await pool.close()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dsn")
    parser.add_argument("bootstrap")
    parser.add_argument("topic")
    parser.add_argument("name")
    parser.add_argument("--crash-at", default=None)
    parser.add_argument("--max-records", type=int, default=10)
    asyncio.run(run(parser.parse_args()))


if __name__ == "__main__":
    main()
