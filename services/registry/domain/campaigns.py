"""Emulation campaigns (phong trào, đợt thi đua) and the targets (chỉ tiêu) units commit to.

A campaign is drafted, launched, then closed. Its legal regime follows from its dates — its
achievements are judged when it ends: up to 2023 under the 2013 regime (Luật TĐKT 2003/2013),
from 2024 under the 2022 regime (Luật 06/2022/QH15, in force 2024-01-01) — unless overridden.

Launching checks the campaign is complete: a period, a launching unit that exists when it starts,
at least one participant (units named directly or members of its blocs during the period), every
participant existing during the period, and at least one target for each participant. It then
publishes the campaign with its targets.

Targets belong to a participating unit, fall due within the campaign, weigh zero or more. A
target is edited freely while the campaign is a draft (nothing was published); once launched,
every change is a new revision (numbered from 1) with its reason; after closing, nothing changes.

A unit's own movement is a campaign with a parent: the province's campaign it answers (the
province's 2020 plan asks departments, districts and enterprises to "tổ chức phát động phong
trào với nội dung, chủ đề, chuyên đề thi đua cụ thể"). `child_problems` says what keeps it from
being one.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from typing import TypedDict, Unpack
from uuid import UUID

from servicekit.closures import UnitEnd, closed_unit_problem
from servicekit.errors import Conflict, Invalid, Violation
from servicekit.messages import Msg

REGIME_2022_FROM = date(2024, 1, 1)
"""Luật Thi đua, khen thưởng 06/2022/QH15 took effect on this day (a parameter of the service)."""

STATES = ("draft", "launched", "closed")


def derive_regime(end: date, regime_2022_from: date = REGIME_2022_FROM) -> str:
    """The regime a campaign's achievements are judged under, from the day it ends."""
    return "2013" if end < regime_2022_from else "2022"


@dataclass(frozen=True)
class Campaign:
    campaign_id: UUID
    code: str
    title: str
    theme: str
    kind: str  # regular, special, thematic
    start: date
    end: date
    launched_by: UUID
    regime: str
    regime_overridden: bool = False
    goals: tuple[str, ...] = ()
    participating_unit_ids: tuple[UUID, ...] = ()
    bloc_ids: tuple[UUID, ...] = ()
    state: str = "draft"
    launched_on: date | None = None
    closed_on: date | None = None
    summary: str | None = None
    parent_campaign_id: UUID | None = None
    """The campaign this one answers (a unit's own movement); None for the province's own."""
    sub_themes: tuple[str, ...] = ()
    """Chuyên đề thi đua."""
    occasion_ids: tuple[UUID, ...] = ()
    """The occasions its achievements are dedicated to (domain.occasions)."""

    @property
    def years(self) -> range:
        return range(self.start.year, self.end.year + 1)


class CampaignChanges(TypedDict, total=False):
    """What editing a draft may change (each key given is a change; `regime: None` returns to
    the regime derived from the end date)."""

    code: str
    title: str
    theme: str
    kind: str
    start: date
    end: date
    launched_by: UUID
    regime: str | None
    goals: Sequence[str]
    participating_unit_ids: Sequence[UUID]
    bloc_ids: Sequence[UUID]
    sub_themes: Sequence[str]
    occasion_ids: Sequence[UUID]


def create(
    campaign_id: UUID,
    *,
    code: str,
    title: str,
    theme: str,
    kind: str,
    start: date,
    end: date,
    launched_by: UUID,
    goals: list[str] | tuple[str, ...] = (),
    participating_unit_ids: list[UUID] | tuple[UUID, ...] = (),
    bloc_ids: list[UUID] | tuple[UUID, ...] = (),
    regime: str | None = None,
    regime_2022_from: date = REGIME_2022_FROM,
    parent_campaign_id: UUID | None = None,
    sub_themes: list[str] | tuple[str, ...] = (),
    occasion_ids: list[UUID] | tuple[UUID, ...] = (),
) -> Campaign:
    c = Campaign(
        campaign_id,
        code,
        title,
        theme,
        kind,
        start,
        end,
        launched_by,
        regime or derive_regime(end, regime_2022_from),
        regime is not None,
        tuple(goals),
        tuple(participating_unit_ids),
        tuple(bloc_ids),
        parent_campaign_id=parent_campaign_id,
        sub_themes=tuple(sub_themes),
        occasion_ids=tuple(occasion_ids),
    )
    _check_fields(c)
    return c


