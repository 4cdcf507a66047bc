"""From domain facts to the published event payloads (schemas/registry.py)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from schemas import registry as r
from schemas.base import Event
from services.registry.domain import blocs as b
from services.registry.domain import campaigns as c
from services.registry.domain import occasions as o
from services.registry.domain import people as p
from services.registry.domain import statuses as st
from services.registry.domain import unit_versions as u


def unit_registered(v: u.UnitVersion) -> r.UnitRegistered:
    return r.UnitRegistered(
        unit_id=v.unit_id,
        code=v.code,
        name=v.name,
        kind=v.kind,
        parent_id=v.parent_id,
        level=v.level,
        valid_from=v.valid_from,
        valid_to=v.valid_to,
    )


def unit_changed(v: u.UnitVersion) -> r.UnitChanged:
    return r.UnitChanged(
        unit_id=v.unit_id,
        code=v.code,
        name=v.name,
        kind=v.kind,
        parent_id=v.parent_id,
        level=v.level,
        valid_from=v.valid_from,
        valid_to=v.valid_to,
    )


def unit_events(facts: list[u.Fact]) -> list[Event]:
    """One event per fact of the unit tree's log, in order. A merge publishes UnitClosed for each
    merged unit (on its own key, so its history ends in its partition) and UnitMerged on the
    successor's key."""
    out: list[Event] = []
    for f in facts:
        if isinstance(f, u.Registered):
            out.append(unit_registered(f.version))
        elif isinstance(f, u.Changed):
            out.append(unit_changed(f.version))
        elif isinstance(f, u.Closed):
            out.append(
                r.UnitClosed(
                    unit_id=f.closure.unit_id,
                    closed_on=f.closure.closed_on,
                    reason=f.closure.reason,
                    closure_kind=f.closure.kind,
                    successor_unit_ids=list(f.closure.successor_ids),
                )
            )
        elif isinstance(f, u.Merged):
            out.append(
                r.UnitMerged(
                    unit_id=f.successor_id,
                    merged_unit_ids=list(f.merged_ids),
                    effective_on=f.effective_on,
                )
            )
    return out


def person_registered(x: p.Person) -> r.PersonRegistered:
    v = x.versions[0]
    return r.PersonRegistered(
        person_id=x.person_id,
        full_name=v.full_name,
        gender=x.gender,
        birth_year=x.birth_year,
        unit_id=v.unit_id,
        position=v.position,
        valid_from=v.valid_from,
    )


def person_changed(x: p.Person, v: p.PersonVersion) -> r.PersonChanged:
    return r.PersonChanged(
        person_id=x.person_id,
        full_name=v.full_name,
        gender=x.gender,
        birth_year=x.birth_year,
        unit_id=v.unit_id,
        position=v.position,
        valid_from=v.valid_from,
    )


def status_changed(
    s: st.StatusPeriod, subject: st.Subject = "person"
) -> r.PersonStatusChanged | r.UnitStatusChanged:
    terms = {
        "status_id": s.status_id,
        "kind": s.kind,
        "discipline_level": s.discipline_level,
        "start": s.start,
        "end": s.end,
    }
    if subject == "unit":
        return r.UnitStatusChanged(unit_id=s.subject_id, **terms)
    return r.PersonStatusChanged(person_id=s.subject_id, **terms)


def bloc_formed(bloc: b.Bloc, by: b.BlocYear) -> r.BlocFormed:
    return r.BlocFormed(
        bloc_id=bloc.bloc_id,
        year=by.year,
        code=bloc.code,
        name=bloc.name,
        kind=bloc.kind,
        member_unit_ids=by.members_on(by.formed_on),
        scoring_scheme_ref=by.scoring_scheme_ref,
        formed_on=by.formed_on,
    )


def membership_changed(
    by: b.BlocYear, added: list[UUID], removed: list[UUID], effective_on: date
) -> r.BlocMembershipChanged:
    return r.BlocMembershipChanged(
        bloc_id=by.bloc_id,
        year=by.year,
        member_unit_ids=by.members_on(effective_on),
        added_unit_ids=added,
        removed_unit_ids=removed,
        effective_on=effective_on,
    )


def head_elected(by: b.BlocYear, effective_on: date | None = None) -> r.BlocHeadElected:
    """`effective_on`: the first day of the term; the bloc's formation when not given."""
    assert by.head_unit_id is not None
    return r.BlocHeadElected(
        bloc_id=by.bloc_id,
        year=by.year,
        head_unit_id=by.head_unit_id,
        deputy_unit_id=by.deputy_unit_id,
        effective_on=effective_on or by.formed_on,
    )


def _spec(t: c.Target) -> r.TargetSpec:
    return r.TargetSpec(
        target_id=t.target_id,
        unit_id=t.unit_id,
        name=t.name,
        metric=t.metric,
        unit_of_measure=t.unit_of_measure,
        target_value=t.target_value,
        direction=t.direction,
        weight=t.weight,
        deadline=t.deadline,
        indicator_code=t.indicator_code,
        allow_negative=t.allow_negative,
    )


def campaign_launched(
    x: c.Campaign, participants: list[UUID], targets: list[c.Target]
) -> r.CampaignLaunched:
    return r.CampaignLaunched(
        campaign_id=x.campaign_id,
        code=x.code,
        title=x.title,
        theme=x.theme,
        goals=list(x.goals),
        kind=x.kind,
        start=x.start,
        end=x.end,
        launched_by=x.launched_by,
        regime=x.regime,
        participating_unit_ids=participants,
        bloc_ids=list(x.bloc_ids),
        targets=[_spec(t) for t in targets],
        parent_campaign_id=x.parent_campaign_id,
        sub_themes=list(x.sub_themes),
        occasion_ids=list(x.occasion_ids),
    )


def occasion_defined(x: o.Occasion) -> r.OccasionDefined:
    return r.OccasionDefined(
        occasion_id=x.occasion_id,
        code=x.code,
        name=x.name,
        starts_on=x.starts_on,
        ends_on=x.ends_on,
    )


def campaign_closed(x: c.Campaign) -> r.CampaignClosed:
    assert x.closed_on is not None
    return r.CampaignClosed(campaign_id=x.campaign_id, closed_on=x.closed_on, summary=x.summary)


def target_assigned(t: c.Target) -> r.TargetAssigned:
    return r.TargetAssigned(
        target_id=t.target_id,
        campaign_id=t.campaign_id,
        unit_id=t.unit_id,
        name=t.name,
        metric=t.metric,
        unit_of_measure=t.unit_of_measure,
        target_value=t.target_value,
        direction=t.direction,
        weight=t.weight,
        deadline=t.deadline,
        indicator_code=t.indicator_code,
        revision=t.revision,
        allow_negative=t.allow_negative,
    )


def target_revised(t: c.Target) -> r.TargetRevised:
    return r.TargetRevised(
        target_id=t.target_id,
        campaign_id=t.campaign_id,
        unit_id=t.unit_id,
        name=t.name,
        metric=t.metric,
        unit_of_measure=t.unit_of_measure,
        target_value=t.target_value,
        direction=t.direction,
        weight=t.weight,
        deadline=t.deadline,
        indicator_code=t.indicator_code,
        revision=t.revision,
        reason=t.reason,
        allow_negative=t.allow_negative,
    )
