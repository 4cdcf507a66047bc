"""Yearly ratings and recognised initiatives, entered by their unit."""

from __future__ import annotations

import pytest

from tests.progress.seed import ID, uid

pytestmark = pytest.mark.infra


def rating(subject=ID.person_stc, value="HTXSNV", kind="person", year=2020, **extra):
    return {
        "subject_kind": kind,
        "subject_id": str(subject),
        "year": year,
        "rating": value,
        **extra,
    }


async def test_a_unit_rates_its_people_and_itself(seeded):
    stc = seeded.officer(ID.stc)
    body = {"ratings": [rating(), rating(ID.stc, "HTTNV", "collective")]}
    r = await seeded.post("/ratings", body, headers=stc, expect=201)
    assert [x["unit_id"] for x in r.json()["ratings"]] == [str(ID.stc)] * 2
    events = await seeded.outbox("PerformanceRated")
    assert [(e["subject_kind"], e["rating"]) for e in events] == [
        ("person", "HTXSNV"),
        ("collective", "HTTNV"),
    ]
    # the same rating again changes nothing; a different one replaces it (history kept)
    later = seeded.clock.now()
    seeded.clock.set(later.replace(minute=5))
    await seeded.post("/ratings", {"ratings": [rating()]}, headers=stc, expect=201)
    assert len(await seeded.outbox("PerformanceRated")) == 2
    seeded.clock.set(later.replace(minute=10))
    await seeded.post("/ratings", {"ratings": [rating(value="HTNV")]}, headers=stc, expect=201)
    assert [e["rating"] for e in await seeded.outbox("PerformanceRated")][-1] == "HTNV"
    assert await seeded.count("rating_entries") == 4
    listed = (await seeded.get("/ratings?year=2020", headers=stc)).json()["ratings"]
    assert {(x["subject_id"], x["rating"]) for x in listed} == {
        (str(ID.person_stc), "HTNV"),
        (str(ID.stc), "HTTNV"),
    }
    # people's ratings are personal data: the read is audited with its reader
    read = await seeded.pool.fetch(
        "SELECT action, outcome FROM audit_log WHERE action LIKE 'GET %'"
    )
    assert [(r["action"], r["outcome"]) for r in read] == [("GET /ratings", "ok")]


async def test_bad_ratings_are_refused_whole(seeded):
    stc = seeded.officer(ID.stc)
    body = {
        "ratings": [
            rating(),  # fine, but the batch is all or nothing
            rating(ID.person_syt),  # another unit's person
            rating(value="XUAT_SAC"),
            rating(year=2021),  # not come yet (June 2020)
            rating(ID.syt, kind="collective"),  # another unit
            rating(kind="team"),
            rating(unit_id=str(ID.syt)),  # an officer rates for their own unit only
        ]
    }
    r = await seeded.post("/ratings", body, headers=stc, expect=422)
    found = {(e["pointer"], e["type"]) for e in r.json()["errors"]}
    assert found == {("#/ratings/6/unit_id", "foreign_unit")}
    del body["ratings"][6]
    r = await seeded.post("/ratings", body, headers=stc, expect=422)
    found = {(e["pointer"], e["type"]) for e in r.json()["errors"]}
    assert found == {
        ("#/ratings/1/subject_id", "unknown_subject"),
        ("#/ratings/2/rating", "unknown_rating"),
        ("#/ratings/3/year", "future_year"),
        ("#/ratings/4/subject_id", "unknown_subject"),
        ("#/ratings/5/subject_kind", "unknown_kind"),
    }
    r = await seeded.post("/ratings", {"ratings": [rating(year="2020")]}, headers=stc, expect=422)
    assert r.json()["errors"][0]["pointer"] == "#/ratings/0/year"
    assert await seeded.count("rating_entries") == 0 and await seeded.outbox() == []
    # an administrator names the rating unit
    r = await seeded.post("/ratings", {"ratings": [rating()]}, expect=422)
    assert r.json()["errors"][0]["pointer"] == "#/ratings/0/unit_id"
    await seeded.post("/ratings", {"ratings": [rating(unit_id=str(ID.stc))]}, expect=201)
    # reading another unit's ratings
    await seeded.get(f"/ratings?unit_id={ID.stc}", headers=seeded.officer(ID.syt), expect=403)
    await seeded.post("/ratings", {"ratings": [rating()]}, headers=seeded.integration, expect=403)


