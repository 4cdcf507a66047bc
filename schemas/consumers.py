"""The platform's own consumers: which service reads which topics, under which consumer group.
The AsyncAPI document's `receive` operations and `docs/consumers.md` are written from this;
`tests/contracts/test_consumers.py` checks it against what each service really subscribes to.

A service's consumer group is its name (`ServiceSettings.consumer_group`); a replay reads under a
group of its own (`./thidua replay`).
"""

from __future__ import annotations

from dataclasses import dataclass

from schemas.catalog import TOPICS


@dataclass(frozen=True)
class Subscription:
    service: str
    topic: str
    why: str
    rebuild_only: bool = False  # read only when rebuilding the read model from the topics

    @property
    def group(self) -> str:
        return self.service


_REGISTRY_FACTS = "the units, people, blocs, campaigns and targets it judges against"


def subscriptions() -> tuple[Subscription, ...]:
    progress = [
        Subscription("progress", t, f"{_REGISTRY_FACTS} (its read model of the registry)")
        for t in ("registry.units.v1", "registry.people.v1", "registry.blocs.v1")
    ]
    progress.append(
        Subscription(
            "progress",
            "registry.campaigns.v1",
            "campaigns and targets to report against; a closed campaign's standings are final",
        )
    )
    progress.append(
        Subscription(
            "progress",
            "registry.occasions.v1",
            "the occasions campaigns are dedicated to (the dashboard's filter)",
        )
    )
    progress += [
        Subscription(
            "progress",
            t.name,
            "its own events, when rebuilding its read model (`./thidua replay progress`)",
            rebuild_only=True,
        )
        for t in TOPICS
        if t.owner == "progress"
    ]
    awards = [
        Subscription("awards", t, f"{_REGISTRY_FACTS} (eligibility is screened on them)")
        for t in ("registry.units.v1", "registry.people.v1", "registry.blocs.v1")
    ]
    awards += [
        Subscription("awards", t, "facts that eligibility screening reads")
        for t in (
            "registry.campaigns.v1",
            "progress.ratings.v1",
            "progress.initiatives.v1",
            "progress.standings.v1",
        )
    ]
    awards.append(
        Subscription(
            "awards", "registry.occasions.v1", "the occasions a nomination may be dedicated to"
        )
    )
    notify = [
        Subscription(
            "notify", t.name, "notifications to the people and units concerned, and webhooks"
        )
        for t in TOPICS
        if t.owner != "notify"
    ]
    return (*progress, *awards, *notify)
