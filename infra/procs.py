"""Background processes tracked by pid files, stopped by pid (never by name)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from collections.abc import Mapping, Sequence
from pathlib import Path


def _pidfile(pids: Path, name: str) -> Path:
    return pids / f"{name}.pid"


def running_pid(pids: Path, name: str) -> int | None:
    """The pid recorded for `name`, if that process is still alive and is still ours (a pid can be
    reused after a crash, so the recorded start marker must still be in its command line)."""
    path = _pidfile(pids, name)
    try:
        pid_text, marker = path.read_text().split("\n", 1)
        pid = int(pid_text)
    except (FileNotFoundError, ValueError):
        return None
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    if stat.split(") ", 1)[1].startswith("Z"):  # a zombie is not running
        return None
    return pid if marker.strip() in cmdline else None


def start(
    pids: Path,
    logs: Path,
    name: str,
    argv: Sequence[str],
    *,
    marker: str,
    env: Mapping[str, str] | None = None,
    cwd: Path | None = None,
) -> int:
    """Start `argv` detached in its own session, output appended to logs/<name>.log.

    Logs and whatever the process writes (the sinks' mails and webhooks, a service's files) may
    hold personal data: the log folder is 0700, the log 0600, and the process runs with umask
    077 so that what it creates is its owner's alone."""
    pids.mkdir(parents=True, exist_ok=True)
    logs.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(logs, 0o700)
    fd = os.open(logs / f"{name}.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.fchmod(fd, 0o600)
    with open(fd, "ab") as log:
        proc = subprocess.Popen(
            list(argv),
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            env={**os.environ, **(env or {})},
            cwd=cwd,
            start_new_session=True,
            umask=0o077,
        )
    _pidfile(pids, name).write_text(f"{proc.pid}\n{marker}")
    # A launcher may re-exec itself (the java launcher does): wait until the process shows the
    # command line it was started with, or has exited.
    deadline = time.monotonic() + 5
    while running_pid(pids, name) is None and proc.poll() is None and time.monotonic() < deadline:
        time.sleep(0.02)
    return proc.pid


def stop(pids: Path, name: str, timeout: float = 30.0) -> bool:
    """SIGTERM the process group we started, SIGKILL after `timeout`. True if something stopped.
    The timeout is above a service's own bound (THIDUA_SHUTDOWN_TIMEOUT_S, 20 s), so a service
    ends its stop itself (exit code 0, or 1 past its bound) before it is killed."""
    pid = running_pid(pids, name)
    _pidfile(pids, name).unlink(missing_ok=True)
    if pid is None:
        return False
    _signal_group(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not _alive(pid):
            return True
        time.sleep(0.1)
    _signal_group(pid, signal.SIGKILL)
    return True


def _signal_group(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)


def _alive(pid: int) -> bool:
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)  # reap it if it is our child
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return False
    return not stat.split(") ", 1)[1].startswith("Z")
