"""Install a missing Debian package (the setup's only system-level step), or refresh the package
lists before a package is downloaded (promtool's, infra/promtool.py)."""

from __future__ import annotations

import os
import subprocess


def _env() -> dict[str, str]:
    return {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}


def update(*, why: str) -> None:
    if os.geteuid() != 0:
        raise SystemExit(f"{why}: run as root or apt-get update")
    subprocess.run(["apt-get", "update", "-q"], check=True, env=_env())


def install(*packages: str, why: str) -> None:
    if os.geteuid() != 0:
        raise SystemExit(f"{why}: run as root or apt-get install {' '.join(packages)}")
    update(why=why)
    subprocess.run(["apt-get", "install", "-y", "-q", *packages], check=True, env=_env())
