"""What a decision and a submission to the central level (tờ trình) both check before they are
signed: each nomination was approved by the council, the signing day is on or after the day
the vote closed (domain `order`), and who may decide each award (domain `authority`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from uuid import UUID

import asyncpg

from servicekit.errors import Violation
from servicekit.labels import AWARD_NAMES
from servicekit.messages import Msg
from services.awards.domain import order
from services.awards.domain.authority import (
    Authority,
    AuthorityRule,
    Incompetent,
    Setting,
    check_signer,
    deciding,
    heads,
    setting_of,
)
from services.awards.store import councils
from services.awards.store import nominations as store
from services.awards.store import readmodel as lookup


@dataclass(frozen=True)
class Line:
    """An approved nomination about to be signed, with what the checks read."""

    where: str
    row: asyncpg.Record
    closed_on: date
    setting: Setting
    units_up: tuple[UUID, ...]
    """The unit answerable for the nominee (a person's unit; the unit above a collective) and
    the units above it."""

    @property
    def award_name(self) -> str:
        return AWARD_NAMES.get(self.row["award_code"], self.row["award_code"])

    def decider(self, on: date, rules: Sequence[AuthorityRule]) -> AuthorityRule | None:
        """Who decides this award for this nominee on `on`."""
        return deciding(self.row["award_code"], self.row["regime"], self.setting, on, rules)

    def competence(
        self,
        signer: Authority,
        signer_unit: asyncpg.Record | None,
        on: date,
        rules: Sequence[AuthorityRule],
    ) -> Incompetent | None:
        """`signer_unit`: the unit the signer heads (an rm_units row), if any."""
        return check_signer(
            signer,
            self.row["award_code"],
            self.award_name,
            self.row["regime"],
            self.setting,
            on,
            heads_nominee_unit=signer_unit is not None
            and signer_unit["unit_id"] in self.units_up
            and heads(signer, signer_unit["kind"]),
            rules=rules,
        )


async def approved(
    con: asyncpg.Connection, nomination_ids: Sequence[UUID], signed_on: date, act: str
) -> tuple[list[Line], list[Violation]]:
    """The nominations (locked), each approved and voted no later than `signed_on`; the
    violations of those that are not."""
    rows = await store.nominations(con, nomination_ids, lock=True)
    by_id = {r["nomination_id"]: r for r in rows}
    closed = await councils.vote_closed_on(con, nomination_ids)
    nominee_units = await lookup.nominee_units(con, rows)
    chains = await lookup.units_up(con, set(nominee_units.values()))
    lines, bad = [], []
    for i, nid in enumerate(nomination_ids):
        r, where = by_id.get(nid), f"#/nomination_ids/{i}"
        if r is None:
            bad.append(Violation(where, "no such nomination", "unknown"))
            continue
        if r["status"] != "approved":
            bad.append(
                Violation(
                    where, Msg("the nomination is {status}", status=r["status"]), "not_approved"
                )
            )
            continue
        closed_on = closed.get(nid)
        if closed_on is not None and (late := order.signed_after_vote(signed_on, closed_on, act)):
            bad.append(Violation(where, late.detail, "out_of_order"))
            continue
        unit = nominee_units.get(nid)
        chain = chains.get(unit, []) if unit is not None else []
        if r["nominee_kind"] == "collective":
            chain = chain[1:]  # a unit's head does not confer a title on their own unit
        first = chain[0] if chain else None
        lines.append(
            Line(
                where=where,
                row=r,
                closed_on=closed_on or signed_on,
                setting=setting_of(
                    first["kind"] if first else None, first["level"] if first else None
                ),
                units_up=tuple(u["unit_id"] for u in chain),
            )
        )
    return lines, bad
