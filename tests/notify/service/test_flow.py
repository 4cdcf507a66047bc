"""Events from Kafka to inboxes, mailboxes and webhooks, once each."""

from __future__ import annotations

import asyncio
import json
import uuid

import pytest

from services.notify.adapters.email import message_id
from services.notify.adapters.webhook import verify
from tests.notify.service.conftest import Notify, eventually
from tests.notify.service.world import World

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]

SECRET = "whsec-he-thong-mot-cua-2020-abcdef"
HOA = "hoa.nguyen@example.vn"
SNV = "vanthu.snv@example.vn"


async def _known(notify: Notify, world: World) -> None:
    """Publish the registry's facts and wait until notify has applied them."""
    messages = [await notify.publish(e) for e in world.registry()]
    for m in messages:
        await eventually(lambda m=m: notify.applied(m), what="the registry's events")


async def test_an_event_reaches_inboxes_mailboxes_and_a_signed_webhook(notify, receivers, smtp):
    world = World()
    receiver = await receivers(secrets=[SECRET])
    await notify.call(
        "PUT", f"/people/{world.person}/contact", notify.person(world.person), {"email": HOA}
    )
    await notify.call(
        "PUT", f"/units/{world.unit}/contact", notify.officer(world.unit), {"email": SNV}
    )
    sub = await notify.subscribe(
        "mot-cua", receiver.url, secret=SECRET, filter={"event_types": ["NominationScreened"]}
    )
    assert "secret" not in sub or sub["secret"] is None  # chosen by the client: not echoed
    await _known(notify, world)

    await notify.publish(world.nominated())
    screened = await notify.publish(world.screened())

    await eventually(lambda: asyncio.sleep(0, len(smtp.received()) == 2), what="two emails")
    await eventually(lambda: asyncio.sleep(0, receiver.delivered), what="the webhook")

    # inboxes: the nominee and the proposing unit, in Vietnamese
    page = await notify.call("GET", f"/people/{world.person}/inbox", notify.person(world.person))
    [item] = page["items"]
    assert item["event_id"] == str(screened.event_id)
    assert item["title"] == "Kết quả thẩm định hồ sơ đề nghị khen thưởng: Đủ điều kiện"
    assert item["why"] == "nominee" and item["read_at"] is None and page["unread"] == 1
    unit_page = await notify.call("GET", f"/units/{world.unit}/inbox", notify.officer(world.unit))
    assert [i["why"] for i in unit_page["items"]] == ["proposer"]
    # the registry's and the submission's events concern nobody's inbox
    assert await notify.pool.fetchval("SELECT count(*) FROM inbox_items") == 2

    # emails, rendered from the templates, each with the stable Message-ID
    [to_hoa] = smtp.to(HOA)
    [to_snv] = smtp.to(SNV)
    assert to_hoa["Subject"] == f"[Thi đua – Khen thưởng] {item['title']}"
    assert "Đồng chí Nguyễn Thị Hoa" in to_hoa.get_body(("plain",)).get_content()
    assert "Sở Nội vụ tỉnh Cà Mau" in to_snv.get_body(("plain",)).get_content()
    domain = "thidua.invalid"
    assert to_hoa["Message-ID"].strip() == message_id(screened.event_id, HOA, domain)

    # the webhook: CloudEvents HTTP binding, signed, the event id as idempotency key
    [got] = receiver.received
    assert got.verified and verify(SECRET, got.headers["thidua-signature"], got.body)
    assert got.headers["ce-type"] == "vn.thidua.awards.NominationScreened.v1"
    assert got.headers["ce-id"] == got.headers["idempotency-key"] == str(screened.event_id)
    assert got.headers["ce-source"] == "/thidua/awards"
    assert got.headers["ce-subject"] == str(world.nomination)
    assert got.headers["content-type"] == "application/json"
    assert got.json == json.loads(screened.value)
    assert "traceparent" in got.headers

    # recorded (just after the answers came), and the outcomes published for operators
    rows = await eventually(lambda: _settled(notify, 3), timeout=10, what="three recorded")
    assert sorted(r["channel"] for r in rows) == ["email", "email", "webhook"]
    assert {(r["status"], r["attempts"]) for r in rows} == {("delivered", 1)}
    assert await notify.pool.fetchval("SELECT count(*) FROM delivery_attempts") == 3
    outcomes = await eventually(
        lambda: _outcomes(notify, 3), timeout=10, what="three outcome events"
    )
    assert {o["channel"] for _, o in outcomes} == {"email", "webhook"}
    assert {name for name, _ in outcomes} == {"NotificationDelivered"}
    webhook_outcome = next(o for _, o in outcomes if o["channel"] == "webhook")
    assert webhook_outcome["subscription_id"] == sub["id"]
    assert webhook_outcome["event_id"] == str(screened.event_id)
    assert HOA not in json.dumps(outcomes)  # no addresses on the bus

    # marking read
    read = await notify.call(
        "POST", f"/people/{world.person}/inbox/{item['id']}/read", notify.person(world.person)
    )
    assert read["read_at"] is not None
    count = await notify.call(
        "GET", f"/people/{world.person}/inbox/unread-count", notify.person(world.person)
    )
    assert count == {"unread": 0}
    marked = await notify.call(
        "POST", f"/units/{world.unit}/inbox/read-all", notify.officer(world.unit)
    )
    assert marked == {"marked": 1}


