"""The unit tree as of a day, flattened for a page, and what changed between two days: units
that appear (registered, or the successors of a merge or split) and units that are gone
(closed, merged or split). The registry's tree API gives each day's tree; its unit API says
how a gone unit ended and what a new one came from."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

KINDS = {
    "provincial_committee": "UBND tỉnh",
    "department": "Sở, ban, ngành",
    "mass_organisation": "Đoàn thể",
    "central_agency": "Cơ quan Trung ương",
    "college": "Trường cao đẳng",
    "enterprise": "Doanh nghiệp",
    "district": "Huyện, thành phố",
    "commune": "Xã, phường",
}
ENDINGS = {"closed": "giải thể", "merged": "hợp nhất", "split": "chia tách"}


@dataclass(frozen=True)
class Row:
    unit_id: str
    code: str
    name: str
    kind: str
    depth: int


def rows(tree: Iterable[dict[str, Any]], depth: int = 0) -> Iterator[Row]:
    """Depth first, children in the registry's order."""
    for n in tree:
        yield Row(n["unit_id"], n["code"], n["name"], KINDS.get(n["kind"], n["kind"]), depth)
        yield from rows(n.get("children") or [], depth + 1)


def changes(before: list[Row], after: list[Row]) -> tuple[list[Row], list[Row]]:
    """(units in `after` only, units in `before` only), each in tree order."""
    had = {r.unit_id for r in before}
    has = {r.unit_id for r in after}
    return [r for r in after if r.unit_id not in had], [r for r in before if r.unit_id not in has]
