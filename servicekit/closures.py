"""A unit's closure as the services refuse work for it: a unit closed on D (its first day of not
existing: dissolved, merged or split) takes no target due and no report dated on or after D; its
successors carry the year from then. One sentence for both services, so a user reads the same
refusal from the registry and from progress. Standard library only: pure domain code uses it."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

_ENDED = {"closed": "giải thể", "merged": "sáp nhập", "split": "chia tách"}


@dataclass(frozen=True)
class UnitEnd:
    """The first day the unit no longer exists, how it ended (closed, merged, split) and who took
    over (id, name)."""

    closed_on: date
    kind: str = "closed"
    successors: tuple[tuple[UUID, str], ...] = ()

    def covers(self, day: date) -> bool:
        """Whether `day` is on or after the closure: the unit did not exist that day."""
        return day >= self.closed_on

    @property
    def successor_ids(self) -> list[str]:
        return [str(u) for u, _ in self.successors]


def closed_unit_problem(end: UnitEnd, name: str, what: str) -> str:
    """The Vietnamese sentence refusing `what` (targets due, reports dated) of a closed unit: it
    names the closure and who took over, so the user knows where to go instead."""
    text = f"Đơn vị {name} đã {_ENDED.get(end.kind, 'giải thể')} từ ngày {end.closed_on:%d/%m/%Y}"
    if end.successors:
        text += "; đơn vị kế thừa: " + ", ".join(n for _, n in end.successors)
    return f"{text}. Không nhận {what} từ ngày đó."