def edit(
    campaign: Campaign,
    regime_2022_from: date = REGIME_2022_FROM,
    **changes: Unpack[CampaignChanges],
) -> Campaign:
    """Changes of a draft. `regime=None` among the changes goes back to the derived regime."""
    if campaign.state != "draft":
        raise Conflict(
            Msg(
                "campaign {code} is {state}: only a draft is edited",
                code=campaign.code,
                state=campaign.state,
            ),
            code="not_draft",
        )
    new = replace(
        campaign,
        code=changes.get("code", campaign.code),
        title=changes.get("title", campaign.title),
        theme=changes.get("theme", campaign.theme),
        kind=changes.get("kind", campaign.kind),
        start=changes.get("start", campaign.start),
        end=changes.get("end", campaign.end),
        launched_by=changes.get("launched_by", campaign.launched_by),
        goals=tuple(changes.get("goals", campaign.goals)),
        participating_unit_ids=tuple(
            changes.get("participating_unit_ids", campaign.participating_unit_ids)
        ),
        bloc_ids=tuple(changes.get("bloc_ids", campaign.bloc_ids)),
        sub_themes=tuple(changes.get("sub_themes", campaign.sub_themes)),
        occasion_ids=tuple(changes.get("occasion_ids", campaign.occasion_ids)),
    )
    regime = changes.get("regime")
    if regime is not None:
        new = replace(new, regime=regime, regime_overridden=True)
    elif "regime" in changes or not new.regime_overridden:
        new = replace(new, regime=derive_regime(new.end, regime_2022_from), regime_overridden=False)
    _check_fields(new)
    return new


def _check_fields(c: Campaign) -> None:
    if c.end < c.start:
        raise Invalid.at("#/end", "the campaign ends before it starts", "range")
    if len(set(c.participating_unit_ids)) != len(c.participating_unit_ids):
        raise Invalid.at("#/participating_unit_ids", "a unit is listed twice", "duplicate")
    if len(set(c.bloc_ids)) != len(c.bloc_ids):
        raise Invalid.at("#/bloc_ids", "a bloc is listed twice", "duplicate")
    if c.parent_campaign_id == c.campaign_id:
        raise Invalid.at("#/parent_campaign_id", "a campaign cannot answer itself", "cycle")


def child_problems(
    child: Campaign,
    parent: Campaign,
    *,
    parent_participants: set[UUID],
    ancestors: Mapping[UUID, list[UUID]],
) -> tuple[list[Violation], list[Violation]]:
    """What keeps `child` from being a unit's own movement answering `parent`: the conflicts
    with the parent's state (409) and the invalid fields (422).

    The parent must be launched (a draft may still change; a closed one is over); the child runs
    within the parent's period (its results count towards the parent's); the launching unit takes
    part in the parent (named, or through its blocs: `parent_participants`); and the child's
    participants are the launching unit and units under it on the child's first day
    (`ancestors` maps each participant to its ancestors then). A child names its units, not blocs:
    a bloc spans units of other branches of the tree."""
    conflicts: list[Violation] = []
    if parent.state != "launched":
        conflicts.append(
            Violation(
                "#/parent_campaign_id",
                Msg(
                    "the parent campaign {code} is {state}: a unit's own "
                    "movement answers a launched campaign",
                    code=parent.code,
                    state=parent.state,
                ),
                "parent_not_launched",
            )
        )
    invalid: list[Violation] = []
    parent_span = {"code": parent.code, "parent_start": parent.start, "parent_end": parent.end}
    starts = (
        "the campaign starts on {day}, before its parent {code} ({parent_start} to {parent_end})"
    )
    ends = "the campaign ends on {day}, after its parent {code} ({parent_start} to {parent_end})"
    for field, template, outside in (
        ("#/start", starts, child.start < parent.start),
        ("#/end", ends, child.end > parent.end),
    ):
        if outside:
            day = child.start if field == "#/start" else child.end
            invalid.append(
                Violation(field, Msg(template, day=day, **parent_span), "outside_parent")
            )
    if child.launched_by not in parent_participants:
        invalid.append(
            Violation(
                "#/launched_by",
                Msg(
                    "the launching unit does not take part in the parent campaign {code}",
                    code=parent.code,
                ),
                "not_participant",
            )
        )
    if child.bloc_ids:
        invalid.append(
            Violation(
                "#/bloc_ids",
                "a unit's own movement names its units, not blocs",
                "not_allowed",
            )
        )
    for i, u in enumerate(child.participating_unit_ids):
        if u != child.launched_by and child.launched_by not in ancestors.get(u, []):
            invalid.append(
                Violation(
                    f"#/participating_unit_ids/{i}",
                    "the unit is neither the launching unit nor under it",
                    "not_under_launcher",
                )
            )
    return conflicts, invalid


