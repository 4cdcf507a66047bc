"""What the domain says when a command breaks a rule. The API turns these into problem details:
`Invalid` → 422 naming the field, `Conflict` → 409, `NotFound` → 404."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Violation:
    """One broken rule. `field` is a JSON pointer into the request body ("#/parent_id"), or ""
    when the rule concerns the whole object."""

    field: str
    detail: str
    code: str = "rule"
    location: str = "body"  # or "query", "path": then `field` is the parameter's name

    def as_dict(self) -> dict[str, Any]:
        where: dict[str, Any] = {"in": self.location}
        if self.location == "body":
            where["pointer"] = self.field or "#"
        else:
            where["name"] = self.field
        return {**where, "detail": self.detail, "type": self.code}


class DomainError(Exception):
    status = 422

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
    """The request contradicts a rule: 422."""

    status = 422

    @classmethod
    def at(cls, field: str, detail: str, code: str = "rule", **extra: Any) -> Invalid:
        return cls(detail, code=code, violations=[Violation(field, detail, code)], **extra)

    @classmethod
    def param(cls, name: str, detail: str, code: str = "rule", where: str = "query") -> Invalid:
        return cls(
            f"{name}: {detail}", code=code, violations=[Violation(name, detail, code, where)]
        )

    @classmethod
    def many(cls, violations: list[Violation], summary: str | None = None) -> Invalid:
        head = "; ".join(f"{v.field or '#'}: {v.detail}" for v in violations[:5])
        if len(violations) > 5:
            head += f"; and {len(violations) - 5} more"
        return cls(summary or head, code="rule", violations=violations)


class Conflict(DomainError):
    """The request is valid but conflicts with the registry's current state: 409."""

    status = 409


class NotFound(DomainError):
    status = 404


@dataclass
class Collector:
    """Gathers violations so a command reports all of them at once."""

    violations: list[Violation] = field(default_factory=list)

    def add(self, field: str, detail: str, code: str = "rule") -> None:
        self.violations.append(Violation(field, detail, code))

    def raise_if_any(self, summary: str | None = None) -> None:
        if self.violations:
            raise Invalid.many(self.violations, summary)
