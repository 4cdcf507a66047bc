"""The payload models are strict, and the catalog, the classes and the examples agree."""

from __future__ import annotations

import json
import re
import unicodedata
from datetime import UTC, date, datetime

import pytest
from pydantic import ValidationError

from schemas import awards, progress, registry
from schemas.base import Event
from schemas.catalog import TOPICS, topic_for
from schemas.events import ALL_EVENTS, by_type
from schemas.examples import EXAMPLES, example

NAMES = [cls.__name__ for cls in ALL_EVENTS]


def example_id(field: str):
    """The id the BlocHeadElected example has in `<field>_unit_id`."""
    return getattr(example(registry.BlocHeadElected), f"{field}_unit_id")


def _payload(cls: type[Event]) -> dict:
    return json.loads(example(cls).to_json())


def test_every_event_is_on_exactly_one_topic_with_its_key_and_owner():
    on_topics = [cls for t in TOPICS for cls in t.events]
    assert sorted(c.__name__ for c in on_topics) == sorted(NAMES)
    assert len(set(on_topics)) == len(on_topics)
    for cls in ALL_EVENTS:
        t = topic_for(cls)
        assert (cls.owner, cls.key_field) == (t.owner, t.key)
        assert t.name.startswith(f"{cls.owner}.") and t.name.endswith(f".v{cls.major}")


def test_every_event_has_one_example():
    assert sorted(type(e).__name__ for e in EXAMPLES) == sorted(NAMES)


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=NAMES)
def test_metadata(cls: type[Event]):
    assert cls.event_name == cls.__name__
    assert cls.major == 1
    assert cls.ce_type() == f"vn.thidua.{cls.owner}.{cls.__name__}.v1"
    assert by_type(cls.ce_type()) is cls
    assert cls.major_dataschema() == f"urn:thidua:schema:{cls.owner}.{cls.__name__}.v1"
    assert re.fullmatch(re.escape(cls.major_dataschema()) + r":rev:[0-9a-f]{12}", cls.dataschema())
    e = example(cls)
    assert e.aggregate_id == str(getattr(e, cls.key_field))


def test_ce_type_example_from_the_architecture():
    assert progress.TargetReported.ce_type() == "vn.thidua.progress.TargetReported.v1"


def test_unknown_type_is_a_key_error():
    with pytest.raises(KeyError, match=re.escape("vn.thidua.progress.Nope.v1")):
        by_type("vn.thidua.progress.Nope.v1")


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=NAMES)
def test_json_round_trip(cls: type[Event]):
    e = example(cls)
    assert cls.from_json(e.to_json()) == e


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=NAMES)
def test_unknown_field_is_rejected(cls: type[Event]):
    with pytest.raises(ValidationError, match="Extra inputs are not permitted"):
        cls.from_json(json.dumps(_payload(cls) | {"citizen_id": "079084000123"}))


def test_unknown_field_in_a_nested_part_is_rejected():
    data = _payload(awards.NominationSubmitted)
    data["nominee"]["cccd"] = "079084000123"
    with pytest.raises(ValidationError, match=r"nominee\.cccd"):
        awards.NominationSubmitted.from_json(json.dumps(data))


def test_no_personal_identifier_fields():
    banned = ("citizen", "cccd", "cmnd", "identity", "passport", "email", "phone", "address")
    fields = {name for cls in ALL_EVENTS for name in _field_names(cls)}
    assert not {f for f in fields if any(b in f for b in banned)}


def _field_names(model) -> set[str]:
    names = set()
    for name, info in model.model_fields.items():
        names.add(name)
        for arg in (*getattr(info.annotation, "__args__", ()), info.annotation):
            if isinstance(arg, type) and hasattr(arg, "model_fields"):
                names |= _field_names(arg)
    return names


def test_naive_datetime_is_rejected():
    data = _payload(progress.TargetReported) | {"reported_at": "2020-12-01T09:15:00"}
    with pytest.raises(ValidationError, match="reported_at"):
        progress.TargetReported.from_json(json.dumps(data))
    built = example(progress.TargetReported).model_dump() | {"reported_at": datetime(2020, 1, 1)}
    with pytest.raises(ValidationError, match="reported_at"):
        progress.TargetReported(**built)


def test_aware_datetime_in_any_zone_is_kept_as_given():
    data = _payload(progress.TargetReported) | {"reported_at": "2020-12-01T09:15:00+07:00"}
    e = progress.TargetReported.from_json(json.dumps(data))
    assert e.reported_at == datetime(2020, 12, 1, 2, 15, tzinfo=UTC)


