"""What the progress routers share: the runtime and the request's unit of work, connections, roles
and object-level checks, and domain problems as the items of a batch's answer."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date
from typing import Annotated, Any
from uuid import UUID

from fastapi import Depends, Request

from servicekit.auth import Principal, Role, forbidden, is_officer_only, require
from servicekit.http import ReadConnection, on_loop
from servicekit.idempotency import RequestUnitOfWork
from servicekit.messages import Msg
from services.progress.config import today
from services.progress.domain import FieldProblem
from services.progress.domain.errors import pointer
from services.progress.runtime import Runtime


def _runtime(request: Request) -> Runtime:
    return request.app.state.progress


Rt = Annotated[Runtime, Depends(on_loop(_runtime))]


def _today(request: Request) -> date:
    return today(_runtime(request).clock)


Today = Annotated[date, Depends(on_loop(_today))]


Work = RequestUnitOfWork
"""The request's unit of work (see servicekit.idempotency): its events go where the service's
topic map says (`build_app(topic_map=...)`)."""


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
# itself. The audit log records who entered each report. (Refused:
# commands.reports.BACKDATE_REFUSED.)
def may_backdate(p: Principal) -> bool:
    return p.has_role(Role.PROVINCE_ADMIN, Role.INTEGRATION_CLIENT)


def own_unit_only(p: Principal, unit_id: UUID, what: str) -> None:
    if is_officer_only(p) and officer_unit(p) != unit_id:
        raise forbidden(Msg("a unit officer sees only their own unit's {what}", what=what))


def field_errors(problems: Sequence[FieldProblem], base: str = "#") -> list[dict[str, Any]]:
    return [
        {"in": "body", "pointer": pointer(p.field, base), "detail": p.message, "type": p.code}
        for p in problems
    ]


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token (problem details)"},
    403: {"description": "The caller's role or unit does not allow this (problem details)"},
    404: {"description": "Not found (problem details)"},
    409: {"description": "Conflicts with the current state (problem details)"},
    413: {"description": "Body too large (problem details)"},
    422: {"description": "Invalid input: `errors` names each field (JSON pointer) and problem"},
}
