"""Occasions achievements are dedicated to (lập thành tích chào mừng): the congresses and
anniversaries the province names (Đại hội Đảng bộ các cấp, Đại hội Thi đua yêu nước tỉnh lần thứ
VI, toàn quốc lần thứ X). The province keeps the list; campaigns name the occasions they are
dedicated to, and progress and awards learn the list from OccasionDefined."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

from servicekit.errors import Invalid, Violation
from servicekit.messages import Msg


@dataclass(frozen=True)
class Occasion:
    occasion_id: UUID
    code: str
    name: str
    starts_on: date
    ends_on: date | None = None
    """The last day of a congress spanning days; None for a single day."""


def define(occasion: Occasion) -> Occasion:
    if occasion.ends_on is not None and occasion.ends_on < occasion.starts_on:
        raise Invalid.at("#/ends_on", "the occasion ends before it starts", "range")
    return occasion


def check_dedications(occasion_ids: Sequence[UUID], known: Collection[UUID]) -> None:
    """A campaign names each occasion once, and only occasions the province defined."""
    problems = []
    for i, o in enumerate(occasion_ids):
        if o in occasion_ids[:i]:
            problems.append(
                Violation(f"#/occasion_ids/{i}", "an occasion is listed twice", "duplicate")
            )
        elif o not in known:
            problems.append(
                Violation(f"#/occasion_ids/{i}", Msg("no occasion {o}", o=o), "unknown_occasion")
            )
    if problems:
        raise Invalid.many(problems, code=problems[0].code)
