"""The whole procedure on the real bus: registry and progress events produced to Kafka (fresh
topics standing in for the catalog's), consumed by the awards service into its read model; then
submission → screening → notice → vote → decision through the API; the awards events read back
from Kafka, as the relay published them from the outbox.

The seed's 2020 campaign is judged under regime 2013, a 2024 campaign under regime 2022; the same
people get each regime's answers."""

from __future__ import annotations

import dataclasses
import uuid

import pytest
from aiokafka import AIOKafkaProducer

from schemas.catalog import topic_for
from schemas.envelope import from_message, to_message
from services.awards.config import CONSUMED_TOPICS, AwardsConfig
from tests.awards import procedure
from tests.awards.conftest import start_awards
from tests.awards.world import build
from tests.runtime.helpers_runtime import eventually, read_topic

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]

AWARDS_TOPICS = ("awards.nominations.v1", "awards.decisions.v1")


@pytest.mark.parametrize(("year", "regime"), [(2020, "2013"), (2024, "2022")])
async def test_procedure_on_the_bus(
    fresh_database, fresh_topic, kafka_bootstrap, tmp_path, year: int, regime: str
) -> None:
    topic_map = {}
    for name in (*CONSUMED_TOPICS, *AWARDS_TOPICS):
        topic_map[name] = await fresh_topic(partitions=2, prefix=name.rsplit(".", 1)[0])
    w = build(year, regime, seed=uuid.uuid4().hex)

    # the registry and progress publish what they know
    producer = AIOKafkaProducer(bootstrap_servers=kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for _, event in w.all_events():
            m = to_message(event, source=f"/thidua/{event.owner}")
            m = dataclasses.replace(m, topic=topic_map[topic_for(event).name])
            await producer.send_and_wait(m.topic, m.value, key=m.key, headers=m.headers)
    finally:
        await producer.stop()

    config = AwardsConfig(
        consume=True,
        topic_map=topic_map,
        batch_size=500,
    )
    async for awards in start_awards(
        fresh_database, kafka_bootstrap, tmp_path, config=config, stop_relay=False
    ):

        async def read_model_complete(awards=awards) -> bool:
            counts = await awards.pool.fetchrow(
                "SELECT (SELECT count(*) FROM rm_units) AS units,"
                " (SELECT count(*) FROM rm_people) AS people,"
                " (SELECT count(*) FROM rm_ratings) AS ratings,"
                " (SELECT count(*) FROM rm_initiatives) AS initiatives,"
                " (SELECT count(*) FROM rm_blocs) AS blocs,"
                " (SELECT count(*) FROM rm_bloc_leaders) AS leaders,"
                " (SELECT count(*) FROM rm_campaigns) AS campaigns,"
                " (SELECT count(*) FROM rm_person_statuses) AS statuses"
            )
            return tuple(counts) == (45, 16, 19, 2, 8, 1, 1, 1)

        await eventually(read_model_complete, timeout=90, what="the read model from Kafka")
        assert await awards.count("inbox") == len(w.all_events())

        f = await procedure.run(awards, w)

        async def outbox_empty(awards=awards) -> bool:
            return await awards.count("outbox") == 0

        await eventually(outbox_empty, timeout=60, what="the relay to publish the outbox")

    # what the awards service put on the bus
    published = []
    for name in AWARDS_TOPICS:
        for record in await read_topic(kafka_bootstrap, topic_map[name]):
            envelope = from_message(record.value, record.headers)
            assert record.key.decode() == envelope.subject
            assert envelope.source == "/thidua/awards"
            published.append(envelope)
    by_type: dict[str, list] = {}
    for e in published:
        by_type.setdefault(type(e.data).__name__, []).append(e.data)
    assert len(by_type["NominationSubmitted"]) == 5
    screened = {str(e.nomination_id): e for e in by_type["NominationScreened"]}
    assert len(screened) == 5
    assert {e.regime for e in screened.values()} == {regime}
    hoa = screened[f.ids["hoa_cstdcs"]]
    if regime == "2013":
        assert hoa.verdict == "ineligible"
        (failed,) = [r for r in hoa.rule_results if not r.passed]
        assert failed.rule_id == "R02-2013"
        assert failed.citation == (
            "Luật Thi đua, khen thưởng 15/2003/QH11, Điều 23; Nghị định 91/2017/NĐ-CP, "
            "Điều 9 khoản 3"
        )
    else:
        assert hoa.verdict == "eligible"
        assert "R02" in [r.rule_id for r in hoa.rule_results]
    assert {str(e.nomination_id) for e in by_type["NominationApproved"]} == f.approved
    (rejected,) = by_type["NominationRejected"]
    assert str(rejected.nomination_id) == f.ids["an_cstd_tinh"]
    assert rejected.vote.votes_for == 4 and rejected.vote.threshold == 0.9
    decisions = by_type["AwardDecisionIssued"]  # the province's, the department's
    assert sorted(d.signer_authority for d in decisions) == ["province_chairman", "unit_head"]
    money = procedure.MONEY[regime]
    assert {d.base_salary_vnd for d in decisions} == {money["base"]}
    amounts = {str(a.nomination_id): a.amount_vnd for d in decisions for a in d.awards}
    assert amounts[f.ids["stc_co_tinh"]] == money["CO_TINH"]
    assert amounts[f.ids["stc_ttldxs"]] == money["TTLDXS"]
    assert amounts[f.ids["minh_cstdcs"]] == money["CSTDCS"]
    if regime == "2022":
        assert amounts[f.ids["hoa_cstdcs"]] == money["CSTDCS"]
    else:
        assert f.ids["hoa_cstdcs"] not in amounts
