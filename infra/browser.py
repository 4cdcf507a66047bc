"""The browser the web application's tests drive: Debian's chromium, installed when missing the
way PostgreSQL is (infra/apt.py). Playwright drives it through `executable_path`; Playwright's
own browser download is not used."""

from __future__ import annotations

import os
import shutil
import subprocess
import tarfile
import tempfile
from pathlib import Path

from infra import apt

CHROMIUM = Path("/usr/bin/chromium")


def ensure_chromium() -> Path:
    """The path of a chromium executable, installed from Debian if missing."""
    if not os.access(CHROMIUM, os.X_OK):
        apt.install("chromium", why="the web application's browser tests need chromium")
    return CHROMIUM


# axe-core, the accessibility checker the browser tests run in each page: the npm package's
# tarball (`npm pack`, checked against the registry's integrity by npm), kept under .state.
AXE_VERSION = "4.14.1"


def ensure_axe(vendor: Path) -> Path:
    """The path of axe.min.js (with its LICENSE beside it), fetched once with npm."""
    folder = vendor / f"axe-core-{AXE_VERSION}"
    script = folder / "axe.min.js"
    if script.is_file():
        return script
    if shutil.which("npm") is None:
        raise SystemExit("the accessibility tests need npm to fetch axe-core (apt-get install npm)")
    with tempfile.TemporaryDirectory() as tmp:
        subprocess.run(
            ["npm", "pack", f"axe-core@{AXE_VERSION}", "--silent", "--pack-destination", tmp],
            check=True,
            stdout=subprocess.DEVNULL,
        )
        (tarball,) = Path(tmp).glob("axe-core-*.tgz")
        with tarfile.open(tarball) as tar:
            for name in ("axe.min.js", "LICENSE"):
                member = tar.extractfile(f"package/{name}")
                assert member is not None, f"axe-core's package has no {name}"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / name).write_bytes(member.read())
    return script
