"""What the demo learns from the platform as it plays: the ids the services gave to the units,
blocs, people, campaign, targets and nominations of the story (by their codes in the files)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class World:
    units: dict[str, str] = field(default_factory=dict)  # unit code → unit_id
    blocs: dict[str, dict] = field(default_factory=dict)  # bloc code → the registry's bloc
    people: dict[str, str] = field(default_factory=dict)  # personnel code → person_id
    campaign_id: str = ""
    targets: dict[tuple[str, str], str] = field(default_factory=dict)  # (unit, name) → id
    initiatives: dict[str, str] = field(default_factory=dict)  # title → initiative_id
    nominations: dict[str, str] = field(default_factory=dict)  # key → nomination_id
    verdicts: dict[str, dict] = field(default_factory=dict)  # key → screening result
    council_id: str = ""
    session_id: str = ""
    decision: dict = field(default_factory=dict)
    finding: dict = field(default_factory=dict)  # the Front's finding, answered
    trace_id: str = ""

    def code_of(self, unit_id: str) -> str:
        return next(c for c, i in self.units.items() if i == unit_id)
