"""`./thidua lint`: the checker gate — ruff's lint, ruff's formatting, the house rules no linter
checks (infra/house_rules.py) and mypy over the file set `[tool.mypy]` names in pyproject.toml.
`./thidua test` runs it first, so CI does."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass

from rich.console import Console

from infra.profile import ROOT


@dataclass(frozen=True)
class Check:
    name: str
    argv: tuple[str, ...]


CHECKS: tuple[Check, ...] = (
    Check("ruff check", (sys.executable, "-m", "ruff", "check", ".")),
    Check("ruff format --check", (sys.executable, "-m", "ruff", "format", "--check", ".")),
    Check("house rules", (sys.executable, "-m", "infra.house_rules")),  # sizes, outside pointers
    Check("mypy", (sys.executable, "-m", "mypy")),  # the files of [tool.mypy]
)


def run(console: Console, checks: Sequence[Check] | None = None) -> bool:
    """Run every check (all of them, so one run shows everything to fix); print each one's result,
    and the output of those that failed. True if all passed."""
    passed = True
    for check in CHECKS if checks is None else checks:
        t0 = time.monotonic()
        done = subprocess.run(check.argv, cwd=ROOT, capture_output=True, text=True)
        took = f"{time.monotonic() - t0:.1f}s"
        if done.returncode == 0:
            console.print(f"[green]passed[/] {check.name} ({took})")
            continue
        passed = False
        for output in (done.stdout.rstrip(), done.stderr.rstrip()):
            if output:
                console.out(output, highlight=False)  # unwrapped: file:line stays one line
        console.print(f"[red]failed[/] {check.name} (exit {done.returncode}, {took})")
    return passed
