"""Nominations dedicated to an occasion (lập thành tích chào mừng): a nomination may name one the
registry defined (OccasionDefined), and the list filters by it."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from schemas import registry as r
from tests.awards import procedure
from tests.awards.conftest import Awards
from tests.awards.test_nominations import populate
from tests.awards.world import build, nominations

pytestmark = pytest.mark.timeout(120)

CONGRESS = r.OccasionDefined(
    occasion_id=uuid4(),
    code="DHTD-VI",
    name="Đại hội Thi đua yêu nước tỉnh Cà Mau lần thứ VI",
    starts_on=date(2020, 9, 10),
    ends_on=date(2020, 9, 11),
)


async def test_nominations_dedicated_to_an_occasion_are_listed_by_it(awards: Awards) -> None:
    w = await populate(awards, 2020, "2013")
    await awards.feed([CONGRESS])
    body = nominations(w)
    congress = str(CONGRESS.occasion_id)
    minh = (
        await awards.post(
            "/nominations", {**body["minh_cstdcs"], "occasion_id": congress}, expect=201
        )
    ).json()
    assert minh["occasion_id"] == congress
    await awards.post("/nominations", body["hoa_cstdcs"], expect=201)
    (event,) = [e for e in await awards.outbox("NominationSubmitted") if e["occasion_id"]]
    assert event["nomination_id"] == minh["nomination_id"]

    listed = (await awards.get(f"/nominations?occasion_id={congress}")).json()
    assert [n["nomination_id"] for n in listed["items"]] == [minh["nomination_id"]]
    assert len((await awards.get("/nominations")).json()["items"]) == 2

    # an occasion the registry never defined: refused, nothing stored
    before = await awards.count("nominations")
    res = await awards.post("/nominations", {**body["an_cstd_tinh"], "occasion_id": str(uuid4())})
    assert res.status_code == 422, res.text
    (error,) = res.json()["errors"]
    assert (error["pointer"], error["type"]) == ("#/occasion_id", "unknown_occasion")
    assert await awards.count("nominations") == before
    res = await awards.get(f"/nominations?occasion_id={uuid4()}", expect=422)
    assert res.json()["errors"][0]["name"] == "occasion_id"


async def test_the_award_history_filters_by_the_occasion_of_the_nomination(awards: Awards) -> None:
    """Trần Văn Minh's CSTĐCS 2020 was nominated as an achievement dedicated to the provincial
    emulation congress; his earlier titles (imported) were not."""
    w = build(2020, "2013")
    await awards.feed(e for _, e in w.all_events())
    await awards.feed([CONGRESS])
    congress = str(CONGRESS.occasion_id)
    f = await procedure.run(awards, w, dedications={"minh_cstdcs": congress})
    assert f.ids["minh_cstdcs"] in f.approved
    minh = {"subject_id": str(w.person("minh"))}
    held = (await awards.get("/award-history", params=minh)).json()
    dedicated = (
        await awards.get("/award-history", params={**minh, "occasion_id": congress})
    ).json()
    assert [(a["award_code"], a["source"]) for a in dedicated] == [("CSTDCS", "decision")]
    assert len(held) > len(dedicated)
    await awards.get("/award-history", params={**minh, "occasion_id": str(uuid4())}, expect=422)
