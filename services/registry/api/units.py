"""Units: registration, versions over time, the tree as of a date, close, merge, split; and their
discipline, investigation, inspection and complaint statuses (R14 for collectives)."""

from __future__ import annotations

from datetime import date
from typing import Annotated
from uuid import UUID, uuid4

from fastapi import APIRouter, Query, Request, Response

from servicekit.audit import audit_object
from servicekit.auth import forbidden
from servicekit.errors import Invalid, NotFound, Violation
from servicekit.messages import Msg
from services.registry import commands, store
from services.registry.api.common import (
    PROBLEMS,
    Admin,
    Cursor,
    Limit,
    Page,
    PeopleReader,
    ReadCon,
    Reader,
    Today,
    Uow,
    is_officer_only,
    own_unit_only,
)
from services.registry.api.models import (
    ClosureOut,
    MergeIn,
    SplitIn,
    StatusEndIn,
    StatusIn,
    TreeNode,
    UnitChangeIn,
    UnitCloseIn,
    UnitDetail,
    UnitIn,
    UnitOperationOut,
    UnitOut,
    UnitStatusOut,
)
from services.registry.domain import statuses as st
from services.registry.domain import unit_versions as u
from services.registry.domain.units import UnitTree

router = APIRouter(prefix="/units", tags=["units"], responses=PROBLEMS)

UnitSort = Annotated[
    str,
    Query(
        pattern=r"^-?(name|code|valid_from)$",
        description="name (Vietnamese order), code or valid_from; prefix '-' for descending",
    ),
]
AsOf = Annotated[
    date | None, Query(description="The day the list or tree is as of (default: today in Vietnam)")
]


def unit_out(v: u.UnitVersion) -> UnitOut:
    return UnitOut(
        unit_id=v.unit_id,
        code=v.code,
        name=v.name,
        kind=v.kind,
        level=v.level,
        parent_id=v.parent_id,
        valid_from=v.valid_from,
        valid_to=v.valid_to,
    )


def _operation(facts: list[u.Fact]) -> UnitOperationOut:
    out = UnitOperationOut()
    for f in facts:
        if isinstance(f, u.Registered):
            out.registered.append(unit_out(f.version))
        elif isinstance(f, u.Changed):
            out.changed.append(unit_out(f.version))
        elif isinstance(f, u.Closed):
            out.closed.append(f.closure.unit_id)
    return out


@router.post("", status_code=201, response_model=UnitOut, summary="Register a unit")
async def register_unit(
    body: UnitIn, uow: Uow, p: Admin, request: Request, response: Response
) -> UnitOut:
    unit_id = uuid4()
    spec = u.UnitSpec(
        body.code, body.name, body.kind, body.level, body.parent_id, body.valid_from, body.valid_to
    )
    v, _ = await commands.units.on_tree(uow, lambda tree: tree.register(unit_id, spec))
    audit_object(request, f"unit:{unit_id}")
    response.headers["Location"] = f"/units/{unit_id}"
    return unit_out(v)


@router.get("", response_model=Page[UnitOut], summary="Units as of a day, filtered and sorted")
async def list_units(
    con: ReadCon,
    p: Reader,
    today: Today,
    as_of: AsOf = None,
    kind: Annotated[str | None, Query(max_length=40)] = None,
    level: Annotated[str | None, Query(max_length=20)] = None,
    parent_id: UUID | None = None,
    bloc_id: Annotated[UUID | None, Query(description="Members of this bloc on that day")] = None,
    campaign_id: Annotated[UUID | None, Query(description="Participants of this campaign")] = None,
    q: Annotated[
        str | None, Query(max_length=200, description="Search in names, accents optional")
    ] = None,
    sort: UnitSort = "name",
    limit: Limit = 50,
    cursor: Cursor = None,
) -> Page[UnitOut]:
    result = await store.units.list_units(
        con,
        as_of=as_of or today,
        kind=kind,
        level=level,
        parent_id=parent_id,
        bloc_id=bloc_id,
        campaign_id=campaign_id,
        search=q,
        sort=sort,
        limit=limit,
        cursor=cursor,
        only_unit=UUID(p.unit_id) if is_officer_only(p) else None,
    )
    items = [
        UnitOut(
            unit_id=r["unit_id"],
            code=r["code"],
            name=r["name"],
            kind=r["kind"],
            level=r["level"],
            parent_id=r["parent_id"],
            valid_from=r["valid_from"],
            valid_to=r["valid_to"],
        )
        for r in result.items
    ]
    return Page[UnitOut](items=items, next_cursor=result.next_cursor)