def raise_child_problems(conflicts: list[Violation], invalid: list[Violation]) -> None:
    """Raise what `child_problems` found: a conflict with the parent's state first (409), else
    the invalid fields (422)."""
    if conflicts:
        raise Conflict(conflicts[0].detail, code=conflicts[0].code, violations=conflicts)
    if invalid:
        raise Invalid.many(invalid, code=invalid[0].code)


@dataclass(frozen=True)
class Target:
    target_id: UUID
    campaign_id: UUID
    unit_id: UUID
    name: str
    metric: str
    unit_of_measure: str
    target_value: float
    direction: str  # higher_is_better, lower_is_better
    deadline: date
    weight: float = 1.0
    indicator_code: str | None = None
    revision: int = 1
    reason: str | None = None
    allow_negative: bool = False
    """Whether reported values may be below zero (a growth rate can fall)."""

    @property
    def terms(self) -> tuple[object, ...]:
        return (
            self.name,
            self.metric,
            self.unit_of_measure,
            self.target_value,
            self.direction,
            self.deadline,
            self.weight,
            self.indicator_code,
            self.allow_negative,
        )


class TargetTerms(TypedDict, total=False):
    """What revising a target may change (each key given is a change)."""

    name: str
    metric: str
    unit_of_measure: str
    target_value: float
    direction: str
    weight: float
    deadline: date
    indicator_code: str
    allow_negative: bool


def check_unit_open(target: Target, end: UnitEnd | None, unit_name: str) -> None:
    """A unit closed on D (its first day of not existing) takes no target due on or after D:
    its successors carry the commitments from then on."""
    if end is None or not end.covers(target.deadline):
        return
    detail = closed_unit_problem(end, unit_name, "chỉ tiêu có hạn")
    raise Conflict(
        detail,
        code="unit_closed",
        violations=[Violation("#/deadline", detail, "unit_closed")],
        closed_on=end.closed_on.isoformat(),
        successor_unit_ids=end.successor_ids,
    )


def check_target(
    campaign: Campaign,
    target: Target,
    participants: set[UUID],
    ends: Mapping[UUID, tuple[UnitEnd, str]] | None = None,
) -> None:
    """`ends`: the closures of the units concerned, each with the unit's name."""
    if campaign.state == "closed":
        raise Conflict(Msg("campaign {code} is closed", code=campaign.code), code="closed")
    if target.unit_id not in participants:
        raise Invalid.at(
            "#/unit_id", "the unit does not take part in the campaign", "not_participant"
        )
    if not (campaign.start <= target.deadline <= campaign.end):
        raise Invalid.at(
            "#/deadline",
            Msg(
                "the deadline must lie within the campaign ({start} to {end})",
                start=campaign.start,
                end=campaign.end,
            ),
            "range",
        )
    if not math.isfinite(target.weight) or target.weight < 0:
        raise Invalid.at("#/weight", "the weight must be zero or more", "range")
    if not math.isfinite(target.target_value):
        raise Invalid.at("#/target_value", "the target value must be a finite number", "range")
    if target.target_value < 0 and not target.allow_negative:
        raise Invalid.at(
            "#/target_value",
            "a negative target value needs allow_negative (values below zero reported)",
            "negative",
        )
    if ends and target.unit_id in ends:
        check_unit_open(target, *ends[target.unit_id])


