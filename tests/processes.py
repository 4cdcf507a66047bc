"""A service (or a sink) as a real process for fault tests: `python -m <module>` in a session of
its own, its output in a log file, stopped by its pid with the signal the test chooses."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[1]


@dataclass
class Process:
    proc: subprocess.Popen
    log: Path
    url: str | None = None

    def signal(self, sig: signal.Signals) -> float:
        """Send `sig` to the process; returns when (time.monotonic())."""
        self.proc.send_signal(sig)
        return time.monotonic()

    async def exited(self, timeout: float) -> int:  # noqa: ASYNC109
        """The exit code (-N: killed by signal N), waiting at most `timeout` seconds."""
        deadline = time.monotonic() + timeout
        while (code := self.proc.poll()) is None:
            if time.monotonic() > deadline:
                raise AssertionError(f"still running after {timeout:.0f}s: see {self.log}")
            await asyncio.sleep(0.05)
        return code

    async def ready(self, timeout: float = 60.0) -> None:  # noqa: ASYNC109
        """Until its `/ready` answers 200 (services) or its port takes connections (sinks)."""
        assert self.url is not None
        deadline = time.monotonic() + timeout
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if self.proc.poll() is not None:
                    raise AssertionError(f"exited with {self.proc.returncode}: {self.tail()}")
                try:
                    r = await client.get(f"{self.url}/ready")
                    if r.status_code in (200, 404, 405):  # a sink has no /ready
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise AssertionError(f"not ready after {timeout:.0f}s: {self.tail()}")
                await asyncio.sleep(0.1)

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait(timeout=30)


def start(
    module: str, *args: str, env: Mapping[str, str], log: Path, url: str | None = None
) -> Process:
    """Start `python -m module args…` with `env` over this process's environment."""
    with open(log, "ab") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", module, *args],
            cwd=ROOT,
            env={**os.environ, "OTEL_TRACES_EXPORTER": "none", **env},
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
        )
    return Process(proc, log, url)
