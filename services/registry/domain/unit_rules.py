"""The rules every command on the unit tree keeps (listed in `units`' docstring): each broken
one a `Violation` naming its field, so a command that breaks several hears of them all."""

from __future__ import annotations

import itertools
from collections.abc import Mapping
from datetime import date
from uuid import UUID

from servicekit.errors import Violation
from servicekit.messages import Msg
from services.registry.domain.unit_versions import UnitVersion, fmt_range

LEVEL_RANK = {"province": 0, "district": 1, "commune": 2}
# Kinds whose administrative level is fixed by what they are.
KIND_LEVEL = {"provincial_committee": "province", "district": "district", "commune": "commune"}
MAX_DEPTH = 64


def _min_end(a: date | None, b: date | None) -> date | None:
    if a is None:
        return b
    if b is None:
        return a
    return min(a, b)


def violations(
    versions: Mapping[UUID, list[UnitVersion]],
    children: Mapping[UUID, set[UUID]],
    unit_ids: set[UUID],
) -> list[Violation]:
    """Every rule (module docstring of `units`) broken by `unit_ids`' versions and their
    children's, each naming its field."""
    out: list[Violation] = []
    touched = set(unit_ids)
    for u in unit_ids:
        touched |= children.get(u, set())
    for u in sorted(touched, key=lambda u: versions[u][0].code if versions.get(u) else str(u)):
        vs = versions.get(u)
        if not vs:
            continue
        code = vs[0].code
        for prev, nxt in itertools.pairwise(vs):
            assert prev.valid_to == nxt.valid_from, f"versions of {code} are not contiguous"
        for v in vs:
            fixed = KIND_LEVEL.get(v.kind)
            if fixed is not None and v.level != fixed and u in unit_ids:
                out.append(
                    Violation(
                        "#/level",
                        Msg(
                            "a unit of kind {kind} is at {fixed} level",
                            kind=v.kind,
                            fixed=fixed,
                        ),
                        "kind_level",
                    )
                )
            if v.valid_to is not None and v.valid_to <= v.valid_from:
                out.append(Violation("#/valid_to", "valid_to must be after valid_from", "range"))
            if v.parent_id is None:
                continue
            p = v.parent_id
            where = "#/parent_id" if u in unit_ids else "#"
            if p == u:
                out.append(
                    Violation(
                        where, Msg("unit {code} cannot be its own parent", code=code), "cycle"
                    )
                )
                continue
            pvs = versions.get(p)
            if not pvs:
                out.append(Violation(where, Msg("no unit {p}", p=p), "unknown_unit"))
                continue
            pcode = pvs[0].code
            ps, pe = pvs[0].valid_from, pvs[-1].valid_to
            if not (
                ps <= v.valid_from and (pe is None or (v.valid_to is not None and v.valid_to <= pe))
            ):
                out.append(
                    Violation(
                        where,
                        Msg(
                            "the parent {pcode} does not exist over the whole period "
                            "{value} of {code} (it exists over {value2})",
                            pcode=pcode,
                            value=fmt_range(v.valid_from, v.valid_to),
                            code=code,
                            value2=fmt_range(ps, pe),
                        ),
                        "parent_not_valid",
                    )
                )
                continue
            for pv in pvs:
                if pv.overlaps(v.valid_from, v.valid_to) and (
                    LEVEL_RANK[pv.level] > LEVEL_RANK[v.level]
                ):
                    out.append(
                        Violation(
                            "#/level" if u in unit_ids else "#",
                            Msg(
                                "{code} ({level} level) cannot be under {pcode} ({level2} level)",
                                code=code,
                                level=v.level,
                                pcode=pcode,
                                level2=pv.level,
                            ),
                            "level_order",
                        )
                    )
                    break
            if u in unit_ids and _reaches(versions, u, p, v.valid_from, v.valid_to, 0):
                out.append(
                    Violation(
                        "#/parent_id",
                        Msg(
                            "making {pcode} the parent of {code} from {valid_from} would "
                            "make a cycle in the tree",
                            pcode=pcode,
                            code=code,
                            valid_from=v.valid_from,
                        ),
                        "cycle",
                    )
                )
    return out


def _reaches(
    versions: Mapping[UUID, list[UnitVersion]],
    target: UUID,
    unit: UUID,
    start: date,
    end: date | None,
    depth: int,
) -> bool:
    """Whether walking up from `unit` over [start, end) reaches `target`."""
    if unit == target or depth > MAX_DEPTH:
        return True
    for v in versions.get(unit, ()):
        if v.parent_id is None or not v.overlaps(start, end):
            continue
        s, e = max(start, v.valid_from), _min_end(end, v.valid_to)
        if _reaches(versions, target, v.parent_id, s, e, depth + 1):
            return True
    return False