def _node(n: u.Node) -> TreeNode:
    v = n.version
    return TreeNode(
        unit_id=v.unit_id,
        code=v.code,
        name=v.name,
        kind=v.kind,
        level=v.level,
        children=[_node(c) for c in n.children],
    )


@router.get("/tree", response_model=list[TreeNode], summary="The tree of units as it was on a day")
async def unit_tree(
    con: ReadCon, p: Reader, today: Today, as_of: AsOf = None, root: UUID | None = None
) -> list[TreeNode]:
    if is_officer_only(p):
        raise forbidden("a unit officer reads only their own unit")
    tree = await store.units.load_tree(con)
    return [_node(n) for n in tree.tree(as_of or today, root)]


@router.get("/{unit_id}", response_model=UnitDetail, summary="A unit, its history and lineage")
async def get_unit(
    unit_id: UUID, con: ReadCon, p: Reader, today: Today, as_of: AsOf = None
) -> UnitDetail:
    own_unit_only(p, unit_id, "another unit")
    versions = await store.units.unit_versions(con, unit_id)
    if not versions:
        raise NotFound(Msg("no unit {unit_id}", unit_id=unit_id))
    day = as_of or today
    current = next((v for v in versions if v.covers(day)), None)
    if current is None:
        if as_of is not None:
            raise NotFound(
                Msg("unit {code} does not exist on {as_of}", code=versions[0].code, as_of=as_of),
                code="not_valid",
            )
        current = versions[-1] if versions[-1].valid_from <= day else versions[0]
    closure = await store.units.unit_closure(con, unit_id)
    return UnitDetail(
        **unit_out(current).model_dump(),
        history=[unit_out(v) for v in versions],
        closure=ClosureOut(
            closed_on=closure.closed_on,
            kind=closure.kind,
            reason=closure.reason,
            successor_ids=list(closure.successor_ids),
        )
        if closure
        else None,
        predecessor_ids=await store.units.predecessors(con, unit_id),
    )


@router.post(
    "/{unit_id}/changes",
    response_model=UnitOut,
    summary="A new version of a unit "
    "(rename, new kind or level, move to another parent) from a day",
)
async def change_unit(unit_id: UUID, body: UnitChangeIn, uow: Uow, p: Admin) -> UnitOut:
    clear = "parent_id" in body.model_fields_set and body.parent_id is None
    v, tree = await commands.units.on_tree(
        uow,
        lambda tree: tree.change(
            unit_id,
            body.effective_from,
            name=body.name,
            kind=body.kind,
            level=body.level,
            parent_id=body.parent_id,
            clear_parent=clear,
        ),
    )
    if v is None:  # nothing to change: the version in force that day answers
        v = tree.as_of(unit_id, body.effective_from)
        assert v is not None, "tree.change refuses a day the unit does not exist"
    return unit_out(v)


@router.post("/{unit_id}/close", response_model=UnitOperationOut, summary="Close a unit")
async def close_unit(unit_id: UUID, body: UnitCloseIn, uow: Uow, p: Admin) -> UnitOperationOut:
    facts: list[u.Fact] = []

    def command(tree: UnitTree) -> None:
        tree.close(
            unit_id, body.closed_on, reason=body.reason, move_children_to=body.move_children_to
        )
        facts.extend(tree.log)

    await commands.units.on_tree(uow, command)
    return _operation(facts)


