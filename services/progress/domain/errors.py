"""Problems found in input: each names the field at fault, so the API answers with a clear 4xx and
stores nothing. `Rejected` is servicekit's `Invalid` (422 `validation`, one item of `errors` per
problem); a batch's items keep their problems as they are and answer them one by one."""

from __future__ import annotations

from dataclasses import dataclass

from servicekit.errors import Invalid, Violation
from servicekit.messages import Msg


@dataclass(frozen=True, slots=True)
class FieldProblem:
    field: str
    """The input field at fault, e.g. "as_of"."""
    code: str
    """A stable machine-readable slug, e.g. "future_date"."""
    message: str
    """For people; never echoes the input value (it may hold personal data)."""


def pointer(field: str, base: str = "#") -> str:
    """A domain field name ("evidence[0]", "ratings[2].year") as a JSON pointer."""
    path = field.replace("]", "").replace("[", ".").replace(".", "/")
    return f"{base}/{path}" if path else base


class Rejected(Invalid):
    """Input failed the domain's checks; `problems` lists every one found, not just the first."""

    def __init__(self, problems: list[FieldProblem]) -> None:
        if not problems:
            raise ValueError("Rejected needs at least one problem")
        self.problems = list(problems)
        violations = [Violation(pointer(p.field), p.message, p.code) for p in self.problems]
        summary = Invalid.many(violations).detail
        super().__init__(
            Msg("The request is invalid: {summary}", summary=summary), violations=violations
        )


def reject_if(problems: list[FieldProblem]) -> None:
    if problems:
        raise Rejected(problems)
