"""Problems found in input: each names the field at fault, so the API answers with a clear 4xx and
stores nothing."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    """The input field at fault, e.g. "as_of"."""
    code: str
    """A stable machine-readable slug, e.g. "future_date"."""
    message: str
    """For people; never echoes the input value (it may hold personal data)."""


class Rejected(Exception):
    """Input failed the domain's checks; `problems` lists every one found, not just the first."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        if not problems:
            raise ValueError("Rejected needs at least one problem")
        self.problems = list(problems)
        super().__init__("; ".join(f"{p.field}: {p.message}" for p in self.problems))


def reject_if(problems: list[FieldProblem]) -> None:
    if problems:
        raise Rejected(problems)
