"""Recognised initiatives (sáng kiến) and science works: the checks before one is recorded."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import get_args
from uuid import UUID

from schemas.types import InitiativeKind, InitiativeLevel, InitiativeScope
from servicekit.messages import Msg
from services.progress.domain.errors import FieldProblem

LEVELS: tuple[InitiativeLevel, ...] = get_args(InitiativeLevel)  # cơ sở, tỉnh, toàn quốc
KINDS: tuple[InitiativeKind, ...] = get_args(InitiativeKind)  # sáng kiến, đề tài khoa học
SCOPES: tuple[InitiativeScope, ...] = get_args(InitiativeScope)
SCOPE_OF_LEVEL: dict[str, InitiativeScope] = {
    "grassroots": "unit",
    "provincial": "province",
    "national": "national",
}
"""The reach assumed when none is stated: as far as the level that recognised it."""
MAX_TITLE = 500  # the contract's Text


@dataclass(frozen=True, slots=True)
class Initiative:
    id: UUID
    title: str
    level: InitiativeLevel
    recognised_on: date
    author_ids: tuple[UUID, ...]
    unit_id: UUID
    kind: InitiativeKind = "initiative"
    scope: InitiativeScope | None = None
    """How far its effect reaches (phạm vi ảnh hưởng); None only on records from before it was
    stated (awards then reads the level's reach)."""


def check_initiative(
    *,
    title: object,
    level: object,
    kind: object = "initiative",
    scope: object = None,
    recognised_on: object,
    author_ids: Sequence[UUID],
    unit_id: UUID,
    entering_unit: UUID,
    today: date,
) -> list[FieldProblem]:
    problems = []
    if not isinstance(title, str) or not title.strip():
        problems.append(FieldProblem("title", "missing", "the title is required"))
    elif len(unicodedata.normalize("NFC", title).strip()) > MAX_TITLE:
        problems.append(
            FieldProblem("title", "too_long", Msg("at most {limit} characters", limit=MAX_TITLE))
        )
    if level not in LEVELS:
        problems.append(FieldProblem("level", "unknown_level", "one of " + ", ".join(LEVELS)))
    if kind not in KINDS:
        problems.append(FieldProblem("kind", "unknown_kind", "one of " + ", ".join(KINDS)))
    if scope is not None and scope not in SCOPES:
        problems.append(FieldProblem("scope", "unknown_scope", "one of " + ", ".join(SCOPES)))
    if not isinstance(recognised_on, date):
        problems.append(FieldProblem("recognised_on", "wrong_type", "a date is required"))
    elif recognised_on > today:
        problems.append(FieldProblem("recognised_on", "future_date", "the date is in the future"))
    if not author_ids:
        problems.append(FieldProblem("author_ids", "missing", "name at least one author"))
    elif len(set(author_ids)) != len(author_ids):
        problems.append(FieldProblem("author_ids", "duplicate", "an author is listed twice"))
    if unit_id != entering_unit:
        problems.append(FieldProblem("unit_id", "foreign_unit", "record initiatives of your unit"))
    return problems
