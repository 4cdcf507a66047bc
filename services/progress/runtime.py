"""`Runtime`: what every progress handler shares (its settings and its clock), kept on
`app.state.progress`."""

from __future__ import annotations

from dataclasses import dataclass

from services.progress.config import Clock, ProgressConfig


@dataclass
class Runtime:
    config: ProgressConfig
    clock: Clock
