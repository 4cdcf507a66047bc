"""What a command says when the request breaks a rule of the procedure. The API turns these into
problem details: `Invalid` → 422 naming the field, `Conflict` → 409, `NotFound` → 404. Raised
inside the request's unit of work, they roll back everything it did: nothing is stored."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class Violation:
    """One broken rule. `field` is a JSON pointer into the request body ("#/nominee/id"), or the
    parameter's name when `location` is "query" or "path"."""

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


class ProcedureError(Exception):
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


class Invalid(ProcedureError):
    """The request contradicts a rule or names what does not exist: 422."""

    @classmethod
    def at(cls, field: str, detail: str, code: str = "rule", **extra: Any) -> Invalid:
        return cls(detail, code=code, violations=[Violation(field, detail, code)], **extra)

    @classmethod
    def many(cls, violations: list[Violation]) -> Invalid:
        summary = "; ".join(f"{v.field}: {v.detail}" for v in violations[:5])
        return cls(summary, code=violations[0].code, violations=violations)


class Conflict(ProcedureError):
    """The request conflicts with the state of the procedure: 409."""

    status = 409
    title = "Conflict"


class NotFound(ProcedureError):
    status = 404
    title = "Not found"
