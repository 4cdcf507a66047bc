"""Events go to the topics `ProgressConfig.topic_map` names, whoever opened the unit of work they
are published in: an HTTP request's or a consumed batch's (servicekit opens those with the map
the app was built with: `build_app(topic_map=...)`), or one the service opens itself (the
standings worker)."""

from __future__ import annotations

from typing import Any

from schemas import registry as r
from schemas.envelope import from_message, to_message
from servicekit.settings import ServiceSettings
from servicekit.unit_of_work import UnitOfWork
from services.progress import commands
from services.progress.app import create, subscriber
from services.progress.events import SOURCE
from services.progress.runtime import Runtime
from tests.progress.conftest import quiet_config
from tests.progress.seed import ID, launched
from tests.progress.test_reports_api import report

ROUTES = {
    "progress.reports.v1": "test.routed.reports.v1",
    "progress.standings.v1": "test.routed.standings.v1",
}


class Subscriptions:
    """Stands in for servicekit's Consumer: records the batch handler of each topic."""

    max_records = 0

    def __init__(self) -> None:
        self.handlers: dict[str, Any] = {}

    def batch_handler(self, topic: str, keyed_by_effect: Any = None) -> Any:
        def register(handler: Any) -> Any:
            self.handlers[topic] = handler
            return handler

        return register


async def topics(seeded, event_type: str) -> list[str]:
    rows = await seeded.pool.fetch(
        "SELECT aggregatetype FROM outbox WHERE type LIKE $1 ORDER BY seq", f"%.{event_type}.v1"
    )
    return [row["aggregatetype"] for row in rows]


def test_the_app_hands_its_topic_map_to_servicekit():
    app = create(ServiceSettings(service="progress"), quiet_config(topic_map=ROUTES))
    assert app.state.service.topic_map == ROUTES


async def test_a_report_through_the_api_goes_to_the_mapped_topic(seeded):
    service = seeded.app.state.service
    service.topic_map = ROUTES  # as create(config=...) sets it, on the session's running app
    try:
        await seeded.post("/reports", report(), headers=seeded.officer(ID.stc), expect=201)
    finally:
        service.topic_map = {}
    assert await topics(seeded, "TargetReported") == ["test.routed.reports.v1"]


async def test_what_a_consumed_batch_publishes_goes_to_the_mapped_topic(seeded):
    await seeded.post(
        "/reports", report(ID.t_thu, 5000, "2020-06-14"), headers=seeded.officer(ID.stc), expect=201
    )
    await seeded.clear_outbox()
    subscriptions = Subscriptions()
    subscriber(Runtime(quiet_config(topic_map=ROUTES), seeded.clock))(subscriptions)
    thu = next(t for t in launched().targets if t.target_id == ID.t_thu)
    changed = {"campaign_id": ID.campaign, "target_value": 4800, "revision": 2}
    revised = r.TargetRevised(**(thu.model_dump() | changed))
    m = to_message(revised, source="/thidua/registry")
    # the unit of work servicekit's consumer opens for the batch (tests/runtime/test_consumer.py)
    async with UnitOfWork(seeded.pool, source=SOURCE, topic_map=ROUTES) as uow:
        handler = subscriptions.handlers["registry.campaigns.v1"]
        await handler(uow, [from_message(m.value, m.headers)])
    # the revision achieves the target: TargetAchieved, published by the consumer's handler
    assert await topics(seeded, "TargetAchieved") == ["test.routed.reports.v1"]


async def test_the_standings_worker_publishes_to_the_mapped_topic(seeded):
    await seeded.post("/reports", report(), headers=seeded.officer(ID.stc), expect=201)
    await commands.standings.recompute_dirty(
        seeded.pool, quiet_config(topic_map=ROUTES), seeded.clock
    )
    assert await topics(seeded, "StandingsChanged") == ["test.routed.standings.v1"]
