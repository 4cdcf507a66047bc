"""The topic catalog: every topic on the bus, its key, the event types it carries and its settings.

Topic names carry the owning service and the major version. Each topic has a `.dlq` sibling that
receives what its consumers could not process. Entity topics keep their events forever so a
service can rebuild its read model by replaying them from offset zero.
"""

from __future__ import annotations

from dataclasses import dataclass, field

KEEP_FOREVER = {"retention.ms": "-1", "cleanup.policy": "delete"}
DLQ_CONFIG = {"retention.ms": str(30 * 24 * 3600 * 1000), "cleanup.policy": "delete"}


@dataclass(frozen=True)
class Topic:
    name: str
    owner: str
    key: str  # the aggregate id the messages are keyed by
    events: tuple[str, ...]
    partitions: int = 4
    config: dict[str, str] = field(default_factory=lambda: dict(KEEP_FOREVER))
    description: str = ""

    @property
    def dlq(self) -> str:
        return f"{self.name}.dlq"


TOPICS: tuple[Topic, ...] = (
    Topic(
        "registry.units.v1",
        "registry",
        "unit_id",
        ("UnitRegistered", "UnitChanged", "UnitMerged", "UnitClosed"),
    ),
    Topic(
        "registry.people.v1",
        "registry",
        "person_id",
        ("PersonRegistered", "PersonChanged", "PersonStatusChanged"),
    ),
    Topic(
        "registry.blocs.v1",
        "registry",
        "bloc_id",
        ("BlocFormed", "BlocMembershipChanged", "BlocHeadElected"),
    ),
    Topic(
        "registry.campaigns.v1",
        "registry",
        "campaign_id",
        ("CampaignLaunched", "CampaignClosed", "TargetAssigned", "TargetRevised"),
    ),
    Topic(
        "progress.reports.v1",
        "progress",
        "target_id",
        ("TargetReported", "TargetAchieved", "ReportDueSoon", "ReportOverdue"),
    ),
    Topic(
        "progress.standings.v1", "progress", "bloc_id", ("StandingsChanged", "BlocLeaderDetermined")
    ),
    Topic("progress.ratings.v1", "progress", "subject_id", ("PerformanceRated",)),
    Topic("progress.initiatives.v1", "progress", "initiative_id", ("InitiativeRecognized",)),
    Topic(
        "awards.nominations.v1",
        "awards",
        "nomination_id",
        ("NominationSubmitted", "NominationScreened", "NominationApproved", "NominationRejected"),
    ),
    Topic("awards.decisions.v1", "awards", "decision_id", ("AwardDecisionIssued", "AwardRevoked")),
    Topic(
        "notify.deliveries.v1",
        "notify",
        "delivery_id",
        ("NotificationDelivered", "NotificationFailed"),
        config={"retention.ms": str(14 * 24 * 3600 * 1000), "cleanup.policy": "delete"},
    ),
)


def topic(name: str) -> Topic:
    for t in TOPICS:
        if t.name == name:
            return t
    raise KeyError(f"no topic {name!r} in the catalog")