def test_text_is_normalised_to_nfc_and_trimmed():
    decomposed = unicodedata.normalize("NFD", "Sở Nội vụ tỉnh Cà Mau")
    assert decomposed != "Sở Nội vụ tỉnh Cà Mau"
    data = _payload(registry.UnitRegistered) | {"name": f"  {decomposed} "}
    e = registry.UnitRegistered.from_json(json.dumps(data))
    assert e.name == "Sở Nội vụ tỉnh Cà Mau"
    assert unicodedata.is_normalized("NFC", e.name)
    # also when built in Python, and inside lists and nested parts
    e2 = registry.CampaignLaunched(
        **example(registry.CampaignLaunched).model_dump()
        | {"goals": [unicodedata.normalize("NFD", "Về đích sớm")]}
    )
    assert e2.goals == ["Về đích sớm"]


@pytest.mark.parametrize("blank", ["", "   ", "\t\n"])
def test_blank_required_text_is_rejected(blank: str):
    data = _payload(registry.UnitRegistered) | {"name": blank}
    with pytest.raises(ValidationError, match="name"):
        registry.UnitRegistered.from_json(json.dumps(data))


def test_bad_enum_value_is_rejected():
    data = _payload(registry.UnitRegistered) | {"kind": "ministry"}
    with pytest.raises(ValidationError, match="kind"):
        registry.UnitRegistered.from_json(json.dumps(data))
    data = _payload(progress.PerformanceRated) | {"rating": "htxsnv"}
    with pytest.raises(ValidationError, match="rating"):
        progress.PerformanceRated.from_json(json.dumps(data))


def test_wire_types_are_strict():
    data = _payload(progress.PerformanceRated) | {"year": "2020"}
    with pytest.raises(ValidationError, match="year"):
        progress.PerformanceRated.from_json(json.dumps(data))
    data = _payload(progress.BlocLeaderDetermined) | {"by_vote": 1}
    with pytest.raises(ValidationError, match="by_vote"):
        progress.BlocLeaderDetermined.from_json(json.dumps(data))


def test_ids_must_be_uuids():
    data = _payload(registry.UnitClosed) | {"unit_id": "so-noi-vu"}
    with pytest.raises(ValidationError, match="unit_id"):
        registry.UnitClosed.from_json(json.dumps(data))


def test_infinite_values_are_rejected():
    with pytest.raises(ValidationError, match="value"):
        progress.TargetReported(**example(progress.TargetReported).model_dump() | {"value": 1e999})


def test_events_are_immutable():
    e = example(registry.UnitClosed)
    with pytest.raises(ValidationError):
        e.reason = "x"


@pytest.mark.parametrize(
    ("cls", "change", "message"),
    [
        (registry.UnitRegistered, {"valid_to": date(2000, 1, 1)}, "ends before it starts"),
        (registry.CampaignLaunched, {"end": date(2019, 1, 1)}, "ends before it starts"),
        (registry.PersonStatusChanged, {"discipline_level": None}, "discipline_level"),
        (registry.UnitStatusChanged, {"discipline_level": "warning"}, "discipline_level"),
        (
            registry.UnitStatusChanged,
            {"kind": "discipline", "discipline_level": "dismissal"},
            "discipline_level",
        ),
        (registry.UnitStatusChanged, {"end": date(2020, 1, 1)}, "ends before it starts"),
        (registry.BlocHeadElected, {"deputy_unit_id": example_id("head")}, "also be the deputy"),
        (progress.TargetAchieved, {"early_by_days": 3}, "early_by_days"),
        (progress.TargetAchieved, {"finished_early": False}, "finished_early"),
        (awards.NominationSubmitted, {"year": None}, "a year or a period"),
        (awards.AwardDecisionIssued, {"awards": []}, "awards"),
        (registry.UnitMerged, {"merged_unit_ids": []}, "merged_unit_ids"),
    ],
    ids=lambda v: v.__name__ if isinstance(v, type) else None,
)
def test_invariants(cls: type[Event], change: dict, message: str):
    with pytest.raises(ValidationError, match=message):
        cls(**example(cls).model_dump() | change)


def test_standings_must_be_ordered_and_unique():
    e = example(progress.StandingsChanged)
    reversed_ranking = [s.model_dump() for s in reversed(e.ranking)]
    with pytest.raises(ValidationError, match="ordered"):
        progress.StandingsChanged(**e.model_dump() | {"ranking": reversed_ranking})


def test_metadata_does_not_clash_with_payload_fields():
    # `name` is a payload field of several events; the class metadata is `event_name`.
    e = example(registry.UnitRegistered)
    assert e.name == "Sở Nội vụ tỉnh Cà Mau"
    assert registry.UnitRegistered.event_name == "UnitRegistered"


def test_an_event_class_must_name_an_existing_key_field():
    with pytest.raises(TypeError, match="nope"):

        class Broken(Event, owner="progress", key="nope"):
            thing_id: str
