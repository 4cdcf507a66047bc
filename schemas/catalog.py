"""The topic catalog: every topic on the bus, its key, the event types it carries and its settings.

Topic names carry the owning service and the major version. Each topic has a `.dlq` sibling that
receives what its consumers could not process. Entity topics keep their events forever so a
service can rebuild its read model by replaying them from offset zero.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field

from schemas import awards as a
from schemas import notify as n
from schemas import progress as p
from schemas import registry as r
from schemas.base import Event

KEEP_FOREVER = {"retention.ms": "-1", "cleanup.policy": "delete"}
DLQ_CONFIG = {"retention.ms": str(30 * 24 * 3600 * 1000), "cleanup.policy": "delete"}


@dataclass(frozen=True)
class Replication:
    """How many brokers hold each partition, and how many of them must have a write before the
    producer (acks=all) is told it is stored. With factor 3 and min.insync.replicas 2 one broker
    can be lost or restarted without losing an acknowledged event or refusing writes."""

    factor: int
    min_insync: int

    def __post_init__(self) -> None:
        if not 1 <= self.min_insync <= self.factor:
            raise ValueError(
                f"min.insync.replicas {self.min_insync} must be between 1 and the replication "
                f"factor {self.factor}"
            )

    def config(self) -> dict[str, str]:
        return {"min.insync.replicas": str(self.min_insync)}


CLUSTER_REPLICATION = Replication(factor=3, min_insync=2)
LOCAL_REPLICATION = Replication(factor=1, min_insync=1)  # the one-broker local stack


@dataclass(frozen=True)
class Topic:
    name: str
    owner: str
    key: str  # the payload field holding the aggregate id the messages are keyed by
    events: tuple[type[Event], ...]
    partitions: int = 4
    config: dict[str, str] = field(default_factory=lambda: dict(KEEP_FOREVER))
    description: str = ""
    replication: Replication | None = None
    """None: the deployment's default (`replication()`); set only for a topic that needs more."""

    @property
    def dlq(self) -> str:
        return f"{self.name}.dlq"

    @property
    def dlq_partitions(self) -> int:
        """As many as the topic: a dead letter keeps its key, so one aggregate's letters stay in
        order in one partition, and redriving a busy topic's letters is not one partition's
        throughput."""
        return self.partitions

    def __post_init__(self) -> None:
        # One aggregate, one topic, one key: a topic mixing keys would break per-aggregate order.
        for cls in self.events:
            if cls.owner != self.owner or cls.key_field != self.key:
                raise ValueError(
                    f"{cls.__name__} (owner {cls.owner}, key {cls.key_field}) does not fit "
                    f"topic {self.name} (owner {self.owner}, key {self.key})"
                )


