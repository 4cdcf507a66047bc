"""A supervision finding of the Fatherland Front, from Kafka to the inboxes and mailboxes of the
unit concerned and the province; its answer to the Front body that raised it."""

from __future__ import annotations

import asyncio
import uuid
from datetime import date

import pytest

from schemas import awards as a
from schemas import registry as r
from tests.notify.service.conftest import eventually
from tests.notify.service.world import World

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]

SNV = "vanthu.snv@example.vn"
UBND = "vanthu.ubnd@example.vn"
MTTQ = "vanthu.mttq@example.vn"


async def test_a_finding_reaches_the_unit_and_the_province_its_answer_the_front(notify, smtp):
    world = World()
    front = uuid.uuid4()
    known = [
        *world.registry(),
        r.UnitRegistered(
            unit_id=world.province,
            code="CM-UBND",
            name="Ủy ban nhân dân tỉnh Cà Mau",
            kind="provincial_committee",
            level="province",
            valid_from=date(2016, 1, 1),
        ),
        r.UnitRegistered(
            unit_id=front,
            code="CM-MTTQ",
            name="Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Cà Mau",
            kind="mass_organisation",
            level="province",
            parent_id=world.province,
            valid_from=date(2016, 1, 1),
        ),
    ]
    for m in [await notify.publish(e) for e in known]:
        await eventually(lambda m=m: notify.applied(m), what="the registry's events")
    for unit, address in ((world.unit, SNV), (world.province, UBND), (front, MTTQ)):
        await notify.call("PUT", f"/units/{unit}/contact", notify.officer(unit), {"email": address})

    finding = uuid.uuid4()
    raised = await notify.publish(
        a.SupervisionFindingRaised(
            finding_id=finding,
            subject_kind="unit",
            subject_id=world.unit,
            raised_on=date(2020, 12, 16),
            supervisor_unit_id=front,
            unit_id=world.unit,
            province_unit_id=world.province,
            content="Việc bình xét danh hiệu chưa công khai đến người lao động.",
            documents=["vb/mttq/12-MTTQ-BTT.pdf", "Công%20văn%20số%2012/MTTQ-BTT"],
            documents_as_written=["vb/mttq/12-MTTQ-BTT.pdf", "Công văn số 12/MTTQ-BTT"],
        )
    )
    await eventually(lambda: asyncio.sleep(0, len(smtp.received()) == 2), what="two emails")
    page = await notify.call("GET", f"/units/{world.unit}/inbox", notify.officer(world.unit))
    [item] = page["items"]
    assert item["event_id"] == str(raised.event_id) and item["why"] == "finding_unit"
    assert item["title"] == "Kiến nghị giám sát về đơn vị"
    assert "Ủy ban Mặt trận Tổ quốc Việt Nam tỉnh Cà Mau" in item["body"]
    assert "chưa công khai" in item["body"] and "12-MTTQ-BTT.pdf" in item["body"]
    assert "- Công văn số 12/MTTQ-BTT" in item["body"]  # as the Front wrote it
    province = await notify.call(
        "GET", f"/units/{world.province}/inbox", notify.officer(world.province)
    )
    assert [i["why"] for i in province["items"]] == ["province"]
    [to_snv] = smtp.to(SNV)
    assert to_snv["Subject"] == "[Thi đua – Khen thưởng] Kiến nghị giám sát về đơn vị"
    assert smtp.to(MTTQ) == []

    await notify.publish(
        a.SupervisionFindingAnswered(
            finding_id=finding,
            subject_kind="unit",
            subject_id=world.unit,
            answered_on=date(2020, 12, 20),
            supervisor_unit_id=front,
            unit_id=world.unit,
            by_province=False,
            answer="Đơn vị đã niêm yết lại danh sách và tổ chức bình xét lại.",
        )
    )
    await eventually(lambda: asyncio.sleep(0, len(smtp.to(MTTQ)) == 1), what="the Front's email")
    # the supervisor reads (and marks) its Front body's inbox with its own token
    sup = notify.token(["supervisor"], sub="mttq-giam-sat", unit_id=str(front))
    [answered] = (await notify.call("GET", f"/units/{front}/inbox", sup))["items"]
    assert answered["why"] == "supervisor"
    assert answered["title"] == "Trả lời kiến nghị giám sát về đơn vị"
    assert "Sở Nội vụ tỉnh Cà Mau đã trả lời" in answered["body"]
    await notify.call("POST", f"/units/{front}/inbox/{answered['id']}/read", sup)
    # but not another unit's inbox, nor any email address
    await notify.call("GET", f"/units/{world.unit}/inbox", sup, expect=403)
    await notify.call("GET", f"/units/{front}/contact", sup, expect=403)