async def _settled(notify: Notify, n: int):
    rows = await notify.deliveries()
    return rows if len(rows) == n and all(r["status"] != "pending" for r in rows) else None


async def _outcomes(notify: Notify, n: int):
    found = await notify.outcomes()
    return found if len(found) >= n else None


async def test_inboxes_are_their_owners_only(notify):
    world = World()
    await notify.publish(world.overdue())
    await eventually(
        lambda: notify.pool.fetchval("SELECT count(*) FROM inbox_items"), what="the inbox item"
    )
    own = await notify.call("GET", f"/units/{world.unit}/inbox", notify.officer(world.unit))
    assert own["items"][0]["title"] == "Quá hạn báo cáo kỳ 2020-Q3"
    for headers in (
        notify.officer(world.other_unit),  # another unit's officer
        notify.admin,  # an administrator does not read inboxes
        notify.operator,
        notify.person(world.person),
    ):
        r = await notify.client.get(f"/units/{world.unit}/inbox", headers=headers)
        assert r.status_code == 403, r.text
    r = await notify.client.get(f"/people/{world.person}/inbox", headers=notify.person(world.unit))
    assert r.status_code == 403
    r = await notify.client.get(f"/people/{world.person}/inbox")
    assert r.status_code == 401
    mine = await notify.call("GET", f"/people/{world.person}/inbox", notify.person(world.person))
    assert mine == {"items": [], "unread": 0, "next_cursor": None}
    # marking someone else's item: not found for them
    item = own["items"][0]["id"]
    r = await notify.client.post(
        f"/units/{world.other_unit}/inbox/{item}/read", headers=notify.officer(world.other_unit)
    )
    assert r.status_code == 404


async def test_a_kafka_message_delivered_twice_sends_one_email_and_one_webhook(
    notify, receivers, smtp
):
    world = World()
    receiver = await receivers(secrets=[SECRET])
    await notify.call("PUT", f"/units/{world.unit}/contact", notify.admin, {"email": SNV})
    await notify.subscribe("mot-cua", receiver.url, secret=SECRET)
    first = await notify.publish(world.overdue())
    await eventually(lambda: asyncio.sleep(0, receiver.delivered), what="the webhook")
    await eventually(lambda: asyncio.sleep(0, smtp.received()), what="the email")
    # The same message again (a relay that published twice, a consumer that read it twice),
    # then another event to know the duplicate has been read past.
    await notify.send(first)
    await notify.send(first)
    later = await notify.publish(world.overdue(days=3))
    await eventually(lambda: asyncio.sleep(0, len(receiver.delivered) == 2), what="the later")
    await eventually(lambda: asyncio.sleep(0, len(smtp.received()) == 2), what="later email")
    await asyncio.sleep(0.5)

    assert notify.consumer.stats.duplicates >= 2
    ids = [r.headers["ce-id"] for r in receiver.received]
    assert ids == [str(first.event_id), str(later.event_id)]
    mails = smtp.received()
    assert len(mails) == 2
    assert len({m["Message-ID"] for m in mails}) == 2
    assert await notify.pool.fetchval("SELECT count(*) FROM inbox_items") == 2
    assert len(await notify.deliveries()) == 4


