"""What the progress routers share: the runtime (config, clock, bus), connections, roles and
object-level checks, and the domain-problem → problem-details mapping."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from servicekit.auth import Principal, Role, forbidden, is_officer_only, require
from servicekit.http import ReadConnection, on_loop
from servicekit.problems import Problem
from services.progress.config import Clock, ProgressConfig, today
from services.progress.domain import FieldProblem, Rejected
from services.progress.events import Bus
from services.progress.handlers import Conflict, NotFound


@dataclass
class Runtime:
    config: ProgressConfig
    clock: Clock
    bus: Bus


def _runtime(request: Request) -> Runtime:
    return request.app.state.progress


Rt = Annotated[Runtime, Depends(on_loop(_runtime))]


def _today(request: Request) -> date:
    return today(_runtime(request).clock)


Today = Annotated[date, Depends(on_loop(_today))]


ReadCon = ReadConnection

# Every role reads progress figures (none is personal data); a unit officer only their own unit's.
Reader = Annotated[Principal, Depends(require(*Role))]
# Reports: a unit officer for their unit; an integration client (e.g. the province's statistics
# system) and a province administrator for any unit.
Reporter = Annotated[
    Principal, Depends(require(Role.UNIT_OFFICER, Role.INTEGRATION_CLIENT, Role.PROVINCE_ADMIN))
]
# A client whose token is scoped reports only for the units its `reports:` scopes name; a client
# token without scopes (deprecated) still reports for any unit. See servicekit.auth.


def report_scope(p: Principal) -> Callable[[UUID], bool] | None:
    """For a scoped client, which units it may report for (None: no restriction beyond roles)."""
    if p.has_role(Role.PROVINCE_ADMIN) or p.scopes is None:
        return None
    return lambda unit_id: p.may_report_for(unit_id)


# Ratings, initiatives and the bloc head's entries: unit officers (their unit; the bloc head's
# unit for bloc entries) and province administrators.
Officer = Annotated[Principal, Depends(require(Role.UNIT_OFFICER, Role.PROVINCE_ADMIN))]
Admin = Annotated[Principal, Depends(require(Role.PROVINCE_ADMIN))]


def officer_unit(p: Principal) -> UUID:
    try:
        return UUID(str(p.unit_id))
    except ValueError:
        raise forbidden("the token's unit_id is not a unit id") from None


def acting_unit(p: Principal) -> UUID | None:
    """The unit a caller acts for: an officer's own; None for a province-wide role."""
    if p.has_role(Role.PROVINCE_ADMIN, Role.INTEGRATION_CLIENT):
        return None
    return officer_unit(p)


# Who may give a report's `submitted_on` (enter a past record with the day it was submitted): the
# province's emulation office and the data-sharing platform's imports, which hold the original
# submissions (dispatch dates, the old system's records). A unit officer reports now: the day of
# arrival is the submission day, so timeliness cannot be claimed after the fact by the unit
# itself. The audit log records who entered each report. (Refused: reporting.BACKDATE_REFUSED.)
def may_backdate(p: Principal) -> bool:
    return p.has_role(Role.PROVINCE_ADMIN, Role.INTEGRATION_CLIENT)


def own_unit_only(p: Principal, unit_id: UUID, what: str) -> None:
    if is_officer_only(p) and officer_unit(p) != unit_id:
        raise forbidden(f"a unit officer sees only their own unit's {what}")


def pointer(field: str, base: str = "#") -> str:
    """A domain field name ("evidence[0]", "ratings[2].year") as a JSON pointer."""
    path = field.replace("]", "").replace("[", ".").replace(".", "/")
    return f"{base}/{path}" if path else base


def field_errors(problems: Sequence[FieldProblem], base: str = "#") -> list[dict[str, Any]]:
    return [
        {"in": "body", "pointer": pointer(p.field, base), "detail": p.message, "type": p.code}
        for p in problems
    ]


def rejected(problems: Sequence[FieldProblem], base: str = "#") -> Problem:
    errors = field_errors(problems, base)
    summary = "; ".join(f"{e['pointer']}: {e['detail']}" for e in errors[:5])
    if len(errors) > 5:
        summary += f"; and {len(errors) - 5} more"
    return Problem(
        422,
        "Invalid request",
        f"The request is invalid: {summary}",
        type="validation",
        errors=errors,
    )


def not_found(detail: str) -> Problem:
    return Problem(404, "Not found", detail, type="not-found")


async def _on_rejected(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Rejected)
    return rejected(exc.problems).response(request.url.path)


async def _on_not_found(request: Request, exc: Exception) -> JSONResponse:
    return not_found(str(exc)).response(request.url.path)


async def _on_conflict(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, Conflict)
    return Problem(
        409, "Conflict", exc.detail, type=f"conflict-{exc.code}".replace("_", "-"), code=exc.code
    ).response(request.url.path)


def install(app: FastAPI) -> None:
    app.add_exception_handler(Rejected, _on_rejected)
    app.add_exception_handler(NotFound, _on_not_found)
    app.add_exception_handler(Conflict, _on_conflict)


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token (problem details)"},
    403: {"description": "The caller's role or unit does not allow this (problem details)"},
    404: {"description": "Not found (problem details)"},
    409: {"description": "Conflicts with the current state (problem details)"},
    413: {"description": "Body too large (problem details)"},
    422: {"description": "Invalid input: `errors` names each field (JSON pointer) and problem"},
}
