"""The whole platform on the `e2e` profile: Kafka, PostgreSQL, the sinks and the four services as
processes, started from scratch by the same code as `./thidua up` (infra.stack) and removed at the
end of the session. Its ports are the test profile's plus 100 (infra/profile.py), so it runs beside
the test stack the other tests share.

One checkout has one e2e profile: a second test session wanting it waits for the first (a lock
file beside the profile's state) instead of resetting the stack under it.

What the sinks received stays readable after the session: the logs and `sinks/` are copied to
pytest's temporary folder (`<basetemp>/e2e-state`) before the profile's state is deleted.
"""

from __future__ import annotations

import contextlib
import fcntl
import shutil
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from infra import stack
from infra.profile import Profile, load

LOCK_WAIT_S = 900


@contextlib.contextmanager
def _exclusive(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "w") as f:
        deadline = time.monotonic() + LOCK_WAIT_S
        while True:
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() > deadline:
                    pytest.fail(f"another test session has held {path} for {LOCK_WAIT_S}s")
                time.sleep(1)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


@contextlib.contextmanager
def fresh_platform(
    p: Profile, tmp_path_factory: pytest.TempPathFactory, replicas: int = 1
) -> Iterator[Profile]:
    """The profile's stack started from scratch (each service as `replicas` processes), and
    removed afterwards; its logs and what its sinks received are kept under
    `<basetemp>/<profile>-state`."""
    with _exclusive(p.state.with_name(p.state.name + ".lock")):
        stack.remove(p)
        try:
            try:
                stack.start_infra(p)
                stack.start_services(p, timeout=240, replicas=replicas)
            except SystemExit as e:  # infra.stack's way of saying what did not start
                pytest.fail(f"the {p.name} stack did not start: {e}")
            yield p
        finally:
            stack.stop_all(p)
            kept = tmp_path_factory.getbasetemp() / f"{p.name}-state"
            for part in ("logs", "sinks"):
                if (p.state / part).exists():
                    shutil.copytree(p.state / part, kept / part, dirs_exist_ok=True)
            stack.remove(p)


@pytest.fixture(scope="session")
def platform(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Profile]:
    """A ready `Profile` of the e2e stack, every component running."""
    with fresh_platform(load("e2e"), tmp_path_factory) as p:
        yield p
