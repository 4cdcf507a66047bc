"""What a service's domain says when a command breaks a rule: `Invalid` (422 naming the field),
`Conflict` (409), `NotFound` (404), each with the `Violation`s that name the fields at fault.

Plain exceptions with no import beyond the standard library and `servicekit.messages`, so a pure
domain core raises them without pulling in FastAPI or a database driver; `servicekit.problems`
turns them into problem details. Raised inside a request's unit of work, they roll back
everything it did."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from servicekit.messages import Msg, joined

MAX_SUMMARY = 5  # violations named in `detail`; `errors` lists every one


@dataclass(frozen=True)
class Violation:
    """One broken rule. `field` is a JSON pointer into the request body ("#/parent_id"), or ""
    when the rule concerns the whole object; the parameter's name when `location` is "query" or
    "path"."""

    field: str
    detail: str
    code: str = "rule"
    location: str = "body"

    def as_dict(self) -> dict[str, Any]:
        where: dict[str, Any] = {"in": self.location}
        if self.location == "body":
            where["pointer"] = self.field or "#"
        else:
            where["name"] = self.field
        return {**where, "detail": self.detail, "type": self.code}


class DomainError(Exception):
    """`code` is a stable machine-readable slug; `extra` become members of the problem document.
    `detail` is English; a `Msg` (`servicekit.messages`) is translated when answered."""

    status = 422
    title = "Invalid request"

    def __init__(
        self,
        detail: str,
        *,
        code: str = "rule",
        violations: list[Violation] | None = None,
        **extra: Any,
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.code = code
        self.violations = violations or []
        self.extra = extra


class Invalid(DomainError):
    """The request contradicts a rule or names what does not exist: 422."""

    @classmethod
    def at(cls, field: str, detail: str, code: str = "rule", **extra: Any) -> Invalid:
        return cls(detail, code=code, violations=[Violation(field, detail, code)], **extra)

    @classmethod
    def param(cls, name: str, detail: str, code: str = "rule", where: str = "query") -> Invalid:
        return cls(
            joined([name, detail], ": "),
            code=code,
            violations=[Violation(name, detail, code, where)],
        )

    @classmethod
    def many(
        cls, violations: list[Violation], summary: str | None = None, *, code: str = "rule"
    ) -> Invalid:
        return cls(summary or summarize(violations), code=code, violations=violations)


def summarize(violations: list[Violation]) -> Msg:
    """The first violations as one line ("#/end: end is before start; …"), each part translated
    on its own (the pointers are not)."""
    parts: list[str] = [joined([v.field or "#", v.detail], ": ") for v in violations[:MAX_SUMMARY]]
    if len(violations) > MAX_SUMMARY:
        parts.append(Msg("and {count} more", count=len(violations) - MAX_SUMMARY))
    return joined(parts)


class Conflict(DomainError):
    """The request is valid but conflicts with the current state: 409."""

    status = 409
    title = "Conflict"


class NotFound(DomainError):
    status = 404
    title = "Not found"
