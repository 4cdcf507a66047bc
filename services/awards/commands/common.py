"""What the procedure's steps share: who may act, and the date of an act (given, or today in
Vietnam; never in the future; in the procedure's order, `domain/order.py`)."""

from __future__ import annotations

from datetime import date
from uuid import UUID

from servicekit.auth import Principal, Role, forbidden
from servicekit.errors import Invalid
from services.awards.domain import (
    order,
)
from services.awards.runtime import Runtime


def in_order(field: str, bad: order.OutOfOrder | None) -> None:
    """An act dated out of the procedure's order: 422 naming both dates; nothing is stored."""
    if bad is not None:
        raise Invalid.at(field, bad.detail, "out_of_order", dates=bad.dates())


def act_date(rt: Runtime, field: str, act: str, given: date | None) -> date:
    """The date of an act: the one the caller gives (an act entered after the fact), else
    today in Vietnam; never in the future."""
    now = rt.today()
    on = given or now
    in_order(field, order.not_in_future(act, on, now))
    return on


# ---- who may act ------------------------------------------------------------------------------


def may_propose(who: Principal, unit_id: UUID) -> None:
    if not who.may_act_for_unit(str(unit_id)):
        raise forbidden("a unit officer nominates only for their own unit")


def is_secretary_of(who: Principal, council_id: UUID) -> bool:
    return who.has_role(Role.COUNCIL_SECRETARY) and who.sits_on_council(str(council_id))


def only_admin_or_secretary(who: Principal, council_id: UUID) -> None:
    if not (who.has_role(Role.PROVINCE_ADMIN) or is_secretary_of(who, council_id)):
        raise forbidden("only the province's administrators or this council's secretary")


def only_secretary(who: Principal, council_id: UUID) -> None:
    if not is_secretary_of(who, council_id):
        raise forbidden("only the secretary of this council")