async def test_a_rating_not_conferring_ldtt_is_recorded_and_published(seeded):
    """A rating is not the title: the unit records that a person it rated HTTNV or better was
    not conferred Lao động tiên tiến, and why; PerformanceRated carries it to awards."""
    stc = seeded.officer(ID.stc)
    withheld = rating(value="HTTNV", ldtt_not_conferred="months_worked")
    r = await seeded.post("/ratings", {"ratings": [withheld]}, headers=stc, expect=201)
    assert r.json()["ratings"][0]["ldtt_not_conferred"] == "months_worked"
    (event,) = await seeded.outbox("PerformanceRated")
    assert (event["rating"], event["ldtt_not_conferred"]) == ("HTTNV", "months_worked")
    listed = (await seeded.get("/ratings?year=2020", headers=stc)).json()["ratings"]
    assert listed[0]["ldtt_not_conferred"] == "months_worked"
    # the unit confers it after all: the same rating without the flag is a change, published
    seeded.clock.set(seeded.clock.now().replace(minute=5))
    await seeded.post("/ratings", {"ratings": [rating(value="HTTNV")]}, headers=stc, expect=201)
    assert (await seeded.outbox("PerformanceRated"))[-1]["ldtt_not_conferred"] is None
    # only for a person rated HTTNV or better, and with a known reason
    bad = {
        "ratings": [
            rating(value="HTNV", ldtt_not_conferred="discipline"),
            rating(ID.stc, "HTTNV", "collective", ldtt_not_conferred="discipline"),
            rating(ldtt_not_conferred="sick"),
        ]
    }
    r = await seeded.post("/ratings", bad, headers=stc, expect=422)
    assert {(e["pointer"], e["type"]) for e in r.json()["errors"]} == {
        ("#/ratings/0/ldtt_not_conferred", "not_applicable"),
        ("#/ratings/1/ldtt_not_conferred", "not_applicable"),
        ("#/ratings/2/ldtt_not_conferred", "unknown_reason"),
    }
    assert await seeded.count("rating_entries") == 2


async def test_initiatives(seeded):
    stc = seeded.officer(ID.stc)
    good = {
        "title": "Số hóa quy trình thu ngân sách",
        "level": "grassroots",
        "recognised_on": "2020-05-20",
        "author_ids": [str(ID.person_stc)],
    }
    r = await seeded.post("/initiatives", good, headers=stc, expect=201)
    assert r.json()["unit_id"] == str(ID.stc)
    (event,) = await seeded.outbox("InitiativeRecognized")
    assert event["initiative_id"] == r.json()["initiative_id"] and event["level"] == "grassroots"
    # kind and scope, not stated: an initiative reaching as far as the level that recognised it
    assert (event["kind"], event["scope"]) == ("initiative", "unit")
    assert (r.json()["kind"], r.json()["scope"]) == ("initiative", "unit")
    for change, pointer, code in [
        ({"recognised_on": "2020-07-01"}, "#/recognised_on", "future_date"),
        ({"level": "district"}, "#/level", "unknown_level"),
        ({"title": "  "}, "#/title", "missing"),
        ({"author_ids": []}, "#/author_ids", "missing"),
        ({"author_ids": [str(uid("nobody"))]}, "#/author_ids/0", "unknown_author"),
        ({"unit_id": str(ID.syt)}, "#/unit_id", "foreign_unit"),
        ({"kind": "patent"}, "#/kind", "unknown_kind"),
        ({"scope": "district"}, "#/scope", "unknown_scope"),
    ]:
        r = await seeded.post("/initiatives", {**good, **change}, headers=stc, expect=422)
        assert (pointer, code) in [(e["pointer"], e["type"]) for e in r.json()["errors"]], change
    assert await seeded.count("initiatives") == 1
    # a science work recognised at grassroots level with a province-wide effect
    science = {**good, "title": "Đề tài dự báo thu ngân sách", "kind": "science_work"}
    await seeded.post("/initiatives", {**science, "scope": "province"}, headers=stc, expect=201)
    event = (await seeded.outbox("InitiativeRecognized"))[-1]
    assert (event["kind"], event["scope"], event["level"]) == (
        "science_work",
        "province",
        "grassroots",
    )
    listed = (await seeded.get("/initiatives?year=2020", headers=stc)).json()
    assert sorted((i["title"], i["kind"], i["scope"]) for i in listed) == [
        ("Số hóa quy trình thu ngân sách", "initiative", "unit"),
        ("Đề tài dự báo thu ngân sách", "science_work", "province"),
    ]
    await seeded.get(f"/initiatives?unit_id={ID.stc}", headers=seeded.officer(ID.syt), expect=403)
