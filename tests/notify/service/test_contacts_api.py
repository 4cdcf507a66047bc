"""Email addresses: set by their owner (or an administrator), used for what happens later."""

from __future__ import annotations

import asyncio
import uuid

import pytest

from tests.notify.service.conftest import eventually
from tests.notify.service.world import World

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]


async def test_people_and_units_manage_their_own_address(notify):
    person, unit = uuid.uuid4(), uuid.uuid4()
    path = f"/people/{person}/contact"
    r = await notify.client.get(path, headers=notify.person(person))
    assert r.status_code == 404
    set_ = await notify.call("PUT", path, notify.person(person), {"email": " Hoa@Example.VN "})
    assert set_["email"] == "Hoa@example.vn" and set_["owner_kind"] == "person"
    got = await notify.call("GET", path, notify.person(person))
    assert got["email"] == "Hoa@example.vn"
    for headers in (notify.person(uuid.uuid4()), notify.officer(unit), notify.operator):
        r = await notify.client.put(path, headers=headers, json={"email": "x@example.vn"})
        assert r.status_code == 403
    admin = await notify.call("PUT", path, notify.admin, {"email": "hoa@camau.gov.vn"})
    assert admin["email"] == "hoa@camau.gov.vn"

    upath = f"/units/{unit}/contact"
    await notify.call("PUT", upath, notify.officer(unit), {"email": "vanthu@snv.camau.gov.vn"})
    r = await notify.client.put(
        upath, headers=notify.officer(uuid.uuid4()), json={"email": "x@example.vn"}
    )
    assert r.status_code == 403
    await notify.call("DELETE", upath, notify.officer(unit), expect=204)
    r = await notify.client.get(upath, headers=notify.officer(unit))
    assert r.status_code == 404


@pytest.mark.parametrize(
    "email",
    [
        "",
        "hoa",
        "hoa@",
        "@example.vn",
        "hoa@localhost",
        "a b@example.vn",
        "hoa@@example.vn",
        "hoa@exa_mple.vn",
        "hoa@-example.vn",
        "x" * 65 + "@example.vn",
    ],
)
async def test_a_bad_address_is_refused(notify, email):
    person = uuid.uuid4()
    r = await notify.client.put(
        f"/people/{person}/contact", headers=notify.person(person), json={"email": email}
    )
    assert r.status_code == 422
    assert r.json()["errors"][0]["pointer"] == "#/email"
    assert email not in r.text or not email  # input is not echoed


async def test_only_events_after_the_address_was_set_are_emailed(notify, smtp):
    world = World()
    before = await notify.publish(world.overdue())
    await eventually(lambda: notify.applied(before), what="the first event")
    await notify.call(
        "PUT",
        f"/units/{world.unit}/contact",
        notify.officer(world.unit),
        {"email": "vanthu@snv.camau.gov.vn"},
    )
    await notify.publish(world.overdue(days=5))
    await eventually(lambda: asyncio.sleep(0, smtp.received()), what="an email")
    await asyncio.sleep(0.3)
    [mail] = smtp.received()
    assert "đã quá hạn 5 ngày" in mail.get_body(("plain",)).get_content()
    page = await notify.call("GET", f"/units/{world.unit}/inbox", notify.officer(world.unit))
    assert len(page["items"]) == 2  # the inbox has both