TOPICS: tuple[Topic, ...] = (
    Topic(
        "registry.units.v1",
        "registry",
        "unit_id",
        (r.UnitRegistered, r.UnitChanged, r.UnitMerged, r.UnitClosed, r.UnitStatusChanged),
        description="Units (agencies, organisations, enterprises, localities) over time: their "
        "names, kinds, levels and time-ranged parents, and their pending or past discipline, "
        "investigation, inspection and complaint statuses.",
    ),
    Topic(
        "registry.people.v1",
        "registry",
        "person_id",
        (r.PersonRegistered, r.PersonChanged, r.PersonStatusChanged),
        description="People working in the units (minimal personal data) and their pending or "
        "past discipline, investigation, inspection and complaint statuses.",
    ),
    Topic(
        "registry.blocs.v1",
        "registry",
        "bloc_id",
        (r.BlocFormed, r.BlocMembershipChanged, r.BlocHeadElected),
        description="Emulation blocs and clusters (khối, cụm thi đua): yearly membership, head "
        "and deputy.",
    ),
    Topic(
        "registry.campaigns.v1",
        "registry",
        "campaign_id",
        (r.CampaignLaunched, r.CampaignClosed, r.TargetAssigned, r.TargetRevised),
        description="Emulation campaigns and the targets (chỉ tiêu) assigned to units within them.",
    ),
    Topic(
        "registry.occasions.v1",
        "registry",
        "occasion_id",
        (r.OccasionDefined,),
        description="Occasions achievements are dedicated to (congresses, anniversaries), as the "
        "province maintains them.",
    ),
    Topic(
        "progress.reports.v1",
        "progress",
        "target_id",
        (
            p.TargetReported,
            p.TargetAchieved,
            p.ReportDueSoon,
            p.ReportOverdue,
            p.TargetAchievementRetracted,
        ),
        description="Progress reported against each target, targets reached (and how early) "
        "and achievements a correction took back, reports coming due or overdue.",
    ),
    Topic(
        "progress.standings.v1",
        "progress",
        "bloc_id",
        (
            p.StandingsChanged,
            p.BlocLeaderDetermined,
            p.BlocLeaderReopened,
            p.BlocSchemeSet,
            p.BlocScoreAdjusted,
            p.BlocVotesRecorded,
        ),
        description="Rankings within each bloc and the bloc's leading unit for the year, and the "
        "bloc head's entries they are computed from (the bloc's own scoring scheme, bonus and "
        "penalty points, the members' vote): one bloc's inputs and outcomes in one partition, in "
        "the order they happened.",
    ),
    Topic(
        "progress.schemes.v1",
        "progress",
        "scheme_ref",
        (p.ScoringSchemeDefined,),
        description="Named scoring schemes (thang điểm) that blocs refer to "
        "(BlocFormed.scoring_scheme_ref).",
    ),
    Topic(
        "progress.ratings.v1",
        "progress",
        "subject_id",
        (p.PerformanceRated,),
        description="Yearly performance ratings (xếp loại) of people and collectives.",
    ),
    Topic(
        "progress.initiatives.v1",
        "progress",
        "initiative_id",
        (p.InitiativeRecognized,),
        description="Initiatives (sáng kiến) and science works recognised, with their level.",
    ),
    Topic(
        "awards.nominations.v1",
        "awards",
        "nomination_id",
        (
            a.NominationSubmitted,
            a.NominationScreened,
            a.NominationApproved,
            a.NominationRejected,
            a.NominationWithdrawn,
            a.NominationProposed,
            a.NominationCentrallyDecided,
        ),
        description="Nominations for awards: submission, eligibility screening with per-rule "
        "reasons, the council's approval or rejection, withdrawal before the vote, the "
        "province's proposal of an award decided centrally and the central level's answer.",
    ),
    Topic(
        "awards.decisions.v1",
        "awards",
        "decision_id",
        (a.AwardDecisionIssued, a.AwardRevoked),
        description="Signed award decisions with their awardees and money, and revocations.",
    ),
    Topic(
        "awards.findings.v1",
        "awards",
        "finding_id",
        (a.SupervisionFindingRaised, a.SupervisionFindingAnswered),
        partitions=1,
        description="Supervision findings (kiến nghị giám sát) the Fatherland Front raised on the "
        "emulation and commendation work, and their answers by the unit concerned or the province.",
    ),
    Topic(
        "notify.deliveries.v1",
        "notify",
        "delivery_id",
        (n.NotificationDelivered, n.NotificationFailed),
        config={"retention.ms": str(14 * 24 * 3600 * 1000), "cleanup.policy": "delete"},
        description="Outcome of each notification delivery (inbox, email, webhook). Kept 14 days.",
    ),
)


def replication(environ: Mapping[str, str] | None = None) -> Replication:
    """The deployment's replication: THIDUA_KAFKA_REPLICATION_FACTOR and
    THIDUA_KAFKA_MIN_INSYNC_REPLICAS, by default the cluster's (3 and 2); the local stack sets 1
    and 1."""
    env = os.environ if environ is None else environ
    factor = int(env.get("THIDUA_KAFKA_REPLICATION_FACTOR", CLUSTER_REPLICATION.factor))
    default_isr = min(CLUSTER_REPLICATION.min_insync, factor)
    return Replication(factor, int(env.get("THIDUA_KAFKA_MIN_INSYNC_REPLICAS", default_isr)))


_BY_EVENT: dict[type[Event], Topic] = {cls: t for t in TOPICS for cls in t.events}


def topic(name: str) -> Topic:
    for t in TOPICS:
        if t.name == name:
            return t
    raise KeyError(f"no topic {name!r} in the catalog")


def topic_for(event: type[Event] | Event) -> Topic:
    """The topic an event class (or instance) is published on."""
    cls = event if isinstance(event, type) else type(event)
    try:
        return _BY_EVENT[cls]
    except KeyError:
        raise KeyError(f"{cls.__name__} is on no topic of the catalog") from None
