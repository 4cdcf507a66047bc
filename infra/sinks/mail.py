"""The local SMTP server: every message accepted is stored as `<dir>/<arrival ns>-<id>.eml`,
as received, after a `Return-Path` and one `Delivered-To` per recipient (what a final delivery
adds). No TLS, no authentication: loopback only, for notify's emails on a local stack.

    python -m infra.sinks.mail --port 8111 --dir .state/dev/sinks/mail
"""

from __future__ import annotations

import argparse
import asyncio
import os
import signal
import time
import uuid
from pathlib import Path
from typing import Any

from aiosmtpd.smtp import SMTP, Envelope


class Store:
    """aiosmtpd handler writing each message to its own file (atomically: a reader never sees
    one half written)."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)

    async def handle_DATA(self, server: Any, session: Any, envelope: Envelope) -> str:
        head = f"Return-Path: <{envelope.mail_from}>\r\n" + "".join(
            f"Delivered-To: {rcpt}\r\n" for rcpt in envelope.rcpt_tos
        )
        content = envelope.original_content or b""
        name = f"{time.time_ns()}-{uuid.uuid4().hex[:8]}.eml"
        tmp = self.folder / f".{name}.tmp"
        tmp.write_bytes(head.encode() + content)
        os.replace(tmp, self.folder / name)
        return "250 Message accepted for delivery"


async def serve(port: int, folder: Path) -> None:
    loop = asyncio.get_running_loop()
    handler = Store(folder)
    server = await loop.create_server(
        lambda: SMTP(handler, enable_SMTPUTF8=True, hostname="thidua-mail-sink", loop=loop),
        host="127.0.0.1",
        port=port,
    )
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    print(f"mail sink: SMTP on 127.0.0.1:{port}, messages to {folder}", flush=True)
    async with server:
        await stop.wait()


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.sinks.mail", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dir", type=Path, required=True, help="where the .eml files go")
    args = parser.parse_args(argv)
    asyncio.run(serve(args.port, args.dir))


if __name__ == "__main__":
    main()
