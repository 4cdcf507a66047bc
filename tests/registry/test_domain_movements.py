"""A unit's own movement against its parent (domain.campaigns.child_problems) and a campaign's
dedications (domain.occasions.check_dedications), without I/O."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from uuid import uuid4

import pytest

from servicekit.errors import Conflict, Invalid
from services.registry.domain import campaigns as c
from services.registry.domain import occasions as o

PROVINCE, DISTRICT, COMMUNE, DEPARTMENT = uuid4(), uuid4(), uuid4(), uuid4()
ANCESTORS = {DISTRICT: [PROVINCE], COMMUNE: [DISTRICT, PROVINCE], DEPARTMENT: [PROVINCE]}


def campaign(**kw) -> c.Campaign:
    fields = {
        "code": "P", "title": "t", "theme": "t", "kind": "special", "start": date(2020, 1, 1),
        "end": date(2020, 12, 31), "launched_by": PROVINCE,
        "participating_unit_ids": [DISTRICT, DEPARTMENT],
    }  # fmt: skip
    return c.create(uuid4(), **{**fields, **kw})


PARENT = replace(campaign(), state="launched")


def child(**kw) -> c.Campaign:
    fields = {
        "code": "D", "start": date(2020, 3, 1), "end": date(2020, 11, 30),
        "launched_by": DISTRICT, "participating_unit_ids": [DISTRICT, COMMUNE],
        "parent_campaign_id": PARENT.campaign_id,
    }  # fmt: skip
    return campaign(**{**fields, **kw})


def problems(x: c.Campaign, parent: c.Campaign = PARENT) -> list[tuple[str, str]]:
    conflicts, invalid = c.child_problems(
        x, parent, parent_participants={DISTRICT, DEPARTMENT}, ancestors=ANCESTORS
    )
    return [(v.field, v.code) for v in conflicts + invalid]


def test_a_district_s_movement_within_the_province_s_is_accepted():
    assert problems(child()) == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        ({"start": date(2019, 12, 1)}, [("#/start", "outside_parent")]),
        ({"end": date(2021, 1, 1)}, [("#/end", "outside_parent")]),
        (
            {"launched_by": COMMUNE, "participating_unit_ids": [COMMUNE]},
            [("#/launched_by", "not_participant")],
        ),
        (
            {"participating_unit_ids": [DISTRICT, DEPARTMENT]},
            [("#/participating_unit_ids/1", "not_under_launcher")],
        ),
        ({"bloc_ids": [uuid4()]}, [("#/bloc_ids", "not_allowed")]),
    ],
)
def test_what_keeps_a_movement_from_answering_its_parent(change, expected):
    assert problems(child(**change)) == expected


def test_the_parent_must_be_launched_and_conflicts_come_first():
    for state in ("draft", "closed"):
        parent = replace(PARENT, state=state)
        assert problems(child(), parent) == [("#/parent_campaign_id", "parent_not_launched")]
    conflicts, invalid = c.child_problems(
        child(start=date(2019, 1, 1)),
        replace(PARENT, state="draft"),
        parent_participants={DISTRICT},
        ancestors=ANCESTORS,
    )
    with pytest.raises(Conflict):
        c.raise_child_problems(conflicts, invalid)
    with pytest.raises(Invalid):
        c.raise_child_problems([], invalid)


def test_a_campaign_is_dedicated_to_defined_occasions_each_once():
    known = uuid4()
    o.check_dedications([known], {known})
    with pytest.raises(Invalid) as e:
        o.check_dedications([known, known, uuid4()], {known})
    assert [(v.field, v.code) for v in e.value.violations] == [
        ("#/occasion_ids/1", "duplicate"),
        ("#/occasion_ids/2", "unknown_occasion"),
    ]
    with pytest.raises(Invalid):
        o.define(o.Occasion(uuid4(), "X", "x", date(2020, 9, 11), date(2020, 9, 10)))
