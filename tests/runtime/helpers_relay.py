"""A relay in a child process, for the crash tests.

    python -m tests.runtime.helpers_relay DSN BOOTSTRAP [--pause-after-ack]

With --pause-after-ack it stops between the broker's acknowledgement and the delete of its first
batch, prints `ACKED <n>` and waits there (to be SIGKILLed by the test).
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import Sequence

from servicekit.outbox import OutboxRow
from servicekit.relay import run_standalone


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("dsn")
    parser.add_argument("bootstrap")
    parser.add_argument("--pause-after-ack", action="store_true")
    args = parser.parse_args()

    async def hook(stage: str, rows: Sequence[OutboxRow]) -> None:
        if stage == "acked" and args.pause_after_ack:
            print(f"ACKED {len(rows)}", flush=True)
            await asyncio.Event().wait()  # until killed

    print("STARTED", flush=True)
    asyncio.run(run_standalone(args.dsn, args.bootstrap, hook=hook, poll_interval=0.2))


if __name__ == "__main__":
    main()