async def test_a_campaign_launch_reaches_each_participating_unit_and_filters_apply(
    notify, receivers
):
    world = World()
    by_campaign = await receivers(secrets=[SECRET])
    by_unit = await receivers(secrets=[SECRET])
    elsewhere = await receivers(secrets=[SECRET])
    await notify.subscribe(
        "a", by_campaign.url, secret=SECRET, filter={"campaign_ids": [str(world.campaign)]}
    )
    await notify.subscribe(
        "b",
        by_unit.url,
        secret=SECRET,
        filter={
            "unit_ids": [str(world.other_unit)],
            "event_types": ["vn.thidua.registry.CampaignLaunched.v1"],
        },
    )
    await notify.subscribe(
        "c", elsewhere.url, secret=SECRET, filter={"event_types": ["AwardDecisionIssued"]}
    )
    launched = await notify.publish(world.launched())
    overdue = await notify.publish(world.overdue())
    await eventually(lambda: asyncio.sleep(0, len(by_campaign.delivered) == 2), what="both")
    await eventually(lambda: asyncio.sleep(0, by_unit.delivered), what="the launch")
    await eventually(lambda: notify.applied(overdue), what="the overdue event")
    await asyncio.sleep(0.5)

    assert {r.headers["ce-id"] for r in by_campaign.received} == {
        str(launched.event_id),
        str(overdue.event_id),
    }
    assert [r.headers["ce-id"] for r in by_unit.received] == [str(launched.event_id)]
    assert elsewhere.received == []
    for unit in (world.unit, world.other_unit):
        page = await notify.call("GET", f"/units/{unit}/inbox", notify.officer(unit))
        titles = [i["title"] for i in page["items"]]
        assert "Phát động “Đợt thi đua đặc biệt năm 2020”" in titles


async def test_the_webhook_call_continues_the_events_trace(notify, receivers, spans):
    receiver = await receivers(secrets=[SECRET])
    await notify.subscribe("mot-cua", receiver.url, secret=SECRET)
    trace_id = uuid.uuid4().hex
    traceparent = f"00-{trace_id}-{uuid.uuid4().hex[:16]}-01"
    await notify.publish(World().overdue(), trace={"traceparent": traceparent})
    await eventually(lambda: _settled(notify, 1), what="the delivery")

    [got] = receiver.received
    assert got.headers["traceparent"].split("-")[1] == trace_id
    assert got.headers["traceparent"] != traceparent  # a child: notify's own span
    [headers] = await notify.pool.fetch("SELECT headers FROM outbox")
    assert json.loads(headers["headers"])["traceparent"].split("-")[1] == trace_id
    names = {s.name for s in spans.get_finished_spans() if f"{s.context.trace_id:032x}" == trace_id}
    assert {"deliver webhook"} <= names


async def test_a_retracted_achievement_reaches_whoever_was_told_of_it(notify, receivers, smtp):
    """The unit's inbox and mailbox, and a webhook subscriber that asked for TargetAchieved only:
    the retraction follows the achievement it takes back."""
    world = World()
    receiver = await receivers(secrets=[SECRET])
    await notify.call("PUT", f"/units/{world.unit}/contact", notify.admin, {"email": SNV})
    await notify.subscribe(
        "csdl", receiver.url, secret=SECRET, filter={"event_types": ["TargetAchieved"]}
    )
    report, correction = uuid.uuid4(), uuid.uuid4()
    achieved = await notify.publish(world.achieved(report))
    retracted = await notify.publish(world.retracted(report, correction))
    await eventually(lambda: asyncio.sleep(0, len(receiver.delivered) == 2), what="both hooks")
    await eventually(lambda: asyncio.sleep(0, len(smtp.received()) == 2), what="both emails")

    page = await notify.call("GET", f"/units/{world.unit}/inbox", notify.officer(world.unit))
    titles = {i["event_id"]: i["title"] for i in page["items"]}
    assert titles[str(retracted.event_id)] == (
        "Thu hồi kết quả về đích sớm: báo cáo hoàn thành chỉ tiêu đã được đính chính"
    )
    assert str(achieved.event_id) in titles
    assert [r.headers["ce-type"] for r in receiver.received] == [
        "vn.thidua.progress.TargetAchieved.v1",
        "vn.thidua.progress.TargetAchievementRetracted.v1",
    ]
    mail = next(m for m in smtp.to(SNV) if "Thu hồi" in m["Subject"])
    assert "không còn giá trị" in mail.get_body(("plain",)).get_content()
