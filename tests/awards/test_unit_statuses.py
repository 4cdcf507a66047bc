"""R14 for collectives: a unit's pending inspection, published by the registry as
UnitStatusChanged on registry.units.v1 and consumed from the real bus into the read model, blocks
the collective's nomination; its end, published later, lifts the block. The unit's people are not
blocked by their unit's status."""

from __future__ import annotations

import dataclasses
import uuid
from datetime import date

import pytest
from aiokafka import AIOKafkaProducer

from schemas import registry as r
from schemas.base import Event
from schemas.catalog import topic_for
from schemas.envelope import to_message
from services.awards.config import CONSUMED_TOPICS, AwardsConfig
from tests.awards.conftest import Awards, start_awards
from tests.awards.world import build, history_csv, nominations
from tests.runtime.helpers_runtime import eventually

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


async def _produce(bootstrap: str, topic_map: dict[str, str], events: list[Event]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap, acks="all")
    await producer.start()
    try:
        for event in events:
            m = to_message(event, source=f"/thidua/{event.owner}")
            m = dataclasses.replace(m, topic=topic_map[topic_for(event).name])
            await producer.send_and_wait(m.topic, m.value, key=m.key, headers=m.headers)
    finally:
        await producer.stop()


async def _screen(awards: Awards, ids: dict[str, str]) -> dict[str, dict]:
    res = await awards.post("/screenings", {"nomination_ids": list(ids.values())}, expect=200)
    by_id = {x["nomination_id"]: x for x in res.json()["results"]}
    return {key: by_id[nid] for key, nid in ids.items()}


async def test_a_collective_under_inspection_is_blocked_via_the_bus(
    fresh_database, fresh_topic, kafka_bootstrap, tmp_path
) -> None:
    topic_map = {name: await fresh_topic(prefix=name.rsplit(".", 1)[0]) for name in CONSUMED_TOPICS}
    w = build(2020, "2013", seed=uuid.uuid4().hex)
    inspection = r.UnitStatusChanged(
        unit_id=w.stc, status_id=uuid.uuid4(), kind="inspection", start=date(2020, 11, 2)
    )
    await _produce(kafka_bootstrap, topic_map, [e for _, e in w.all_events()] + [inspection])

    config = AwardsConfig(consume=True, topic_map=topic_map)
    async for awards in start_awards(fresh_database, kafka_bootstrap, tmp_path, config=config):

        async def status_of_stc(awards=awards):
            return await awards.pool.fetchrow(
                "SELECT kind, start_on, end_on FROM rm_unit_statuses WHERE unit_id = $1", w.stc
            )

        async def read_model_complete(awards=awards) -> bool:
            return await awards.count("inbox") == len(w.all_events()) + 1

        await eventually(read_model_complete, timeout=90, what="the read model from Kafka")
        assert tuple(await status_of_stc()) == ("inspection", date(2020, 11, 2), None)
        res = await awards.client.post(
            "/award-history/imports", content=history_csv(w), headers=awards.admin
        )
        assert res.status_code == 200, res.text

        awards.today(date(2020, 12, 10))
        wanted = {k: v for k, v in nominations(w).items() if k in ("stc_ttldxs", "minh_cstdcs")}
        ids = {}
        for key, body in wanted.items():
            res = await awards.post("/nominations", body, headers=awards.officer(w.stc), expect=201)
            ids[key] = res.json()["nomination_id"]

        screened = await _screen(awards, ids)
        stc = screened["stc_ttldxs"]
        assert (stc["verdict"], stc["failing"]) == ("blocked", ["R14"])
        (r14,) = [x for x in stc["rule_results"] if x["rule_id"] == "R14"]
        assert r14["facts"]["pending"] == "inspection:2020-11-02"
        assert r14["facts"]["considered_on"] == "2020-12-10"
        # considered in 2020: no 2023 decree; the basis is the province's (docs/legal.md)
        assert r14["effect"] == "blocked" and r14["citation"] == "Căn cứ do tỉnh cấu hình"
        # the unit's status is the collective's, not its people's
        assert screened["minh_cstdcs"]["verdict"] == "eligible"

        # the inspection ends (registry: same status_id, `end` set); screened again: eligible
        ended = inspection.model_copy(update={"end": date(2020, 12, 1)})
        await _produce(kafka_bootstrap, topic_map, [ended])

        async def inspection_ended(awards=awards) -> bool:
            row = await status_of_stc()
            return row is not None and row["end_on"] == date(2020, 12, 1)

        await eventually(inspection_ended, timeout=90, what="the end of the inspection")
        assert await awards.count("rm_unit_statuses") == 1
        stc = (await _screen(awards, ids))["stc_ttldxs"]
        assert (stc["verdict"], stc["failing"]) == ("eligible", [])


async def test_annual_screening_proposes_no_title_for_a_collective_under_inspection(
    awards: Awards,
) -> None:
    w = build(2020, "2013")
    inspection = r.UnitStatusChanged(
        unit_id=w.stc, status_id=uuid.uuid4(), kind="inspection", start=date(2020, 11, 2)
    )
    await awards.feed([*(e for _, e in w.all_events()), inspection])
    history = history_csv(w, ldtt=False)  # LĐTT not conferred yet: the run proposes it
    await awards.client.post("/award-history/imports", content=history, headers=awards.admin)
    awards.today(date(2021, 1, 12))
    for scope in ({"scope_unit_id": str(w.stc)}, {}):  # a unit's facts, and the province's
        run = (
            await awards.post(
                "/annual-screenings", {"year": 2020, "as_of": "2021-01-10", **scope}, expect=201
            )
        ).json()
        assert run["collectives"] >= 1
        # without the inspection STC is proposed for TTLĐXS and the flag (tests/awards/test_annual)
        assert run["candidates"].get("TTLDXS", 0) == 0
        assert run["candidates"].get("CO_TINH", 0) == 0
        assert run["candidates"]["LDTT"] == 14  # its people are not blocked by it
