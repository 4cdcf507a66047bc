"""Java jars named by a pom of this repository (infra/kafka/pom.xml: the Kafka broker;
infra/k8s/strimzi/pom.xml: Strimzi's API model and CRD generator), copied by Maven into a folder of
their own. Maven's local repository caches them, so a second copy fetches nothing."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

from infra import apt


def copy_dependencies(pom: Path, into: Path, what: str) -> None:
    """The pom's runtime jars into `into`, unless they are there for the pom as it is."""
    stamp = into / ".pom"
    if stamp.exists() and stamp.read_text() == pom.read_text():
        return
    if not shutil.which("mvn") or not shutil.which("java"):
        apt.install("openjdk-17-jre-headless", "maven", why=f"{what} need Java 17 and Maven")
    shutil.rmtree(into, ignore_errors=True)
    done = subprocess.run(
        [
            *("mvn", "-q", "-B", "-Dstyle.color=never", "-f", str(pom)),
            *("dependency:copy-dependencies", "-DincludeScope=runtime"),
            f"-DoutputDirectory={into}",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"fetching {what} failed:\n{done.stdout}{done.stderr}")
    stamp.write_text(pom.read_text())
