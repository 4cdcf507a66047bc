"""What every registry handler needs at run time: its settings and the day it is in the
province (deadlines, "as of" defaults). Built once by app.create as `app.state.registry`, read
through api.common."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from zoneinfo import ZoneInfo

from services.registry.config import RegistryConfig


@dataclass(frozen=True)
class Runtime:
    config: RegistryConfig

    def today(self) -> date:
        return datetime.now(ZoneInfo(self.config.timezone)).date()