@router.post(
    "/merges",
    status_code=201,
    response_model=UnitOperationOut,
    summary="Merge units into a successor (existing or new)",
)
async def merge_units(body: MergeIn, uow: Uow, p: Admin, request: Request) -> UnitOperationOut:
    facts: list[u.Fact] = []

    def command(tree: UnitTree) -> None:
        successor = body.successor_id
        if body.successor is not None:
            successor = uuid4()
            s = body.successor
            spec = u.UnitSpec(s.code, s.name, s.kind, s.level, s.parent_id, body.effective_on)
            try:
                tree.register(successor, spec)
            except Invalid as e:
                raise _nest(e, "#/successor") from None
        assert successor is not None
        tree.merge(body.merged_unit_ids, successor, body.effective_on, reason=body.reason)
        facts.extend(tree.log)

    await commands.units.on_tree(uow, command)
    out = _operation(facts)
    audit_object(request, "units:" + ",".join(str(x) for x in body.merged_unit_ids))
    return out


def _nest(e: Invalid, prefix: str) -> Invalid:
    return Invalid.many(
        [Violation(prefix + v.field[1:], v.detail, v.code) for v in e.violations]
        or [Violation(prefix, e.detail, e.code)]
    )


@router.post(
    "/{unit_id}/split",
    status_code=201,
    response_model=UnitOperationOut,
    summary="Split a unit into new units",
)
async def split_unit(unit_id: UUID, body: SplitIn, uow: Uow, p: Admin) -> UnitOperationOut:
    facts: list[u.Fact] = []

    def command(tree: UnitTree) -> None:
        successors = [
            (uuid4(), u.UnitSpec(s.code, s.name, s.kind, s.level, s.parent_id, body.effective_on))
            for s in body.successors
        ]
        by_code = {spec.code: sid for sid, spec in successors}
        children = {}
        for child, code in body.children.items():
            if code not in by_code:
                raise Invalid.at(
                    f"#/children/{child}",
                    Msg("{code} is not the code of a successor", code=code),
                    "unknown_unit",
                )
            children[child] = by_code[code]
        tree.split(unit_id, body.effective_on, successors, children, reason=body.reason)
        facts.extend(tree.log)

    await commands.units.on_tree(uow, command)
    return _operation(facts)


# ---- statuses: read like people's statuses (who may read those), written by administrators ----


def unit_status_out(s: st.StatusPeriod) -> UnitStatusOut:
    return UnitStatusOut(
        status_id=s.status_id,
        unit_id=s.subject_id,
        kind=s.kind,
        discipline_level=s.discipline_level,
        start=s.start,
        end=s.end,
    )


@router.get("/{unit_id}/statuses", response_model=list[UnitStatusOut])
async def list_unit_statuses(unit_id: UUID, con: ReadCon, who: PeopleReader) -> list[UnitStatusOut]:
    own_unit_only(who, unit_id, "another unit")
    if not await store.units.unit_exists(con, unit_id):
        raise NotFound(Msg("no unit {unit_id}", unit_id=unit_id))
    return [unit_status_out(s) for s in await store.statuses.statuses(con, unit_id, "unit")]


@router.post(
    "/{unit_id}/statuses",
    status_code=201,
    response_model=UnitStatusOut,
    summary="Record a discipline of a unit, or a pending investigation, inspection or complaint",
)
async def add_unit_status(
    unit_id: UUID, body: StatusIn, uow: Uow, _: Admin, response: Response
) -> UnitStatusOut:
    s = await commands.statuses.add_status(
        uow,
        st.StatusPeriod(uuid4(), unit_id, body.kind, body.start, body.end, body.discipline_level),
        "unit",
    )
    response.headers["Location"] = f"/units/{unit_id}/statuses/{s.status_id}"
    return unit_status_out(s)


@router.post(
    "/{unit_id}/statuses/{status_id}/end",
    response_model=UnitStatusOut,
    summary="End a unit's status (inspection concluded, complaint settled, discipline expired…)",
)
async def end_unit_status(
    unit_id: UUID, status_id: UUID, body: StatusEndIn, uow: Uow, _: Admin
) -> UnitStatusOut:
    return unit_status_out(
        await commands.statuses.end_status(uow, unit_id, status_id, body.end, "unit")
    )
