"""What the awards routers share: the request's unit of work, a read connection, the runtime
(settings, clock) and roles. Domain errors become problem details in servicekit.problems."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import Depends, Request

from servicekit.auth import Principal, Role, forbidden, is_officer_only, require
from servicekit.http import ReadConnection, on_loop
from servicekit.idempotency import RequestUnitOfWork
from servicekit.messages import Msg
from services.awards.runtime import Runtime

ADMIN = require(Role.PROVINCE_ADMIN)
# Nominations and their screening: the board, the council, integration clients, the Front's
# supervisors (across the province, as a council sees them); a unit officer for their own unit's
# nominations only (checked per route).
NOMINATION_READER = require(
    Role.PROVINCE_ADMIN,
    Role.INTEGRATION_CLIENT,
    Role.COUNCIL_SECRETARY,
    Role.COUNCIL_MEMBER,
    Role.UNIT_OFFICER,
    Role.SUPERVISOR,
)
PROPOSER = require(Role.PROVINCE_ADMIN, Role.UNIT_OFFICER)
COUNCIL = require(Role.PROVINCE_ADMIN, Role.COUNCIL_SECRETARY, Role.COUNCIL_MEMBER)
# A council's composition: its own members, administrators, and the Front's supervisors.
COUNCIL_READER = require(
    Role.PROVINCE_ADMIN, Role.COUNCIL_SECRETARY, Role.COUNCIL_MEMBER, Role.SUPERVISOR
)
SECRETARY = require(Role.COUNCIL_SECRETARY)
VOTER = require(Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY)
# Supervision findings: raised by the Front's supervisors (their one write: see servicekit.auth),
# answered by the unit concerned or the province, read by those three.
FINDING_RAISER = require(Role.SUPERVISOR, read_only=True)
FINDING_ANSWERER = require(Role.PROVINCE_ADMIN, Role.UNIT_OFFICER)
FINDING_READER = require(Role.PROVINCE_ADMIN, Role.SUPERVISOR, Role.UNIT_OFFICER)
# Decisions are public acts: everyone authenticated reads them.
ANYONE = require(*Role)

Admin = Annotated[Principal, Depends(ADMIN)]
NominationReader = Annotated[Principal, Depends(NOMINATION_READER)]
Proposer = Annotated[Principal, Depends(PROPOSER)]
CouncilUser = Annotated[Principal, Depends(COUNCIL)]
CouncilReader = Annotated[Principal, Depends(COUNCIL_READER)]
Secretary = Annotated[Principal, Depends(SECRETARY)]
Voter = Annotated[Principal, Depends(VOTER)]
Anyone = Annotated[Principal, Depends(ANYONE)]
FindingRaiser = Annotated[Principal, Depends(FINDING_RAISER)]
FindingAnswerer = Annotated[Principal, Depends(FINDING_ANSWERER)]
FindingReader = Annotated[Principal, Depends(FINDING_READER)]

ReadCon = ReadConnection


def runtime_of(request: Request) -> Runtime:
    rt: Runtime = request.app.state.awards
    if rt.pool is None:  # the pool exists once the app has started
        rt.pool = request.app.state.service.pool
    return rt


Rt = Annotated[Runtime, Depends(on_loop(runtime_of))]


Uow = RequestUnitOfWork
"""The request's unit of work (see servicekit.idempotency): its events go where the service's
topic map says (`build_app(topic_map=...)`)."""


def _today(request: Request) -> date:
    return runtime_of(request).today()


Today = Annotated[date, Depends(on_loop(_today))]


def own_unit_only(p: Principal, unit_id: object, what: str = "this unit's records") -> None:
    if is_officer_only(p) and str(unit_id) != p.unit_id:
        raise forbidden(
            Msg("a unit officer reads only their own unit's records, not {what}", what=what)
        )


PROBLEMS: dict[int | str, dict[str, Any]] = {
    401: {"description": "No valid bearer token (problem details)"},
    403: {"description": "The caller's role, unit or council does not allow this"},
    404: {"description": "Not found (problem details)"},
    409: {"description": "Conflicts with the state of the procedure (problem details)"},
    413: {"description": "Body too large (problem details)"},
    422: {"description": "Invalid input: `errors` names each field and problem"},
}
