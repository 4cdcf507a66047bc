"""promtool, Prometheus's checker of configurations and alert rules, for the tests of
infra/prometheus/: the one on PATH, or the one in Debian's `prometheus` package, unpacked under
`.state/tools/` without installing the package (whose scripts would start a Prometheus server).
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
from pathlib import Path

from infra import apt
from infra.profile import ROOT

TOOLS = ROOT / ".state" / "tools"
PACKAGE = "prometheus"


def path() -> Path:
    """The promtool to run, fetched once if there is none."""
    found = shutil.which("promtool")
    if found:
        return Path(found)
    kept = TOOLS / "promtool"
    if not kept.exists():
        _unpack(kept)
    return kept


def _unpack(target: Path) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        download = ["apt-get", "download", PACKAGE]
        if subprocess.run(download, cwd=tmp, capture_output=True).returncode != 0:
            apt.update(why="promtool comes from Debian's prometheus package")  # no lists yet
            subprocess.run(download, cwd=tmp, check=True, capture_output=True)
        (deb,) = Path(tmp).glob(f"{PACKAGE}_*.deb")
        subprocess.run(["dpkg-deb", "-x", str(deb), f"{tmp}/root"], check=True)
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(f"{tmp}/root/usr/bin/promtool", target)


def run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`promtool ARGS`, its output captured (the caller checks the return code)."""
    return subprocess.run([str(path()), *args], cwd=cwd, capture_output=True, text=True)
