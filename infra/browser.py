"""The browser the web application's tests drive: Debian's chromium, installed when missing the
way PostgreSQL is (infra/apt.py). Playwright drives it through `executable_path`; Playwright's
own browser download is not used."""

from __future__ import annotations

import os
from pathlib import Path

from infra import apt

CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> Path:
    """The path of a chromium executable, installed from Debian if missing."""
    if not os.access(CHROMIUM, os.X_OK):
        apt.install("chromium", why="the web application's browser tests need chromium")
    return CHROMIUM
