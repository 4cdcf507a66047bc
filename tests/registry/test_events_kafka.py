"""Every registry event, published through the outbox by the real relay to real Kafka topics, with
its CloudEvents headers, keyed by its aggregate, in per-aggregate order."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

from aiokafka import AIOKafkaConsumer

from schemas.catalog import TOPICS
from schemas.envelope import REQUIRED_HEADERS, from_message
from schemas.registry import EVENTS
from servicekit.relay import Relay
from tests.registry.seed import province, unit
from tests.registry.test_api_campaigns import draft, target


async def _every_kind_of_event(reg) -> dict[str, str]:
    u = await province(reg)
    await reg.post(
        f"/units/{u['syt']}/changes",
        {"effective_from": "2024-01-01", "name": "Sở Y tế tỉnh Cà Mau"},
        expect=200,
    )
    bl = await unit(
        reg, "000.00.00.H07", "Ủy ban nhân dân tỉnh Bạc Liêu", "provincial_committee", "province"
    )
    await reg.post(
        f"/units/{u['dd']}/close",
        {"closed_on": "2025-07-01", "move_children_to": u["ubnd"]},
        expect=200,
    )
    await reg.post(
        "/units/merges",
        {"merged_unit_ids": [bl], "successor_id": u["ubnd"], "effective_on": "2025-07-01"},
        expect=201,
    )
    person = (
        await reg.post(
            "/people",
            {
                "full_name": "Trần Thị Bình",
                "gender": "female",
                "birth_year": 1980,
                "unit_id": u["stc"],
                "position": "Chuyên viên",
                "valid_from": "2018-01-01",
                "citizen_id": "096180000123",
            },
            expect=201,
        )
    ).json()
    pid = person["person_id"]
    await reg.post(
        f"/people/{pid}/changes",
        {"effective_from": "2022-01-01", "position": "Phó Trưởng phòng"},
        expect=200,
    )
    await reg.post(
        f"/people/{pid}/statuses", {"kind": "inspection", "start": "2024-01-01"}, expect=201
    )
    status = (
        await reg.post(
            f"/units/{u['sxd']}/statuses", {"kind": "inspection", "start": "2024-03-01"}, expect=201
        )
    ).json()
    await reg.post(
        f"/units/{u['sxd']}/statuses/{status['status_id']}/end", {"end": "2024-09-01"}, expect=200
    )
    bloc = (
        await reg.post(
            "/blocs",
            {
                "code": "K-KT",
                "name": "Khối kinh tế",
                "kind": "bloc",
                "year": 2020,
                "member_unit_ids": [u["stc"], u["sxd"]],
            },
            expect=201,
        )
    ).json()
    bid = bloc["bloc_id"]
    await reg.post(
        f"/blocs/{bid}/years/2020/members",
        {"add_unit_ids": [u["syt"]], "effective_on": "2020-03-01"},
        expect=200,
    )
    await reg.post(
        f"/blocs/{bid}/years/2020/head",
        {"head_unit_id": u["stc"], "deputy_unit_id": u["syt"]},
        expect=200,
    )
    occasion = (
        await reg.post(
            "/occasions",
            {"code": "DHTD-VI", "name": "Đại hội Thi đua yêu nước tỉnh lần thứ VI",
             "starts_on": "2020-09-10"},
            expect=201,
        )
    ).json()  # fmt: skip
    x = await draft(reg, u, occasion_ids=[occasion["occasion_id"]])
    cid = x["campaign_id"]
    await reg.post(f"/campaigns/{cid}/targets", target(u["stc"]), expect=201)
    t = (await reg.post(f"/campaigns/{cid}/targets", target(u["syt"]), expect=201)).json()
    await reg.post(f"/campaigns/{cid}/launch", {}, expect=200)
    await reg.post(
        f"/targets/{t['target_id']}/revisions",
        {"target_value": 1600, "reason": "Điều chỉnh"},
        expect=200,
    )
    await reg.post(f"/campaigns/{cid}/targets", target(u["stc"], "Thu hút đầu tư"), expect=201)
    await reg.post(f"/campaigns/{cid}/close", {"closed_on": "2021-01-15"}, expect=200)
    return {"person": pid, "bloc": bid, "campaign": cid, **u}


async def test_events_reach_kafka_with_cloudevents_headers(registry, fresh_topic, kafka_bootstrap):
    ids = await _every_kind_of_event(registry)
    # Route the registry's topics to fresh ones, then publish with the real relay.
    mapping = {
        t.name: await fresh_topic(partitions=t.partitions, prefix="registry")
        for t in TOPICS
        if t.owner == "registry"
    }
    for catalog, fresh in mapping.items():
        await registry.pool.execute(
            "UPDATE outbox SET aggregatetype = $2 WHERE aggregatetype = $1", catalog, fresh
        )
    expected = await registry.count("outbox")
    relay = Relay(registry.dsn, bootstrap_servers=kafka_bootstrap, poll_interval=0.1)
    relay.start()
    try:
        for _ in range(200):
            if await registry.count("outbox") == 0:
                break
            await asyncio.sleep(0.1)
        assert await registry.count("outbox") == 0
    finally:
        await relay.stop()

    consumer = AIOKafkaConsumer(
        *mapping.values(),
        bootstrap_servers=kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
        group_id=f"test-{uuid.uuid4().hex}",
    )
    await consumer.start()
    messages = []
    try:
        while len(messages) < expected:
            batch = await consumer.getmany(timeout_ms=2000)
            if not batch:
                break
            for records in batch.values():
                messages.extend(records)
    finally:
        await consumer.stop()
    assert len(messages) == expected

    seen: dict[str, list] = {}
    topic_of = {fresh: catalog for catalog, fresh in mapping.items()}
    for m in messages:
        headers = dict(m.headers)
        assert set(REQUIRED_HEADERS) <= set(headers), headers.keys()
        assert headers["ce_source"] == b"/thidua/registry"
        assert headers["ce_specversion"] == b"1.0"
        assert headers["content-type"].startswith(b"application/json")
        envelope = from_message(m.value, m.headers)  # validates the payload and ce_subject
        assert m.key.decode() == envelope.subject == envelope.data.aggregate_id
        assert headers["ce_dataschema"].decode() == type(envelope.data).dataschema()
        # the topic is the one the catalog names for the event
        assert topic_of[m.topic] in {t.name for t in TOPICS if type(envelope.data) in t.events}
        assert b"096180000123" not in m.value  # a citizen id never travels on the bus
        seen.setdefault(envelope.subject, []).append(((m.partition, m.offset), envelope))
    kinds = {type(e.data).__name__ for evs in seen.values() for _, e in evs}
    assert kinds == {cls.__name__ for cls in EVENTS}
    # per aggregate: one partition, and the order in which things happened
    for subject, evs in seen.items():
        assert len({pos[0] for pos, _ in evs}) == 1, subject
    campaign = [type(e.data).__name__ for _, e in sorted(seen[ids["campaign"]], key=lambda x: x[0])]
    assert campaign == ["CampaignLaunched", "TargetRevised", "TargetAssigned", "CampaignClosed"]
    launched = next(
        e.data for _, e in seen[ids["campaign"]] if type(e.data).__name__ == "CampaignLaunched"
    )
    assert len(launched.targets) == 2 and launched.regime == "2013"
    person = [type(e.data).__name__ for _, e in sorted(seen[ids["person"]], key=lambda x: x[0])]
    assert person == ["PersonRegistered", "PersonChanged", "PersonStatusChanged"]
    # a unit's status, started then ended, on the units topic under the unit's key
    unit_events = [e for _, e in sorted(seen[ids["sxd"]], key=lambda x: x[0])]
    assert [type(e.data).__name__ for e in unit_events] == [
        "UnitRegistered",
        "UnitStatusChanged",
        "UnitStatusChanged",
    ]
    started, ended = (e.data for e in unit_events[1:])
    assert (started.kind, started.end, ended.end) == ("inspection", None, date(2024, 9, 1))
    assert started.status_id == ended.status_id and str(started.unit_id) == ids["sxd"]
