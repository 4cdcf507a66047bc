"""Subscription filters: types by full CloudEvents type or short name, campaigns, units."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest
from pydantic import ValidationError

from schemas import awards as a
from schemas import progress as p
from schemas import registry as r
from schemas.examples import (
    CAMPAIGN,
    HUYEN_U_MINH,
    NOMINATION,
    PERSON,
    SO_KHDT,
    SO_NOI_VU,
    SO_TAI_CHINH,
    example,
)
from services.notify.domain.directory import MemoryDirectory
from services.notify.domain.filters import SubscriptionFilter, concerned, matches
from tests.notify import envelope, seeded_directory

ACHIEVED = example(p.TargetAchieved)


def test_a_retraction_follows_the_achievement_it_takes_back():
    retracted = envelope(example(p.TargetAchievementRetracted))
    for t in ("TargetAchieved", "vn.thidua.progress.TargetAchieved.v1"):
        assert matches(SubscriptionFilter(event_types=[t]), retracted)
    assert matches(SubscriptionFilter(event_types=["TargetAchievementRetracted"]), retracted)
    assert not matches(SubscriptionFilter(event_types=["TargetAchievementRetracted"]), ACHIEVED)
    assert not matches(SubscriptionFilter(event_types=["ReportOverdue"]), retracted)


def test_an_empty_filter_matches_everything():
    assert matches(SubscriptionFilter(), envelope(example(r.UnitRegistered)))
    assert matches(SubscriptionFilter(), ACHIEVED)


@pytest.mark.parametrize("t", ["vn.thidua.progress.TargetAchieved.v1", "TargetAchieved"])
def test_event_types_by_full_type_or_short_name(t):
    f = SubscriptionFilter(event_types=[t])
    assert matches(f, envelope(ACHIEVED))
    assert not matches(f, envelope(example(p.TargetReported)))


def test_unknown_event_types_are_refused_naming_the_entry():
    with pytest.raises(ValidationError) as info:
        SubscriptionFilter(event_types=["TargetAchieved", "TargetAchived"])
    err = info.value.errors()[0]
    assert err["loc"] == ("event_types",)
    assert "entry 1 ('TargetAchived') is not a known event type" in err["msg"]


def test_other_fields_are_refused():
    with pytest.raises(ValidationError):
        SubscriptionFilter.model_validate({"types": ["TargetAchieved"]})


def test_campaign_filter():
    assert matches(SubscriptionFilter(campaign_ids=[CAMPAIGN]), ACHIEVED)
    assert not matches(SubscriptionFilter(campaign_ids=[uuid4()]), ACHIEVED)
    # An event about no campaign cannot match a filter on campaigns.
    assert not matches(SubscriptionFilter(campaign_ids=[CAMPAIGN]), example(r.UnitRegistered))


def test_unit_filter_on_plain_and_list_fields():
    assert matches(SubscriptionFilter(unit_ids=[SO_TAI_CHINH]), ACHIEVED)
    assert not matches(SubscriptionFilter(unit_ids=[SO_NOI_VU]), ACHIEVED)
    launched = example(r.CampaignLaunched)
    assert matches(SubscriptionFilter(unit_ids=[HUYEN_U_MINH]), launched)  # participating
    assert matches(SubscriptionFilter(unit_ids=[launched.launched_by]), launched)
    standings = example(p.StandingsChanged)
    assert matches(SubscriptionFilter(unit_ids=[SO_KHDT]), standings)  # nested ranking


def test_all_dimensions_must_match():
    f = SubscriptionFilter(
        event_types=["TargetAchieved"], campaign_ids=[CAMPAIGN], unit_ids=[SO_KHDT]
    )
    assert not matches(f, ACHIEVED)  # right type and campaign, other unit
    assert matches(f.model_copy(update={"unit_ids": [SO_TAI_CHINH, SO_KHDT]}), ACHIEVED)


def test_nomination_events_use_what_the_submission_said():
    screened = example(a.NominationScreened)
    by_proposer = SubscriptionFilter(unit_ids=[SO_NOI_VU])
    by_campaign = SubscriptionFilter(campaign_ids=[CAMPAIGN])
    assert matches(by_proposer, screened, seeded_directory())
    assert matches(by_campaign, screened, seeded_directory())
    assert not matches(by_proposer, screened, MemoryDirectory())  # nothing known: no match
    revoked = example(a.AwardRevoked)  # names the nomination in a list
    assert matches(by_campaign, revoked, seeded_directory())


def test_a_collective_nominee_counts_as_its_unit():
    submitted = a.NominationSubmitted(
        nomination_id=uuid4(),
        nominee=a.Nominee(kind="collective", id=SO_KHDT),
        award_code="TTLDXS",
        year=2020,
        proposer_unit_id=SO_TAI_CHINH,
    )
    assert concerned(submitted).unit_ids == {SO_KHDT, SO_TAI_CHINH}


def test_a_decision_concerns_the_units_of_awarded_people():
    d = seeded_directory()
    decision = example(a.AwardDecisionIssued)
    assert SO_NOI_VU in concerned(decision, d).unit_ids
    assert concerned(decision, d).campaign_ids == {CAMPAIGN}  # from the nomination
    assert concerned(decision).unit_ids == set()


def test_a_collective_rating_concerns_the_rated_unit():
    rated = p.PerformanceRated(
        subject_id=SO_KHDT, subject_kind="collective", year=2020, rating="HTXSNV", unit_id=SO_KHDT
    )
    person_rated = example(p.PerformanceRated)
    assert concerned(rated).unit_ids == {SO_KHDT}
    assert PERSON not in concerned(person_rated).unit_ids


def test_concerned_reads_every_unit_field():
    merged = example(r.UnitMerged)
    assert concerned(merged).unit_ids == {merged.unit_id, *merged.merged_unit_ids}
    elected = r.BlocHeadElected(
        bloc_id=uuid4(), year=2021, head_unit_id=SO_KHDT, deputy_unit_id=SO_TAI_CHINH
    )
    assert concerned(elected).unit_ids == {SO_KHDT, SO_TAI_CHINH}
    rejected = a.NominationRejected(
        nomination_id=NOMINATION, decided_on=date(2021, 1, 15), reason="x"
    )
    assert concerned(rejected, seeded_directory()).unit_ids == {SO_NOI_VU}


def test_a_reopened_bloc_leader_reaches_the_subscribers_of_bloc_leaders():
    """BlocLeaderReopened goes where BlocLeaderDetermined goes: to the webhooks subscribed to
    it (or to everything)."""
    f = SubscriptionFilter(event_types=["BlocLeaderDetermined", "BlocLeaderReopened"])
    assert matches(f, envelope(example(p.BlocLeaderReopened)))
    assert matches(f, envelope(example(p.BlocLeaderDetermined)))
    assert matches(SubscriptionFilter(), envelope(example(p.BlocLeaderReopened)))
