"""Who each event concerns, from the schema examples and variations of them."""

from __future__ import annotations

from datetime import date
from uuid import uuid4

import pytest

from schemas import awards as a
from schemas import progress as p
from schemas import registry as r
from schemas.examples import (
    HUYEN_U_MINH,
    NOMINATION,
    PERSON,
    PERSON_2,
    SO_KHDT,
    SO_NOI_VU,
    SO_TAI_CHINH,
    example,
)
from services.notify.domain.directory import MemoryDirectory, NominationFacts
from services.notify.domain.recipients import Recipient, recipients
from tests.notify import envelope, seeded_directory


@pytest.mark.parametrize(
    "cls", [p.ReportDueSoon, p.ReportOverdue, p.TargetAchieved, p.TargetAchievementRetracted]
)
def test_target_events_go_to_the_targets_unit(cls):
    assert recipients(example(cls)) == [Recipient("unit", SO_TAI_CHINH, "target_unit")]


def test_an_envelope_is_read_like_its_event():
    event = example(p.ReportOverdue)
    assert recipients(envelope(event)) == recipients(event)


@pytest.mark.parametrize("cls", [a.NominationScreened, a.NominationApproved, a.NominationWithdrawn])
def test_nomination_outcomes_go_to_the_nominee_and_the_proposer(cls):
    got = recipients(example(cls), seeded_directory())
    assert got == [
        Recipient("person", PERSON, "nominee"),
        Recipient("unit", SO_NOI_VU, "proposer"),
    ]


@pytest.mark.parametrize("cls", [a.NominationProposed, a.NominationCentrallyDecided])
def test_a_proposal_goes_to_the_nominee_their_unit_and_the_proposer(cls):
    d = seeded_directory()
    assert recipients(example(cls), d) == [
        Recipient("person", PERSON, "nominee"),
        Recipient("unit", SO_NOI_VU, "nominee_unit"),  # also the proposer: told once
    ]
    d.nominations[NOMINATION] = NominationFacts(
        nominee=a.Nominee(kind="person", id=PERSON),
        proposer_unit_id=SO_TAI_CHINH,
        award_code="CSTD_TQ",
    )
    assert recipients(example(cls), d) == [
        Recipient("person", PERSON, "nominee"),
        Recipient("unit", SO_NOI_VU, "nominee_unit"),
        Recipient("unit", SO_TAI_CHINH, "proposer"),
    ]


def test_a_collective_nominee_is_a_unit():
    d = MemoryDirectory()
    d.nominations[NOMINATION] = NominationFacts(
        nominee=a.Nominee(kind="collective", id=SO_KHDT),
        proposer_unit_id=SO_TAI_CHINH,
        award_code="TTLDXS",
    )
    rejected = a.NominationRejected(
        nomination_id=NOMINATION, decided_on=date(2021, 1, 15), reason="Chưa đủ tiêu chuẩn"
    )
    assert recipients(rejected, d) == [
        Recipient("unit", SO_KHDT, "nominee"),
        Recipient("unit", SO_TAI_CHINH, "proposer"),
    ]


def test_a_nomination_the_directory_does_not_know_concerns_nobody():
    # The read model missed NominationSubmitted: nobody to tell, rather than a wrong guess.
    assert recipients(example(a.NominationScreened), MemoryDirectory()) == []


def test_a_decision_goes_to_each_awardee_their_unit_and_the_proposer():
    d = seeded_directory()
    second = uuid4()
    d.add_person(PERSON_2, SO_KHDT, date(2019, 1, 1))
    d.add_person(PERSON_2, SO_TAI_CHINH, date(2021, 6, 1))  # moved after the decision
    d.nominations[second] = NominationFacts(
        nominee=a.Nominee(kind="person", id=PERSON_2),
        proposer_unit_id=SO_KHDT,
        award_code="LDTT",
    )
    decision = a.AwardDecisionIssued(
        **example(a.AwardDecisionIssued).model_dump(exclude={"awards"}),
        awards=[
            *example(a.AwardDecisionIssued).awards,
            a.AwardLine(
                nomination_id=second,
                nominee=a.Nominee(kind="person", id=PERSON_2),
                award_code="LDTT",
                amount_vnd=447_000,
            ),
            a.AwardLine(
                nomination_id=uuid4(),  # not in the read model
                nominee=a.Nominee(kind="collective", id=HUYEN_U_MINH),
                award_code="TTLDXS",
                amount_vnd=2_235_000,
            ),
        ],
    )
    assert recipients(decision, d) == [
        Recipient("person", PERSON, "awardee"),
        Recipient("person", PERSON_2, "awardee"),
        Recipient("unit", HUYEN_U_MINH, "awardee"),
        Recipient("unit", SO_NOI_VU, "awardee_unit"),  # PERSON's unit, also the proposer
        Recipient("unit", SO_KHDT, "awardee_unit"),  # PERSON_2's unit on the signing day
    ]


def test_a_decision_without_read_model_still_reaches_the_awardees():
    assert recipients(example(a.AwardDecisionIssued)) == [Recipient("person", PERSON, "awardee")]


def test_a_campaign_launch_goes_to_each_participating_unit_once():
    launched = example(r.CampaignLaunched)
    got = recipients(launched)
    assert [x.id for x in got] == launched.participating_unit_ids
    assert {x.why for x in got} == {"participant"}
    assert all(x.kind == "unit" for x in got)


def test_a_unit_given_a_target_at_launch_is_told_even_if_not_listed():
    launched = example(r.CampaignLaunched)
    only_targets = r.CampaignLaunched(
        **launched.model_dump(exclude={"participating_unit_ids"}), participating_unit_ids=[]
    )
    assert recipients(only_targets) == [Recipient("unit", SO_TAI_CHINH, "target_unit")]


@pytest.mark.parametrize(
    "cls",
    [
        r.UnitRegistered,
        r.PersonRegistered,
        r.PersonStatusChanged,
        r.UnitStatusChanged,
        r.CampaignClosed,
        p.TargetReported,
        p.StandingsChanged,
        a.NominationSubmitted,
        a.AwardRevoked,
    ],
)
def test_other_events_concern_nobody(cls):
    assert recipients(example(cls), seeded_directory()) == []
