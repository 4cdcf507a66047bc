"""Rows as the column arrays an `unnest` takes."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


def columns(rows: Sequence[dict[str, Any]], names: Sequence[str]) -> list[list[Any]]:
    """Rows (dicts) as one list per named column: the arrays an `unnest` takes."""
    return [[r[n] for r in rows] for n in names]
