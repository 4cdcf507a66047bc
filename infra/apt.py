"""Install a missing Debian package (the setup's only system-level step)."""

from __future__ import annotations

import os
import subprocess


def install(*packages: str, why: str) -> None:
    if os.geteuid() != 0:
        raise SystemExit(f"{why}: run as root or apt-get install {' '.join(packages)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    subprocess.run(["apt-get", "update", "-q"], check=True, env=env)
    subprocess.run(["apt-get", "install", "-y", "-q", *packages], check=True, env=env)