def assign(
    campaign: Campaign,
    target: Target,
    participants: set[UUID],
    existing: list[Target],
    ends: Mapping[UUID, tuple[UnitEnd, str]] | None = None,
) -> Target:
    check_target(campaign, target, participants, ends)
    for t in existing:
        if t.unit_id == target.unit_id and t.name == target.name:
            raise Conflict(
                Msg(
                    "the unit already has a target named {name!r} in this campaign",
                    name=target.name,
                ),
                code="duplicate",
                target_id=str(t.target_id),
            )
    return replace(target, revision=1, reason=None)


def revise(
    campaign: Campaign,
    target: Target,
    participants: set[UUID],
    existing: list[Target],
    *,
    reason: str | None = None,
    ends: Mapping[UUID, tuple[UnitEnd, str]] | None = None,
    **changes: Unpack[TargetTerms],
) -> Target | None:
    """The target as revised, or None if nothing changes. A draft's target is edited in place;
    a launched campaign's gets the next revision."""
    if campaign.state == "closed":
        raise Conflict(Msg("campaign {code} is closed", code=campaign.code), code="closed")
    new = replace(target, **changes)
    if new.terms == target.terms:
        return None
    check_target(campaign, new, participants, ends)
    if new.name != target.name:
        for t in existing:
            if t.target_id != target.target_id and t.unit_id == new.unit_id and t.name == new.name:
                raise Conflict(
                    Msg("the unit already has a target named {name!r}", name=new.name),
                    code="duplicate",
                )
    if campaign.state == "draft":
        return replace(new, revision=1, reason=None)
    if not reason:
        raise Invalid.at(
            "#/reason", "a launched campaign's target is revised with a reason", "missing"
        )
    return replace(new, revision=target.revision + 1, reason=reason)


def completeness(
    campaign: Campaign,
    *,
    participants: dict[UUID, str],
    targets: list[Target],
    unit_overlaps: Callable[[UUID, date, date], bool],
    unit_exists_on: Callable[[UUID, date], bool],
    blocs_missing: list[UUID],
) -> list[Violation]:
    """What keeps the campaign from launching; empty when it is complete. `participants` maps
    each participating unit to its code."""
    out: list[Violation] = []
    if campaign.end < campaign.start:
        out.append(Violation("#/end", "the campaign ends before it starts", "range"))
    if not unit_exists_on(campaign.launched_by, campaign.start):
        out.append(
            Violation(
                "#/launched_by",
                Msg("the launching unit does not exist on {start}", start=campaign.start),
                "not_valid",
            )
        )
    for b in blocs_missing:
        out.append(
            Violation(
                "#/bloc_ids",
                Msg("bloc {b} is not formed for {year}", b=b, year=campaign.start.year),
                "not_formed",
            )
        )
    if not participants:
        out.append(
            Violation("#/participating_unit_ids", "the campaign has no participant", "missing")
        )
    covered = {t.unit_id for t in targets}
    for unit_id, code in participants.items():
        if not unit_overlaps(unit_id, campaign.start, campaign.end):
            out.append(
                Violation(
                    "#/participating_unit_ids",
                    Msg("unit {code} does not exist during the campaign", code=code),
                    "not_valid",
                )
            )
        elif unit_id not in covered:
            out.append(
                Violation("#/targets", Msg("unit {code} has no target", code=code), "no_target")
            )
    return out


def launch(campaign: Campaign, problems: list[Violation], on: date) -> Campaign:
    if campaign.state != "draft":
        raise Conflict(
            Msg("campaign {code} is already {state}", code=campaign.code, state=campaign.state),
            code="not_draft",
        )
    if problems:
        raise Conflict(
            f"campaign {campaign.code} is not complete: "
            + "; ".join(p.detail for p in problems[:5])
            + (f"; and {len(problems) - 5} more" if len(problems) > 5 else ""),
            code="incomplete",
            violations=problems,
        )
    return replace(campaign, state="launched", launched_on=on)


def close(campaign: Campaign, closed_on: date, summary: str | None) -> Campaign:
    if campaign.state != "launched":
        raise Conflict(
            Msg(
                "campaign {code} is {state}: only a launched campaign closes",
                code=campaign.code,
                state=campaign.state,
            ),
            code="not_launched",
        )
    if closed_on < campaign.start:
        raise Invalid.at("#/closed_on", "the campaign cannot close before it starts", "range")
    return replace(campaign, state="closed", closed_on=closed_on, summary=summary)
