"""Email addresses of people and units. The registry's events carry none (minimal personal data),
so notify keeps its own: a person sets theirs, a unit officer their unit's, a province
administrator anyone's. With an address, what reaches the inbox is also emailed (events that
happen after the address was first set). The address is never put in events or logs."""

import re
from datetime import datetime
from typing import Annotated
from uuid import UUID

import asyncpg
from fastapi import APIRouter, Path, Response
from pydantic import AfterValidator, BaseModel, Field

from servicekit.auth import Principal, Role
from servicekit.idempotency import Transaction
from servicekit.text import In
from services.notify.api.common import (
    PROBLEMS,
    Caller,
    ReadCon,
    is_person,
    is_unit_officer_of,
    not_found,
    require_that,
)
from services.notify.commands import contacts as commands
from services.notify.store import contacts as store

_LOCAL = re.compile(r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*$")
_LABEL = re.compile(r"^(?!-)[A-Za-z0-9-]{1,63}(?<!-)$")
MAX_EMAIL = 254  # RFC 5321's path limit less its angle brackets; the document states it too


def email_address(value: str) -> str:
    """A plain addr-spec (local@domain), ASCII, as mail servers everywhere accept it. The domain
    is lower-cased; an internationalised domain is accepted in its IDNA form."""
    value = value.strip()
    if len(value) > MAX_EMAIL or value.count("@") != 1:
        raise ValueError("must be one email address, like ten@coquan.gov.vn")
    local, domain = value.split("@")
    if not local or len(local) > 64 or not _LOCAL.match(local):
        raise ValueError("the part before @ is not valid in an email address")
    try:
        domain = domain.encode("idna").decode("ascii").lower()
    except UnicodeError:
        raise ValueError("the domain is not valid") from None
    labels = domain.split(".")
    if len(labels) < 2 or not all(_LABEL.match(label) for label in labels):
        raise ValueError("the domain is not valid (e.g. coquan.gov.vn)")
    return f"{local}@{domain}"


Email = Annotated[str, Field(max_length=MAX_EMAIL), AfterValidator(email_address)]


class ContactIn(In):
    email: Email


class Contact(BaseModel):
    owner_kind: str
    owner_id: UUID
    email: str
    created_at: datetime
    updated_at: datetime


def _contact(r: asyncpg.Record) -> Contact:
    return Contact(**{k: r[k] for k in Contact.model_fields})


router = APIRouter(tags=["contacts"], responses=PROBLEMS)


def _routes(kind: str, prefix: str, param: str, allowed, whose: str) -> None:
    Owner = Annotated[UUID, Path(alias=param)]
    base = f"{prefix}/{{{param}}}/contact"

    def check(p: Principal, owner: UUID) -> None:
        require_that(
            allowed(p, owner) or p.has_role(Role.PROVINCE_ADMIN),
            f"only {whose} or a province administrator manages this address",
        )

    @router.get(base, summary=f"The email address of {whose}")
    async def get_contact(owner: Owner, p: Caller, con: ReadCon) -> Contact:
        check(p, owner)
        row = await store.find(con, kind, owner)
        if row is None:
            raise not_found("an email address")
        return _contact(row)

    @router.put(base, summary=f"Set the email address of {whose}")
    async def put_contact(owner: Owner, body: ContactIn, p: Caller, tx: Transaction) -> Contact:
        check(p, owner)
        return _contact(await commands.put(tx, kind, owner, body.email))

    @router.delete(base, status_code=204, summary=f"Remove the email address of {whose}")
    async def delete_contact(owner: Owner, p: Caller, tx: Transaction) -> Response:
        check(p, owner)
        if not await commands.remove(tx, kind, owner):
            raise not_found("an email address")
        return Response(status_code=204)


_routes("person", "/people", "person_id", is_person, "the person themselves")
_routes("unit", "/units", "unit_id", is_unit_officer_of, "an officer of the unit")
