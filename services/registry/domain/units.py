"""Units (đơn vị) and their tree over time.

A unit has a fixed id and electronic code and a history of versions, each valid over a half-open
range of days [valid_from, valid_to): name, kind, administrative level and parent. The versions of
one unit are contiguous; the unit exists from its first version's start to its last version's end
(none while it exists). A change from a date splits the version in force on that date, so history
is never rewritten: the tree "as of" any date is the tree as it was.

Rules (checked on every command, for every unit it touches and their children):

- a parent exists and is valid over the whole range of each version naming it;
- a parent's level is the child's level or above (province > district > commune), and the
  provincial committee, districts and communes sit at their own level;
- no cycle, on any day (the walk follows parents range by range);
- a unit closes only when nothing is left under it after that day, unless its children are moved
  to another unit from that day (the abolition of districts in 2025: communes move to the
  province); a merge closes the merged units and moves their children to the successor; a split
  closes the unit, registers its successors and distributes its children among them.

`UnitTree` is the aggregate: it holds every version, applies commands, and records the facts
(`log`) the service layer publishes as events and the units (`dirty`) it must save.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from datetime import date
from typing import Any
from uuid import UUID

from servicekit.errors import Conflict, Invalid, NotFound, Violation
from servicekit.messages import Msg
from servicekit.vietnamese import sort_key
from services.registry.domain import unit_rules
from services.registry.domain.unit_rules import MAX_DEPTH
from services.registry.domain.unit_versions import (
    Changed,
    Closed,
    Closure,
    Fact,
    Merged,
    Node,
    Registered,
    UnitSpec,
    UnitVersion,
    fmt_range,
)


class UnitTree:
    def __init__(self, versions: Iterable[UnitVersion] = (), closures: Iterable[Closure] = ()):
        self._versions: dict[UUID, list[UnitVersion]] = {}
        for v in versions:
            self._versions.setdefault(v.unit_id, []).append(v)
        self._codes: dict[str, UUID] = {}
        self._children: dict[UUID, set[UUID]] = {}
        for unit_id, vs in self._versions.items():
            vs.sort(key=lambda v: v.valid_from)
            self._codes[vs[0].code] = unit_id
            self._index(unit_id, vs)
        self.closures: dict[UUID, Closure] = {c.unit_id: c for c in closures}
        self.dirty: set[UUID] = set()
        self.log: list[Fact] = []
        self._journal: dict[UUID, tuple[Any, bool, Closure | None]] | None = None

    # ---- queries ------------------------------------------------------------------------------

    def __contains__(self, unit_id: object) -> bool:
        return unit_id in self._versions

    def __len__(self) -> int:
        return len(self._versions)

    def unit_ids(self) -> Iterable[UUID]:
        return self._versions.keys()

    def versions(self, unit_id: UUID) -> list[UnitVersion]:
        try:
            return list(self._versions[unit_id])
        except KeyError:
            raise NotFound(Msg("no unit {unit_id}", unit_id=unit_id), code="unknown_unit") from None

    def by_code(self, code: str) -> UUID | None:
        return self._codes.get(code)

    def code(self, unit_id: UUID) -> str:
        vs = self._versions.get(unit_id)
        return vs[0].code if vs else str(unit_id)

    def span(self, unit_id: UUID) -> tuple[date, date | None]:
        vs = self.versions(unit_id)
        return vs[0].valid_from, vs[-1].valid_to

    def as_of(self, unit_id: UUID, day: date) -> UnitVersion | None:
        vs = self._versions.get(unit_id)
        if not vs:
            return None
        i = bisect.bisect_right([v.valid_from for v in vs], day) - 1
        return vs[i] if i >= 0 and vs[i].covers(day) else None

    def latest(self, unit_id: UUID) -> UnitVersion:
        return self.versions(unit_id)[-1]

    def valid_on(self, unit_id: UUID, day: date) -> bool:
        return self.as_of(unit_id, day) is not None

    def valid_during(self, unit_id: UUID, start: date, end: date | None) -> bool:
        """Whether the unit exists on every day of [start, end)."""
        if unit_id not in self._versions:
            return False
        s, e = self.span(unit_id)
        return s <= start and (e is None or (end is not None and end <= e))

    def overlaps(self, unit_id: UUID, start: date, end: date | None) -> bool:
        """Whether the unit exists on at least one day of [start, end)."""
        if unit_id not in self._versions:
            return False
        s, e = self.span(unit_id)
        return (end is None or s < end) and (e is None or start < e)

    def snapshot(self, day: date) -> list[UnitVersion]:
        out = []
        for unit_id in self._versions:
            v = self.as_of(unit_id, day)
            if v is not None:
                out.append(v)
        return out

    def children_after(self, unit_id: UUID, day: date) -> list[UUID]:
        """Units that have `unit_id` as parent on some day from `day` on."""
        return sorted(
            (
                c
                for c in self._children.get(unit_id, ())
                if any(v.parent_id == unit_id and v.overlaps(day, None) for v in self._versions[c])
            ),
            key=self.code,
        )

    def ancestors(self, unit_id: UUID, day: date) -> list[UUID]:
        out: list[UUID] = []
        v = self.as_of(unit_id, day)
        while v is not None and v.parent_id is not None and len(out) < MAX_DEPTH:
            out.append(v.parent_id)
            v = self.as_of(v.parent_id, day)
        return out

    def tree(self, day: date, root: UUID | None = None) -> list[Node]:
        """The tree as it was on `day`: the roots (or the subtree of `root`), children sorted
        by Vietnamese name order."""
        nodes = {v.unit_id: Node(v) for v in self.snapshot(day)}
        roots: list[Node] = []
        for node in nodes.values():
            parent = node.version.parent_id
            if parent is not None and parent in nodes:
                nodes[parent].children.append(node)
            else:
                roots.append(node)
        for node in nodes.values():
            node.children.sort(key=lambda n: sort_key(n.version.name))
        if root is not None:
            return [nodes[root]] if root in nodes else []
        return sorted(roots, key=lambda n: sort_key(n.version.name))

    def successors_of(self, unit_id: UUID) -> tuple[UUID, ...]:
        c = self.closures.get(unit_id)
        return c.successor_ids if c else ()

    def predecessors_of(self, unit_id: UUID) -> list[UUID]:
        return [c.unit_id for c in self.closures.values() if unit_id in c.successor_ids]

    # ---- commands -----------------------------------------------------------------------------

    def register(self, unit_id: UUID, spec: UnitSpec) -> UnitVersion:
        with self._atomic():
            if unit_id in self._versions:
                raise Conflict(
                    Msg("unit {unit_id} already exists", unit_id=unit_id), code="duplicate"
                )
            other = self._codes.get(spec.code)
            if other is not None:
                raise Conflict(
                    Msg("the code {code} is already registered", code=spec.code),
                    code="duplicate_code",
                    unit_id=str(other),
                )
            if spec.valid_to is not None and spec.valid_to <= spec.valid_from:
                raise Invalid.at("#/valid_to", "valid_to must be after valid_from", "range")
            v = UnitVersion(
                unit_id,
                spec.code,
                spec.name,
                spec.kind,
                spec.level,
                spec.parent_id,
                spec.valid_from,
                spec.valid_to,
            )
            self._put(unit_id, [v])
            self._check({unit_id})
            self.log.append(Registered(v))
            return v

    def change(
        self,
        unit_id: UUID,
        effective_from: date,
        *,
        name: str | None = None,
        kind: str | None = None,
        level: str | None = None,
        parent_id: UUID | None = None,
        clear_parent: bool = False,
    ) -> UnitVersion | None:
        """A new version from `effective_from` to the end of the version in force that day.
        Returns it, or None when nothing would change."""
        with self._atomic():
            vs = self.versions(unit_id)
            i = next((i for i, v in enumerate(vs) if v.covers(effective_from)), None)
            if i is None:
                s, e = self.span(unit_id)
                raise Invalid.at(
                    "#/effective_from",
                    Msg(
                        "unit {code} does not exist on {effective_from} (it exists over {value})",
                        code=vs[0].code,
                        effective_from=effective_from,
                        value=fmt_range(s, e),
                    ),
                    "not_valid",
                )
            old = vs[i]
            new = replace(
                old,
                valid_from=effective_from,
                name=name if name is not None else old.name,
                kind=kind if kind is not None else old.kind,
                level=level if level is not None else old.level,
                parent_id=None if clear_parent else (parent_id or old.parent_id),
            )
            if new.attributes == old.attributes:
                return None
            if effective_from == old.valid_from:
                vs[i] = new
            else:
                vs[i] = replace(old, valid_to=effective_from)
                vs.insert(i + 1, new)
            self._put(unit_id, vs)
            self._check({unit_id})
            self.log.append(Changed(new))
            return new

    def close(
        self,
        unit_id: UUID,
        closed_on: date,
        *,
        reason: str | None = None,
        move_children_to: UUID | None = None,
        kind: str = "closed",
        successor_ids: tuple[UUID, ...] = (),
    ) -> Closure:
        """The unit ceases to exist from `closed_on` (its first day of not existing)."""
        with self._atomic():
            vs = self.versions(unit_id)
            code = vs[0].code
            start, end = vs[0].valid_from, vs[-1].valid_to
            if end is not None:
                raise Conflict(
                    Msg("unit {code} is already closed (from {end})", code=code, end=end),
                    code="closed",
                )
            if closed_on <= start:
                raise Invalid.at(
                    "#/closed_on",
                    Msg(
                        "unit {code} starts on {start}: it can only close after",
                        code=code,
                        start=start,
                    ),
                    "range",
                )
            children = self.children_after(unit_id, closed_on)
            if children and move_children_to is None:
                names = ", ".join(self.code(c) for c in children[:10])
                raise Conflict(
                    Msg(
                        "unit {code} still has {count} unit(s) under it from "
                        "{closed_on} ({names}); close or move them first, or name "
                        "move_children_to",
                        code=code,
                        count=len(children),
                        closed_on=closed_on,
                        names=names,
                    ),
                    code="has_children",
                    children=[str(c) for c in children],
                )
            if move_children_to is not None and children:
                if move_children_to == unit_id:
                    raise Invalid.at(
                        "#/move_children_to",
                        "cannot move children to the unit being closed",
                        "cycle",
                    )
                if not self.valid_on(move_children_to, closed_on):
                    raise Invalid.at(
                        "#/move_children_to",
                        Msg(
                            "unit {value} does not exist on {closed_on}",
                            value=self.code(move_children_to),
                            closed_on=closed_on,
                        ),
                        "not_valid",
                    )
                for child in children:
                    self._reparent(child, closed_on, unit_id, move_children_to)
            kept = [v for v in vs if v.valid_from < closed_on]
            kept[-1] = replace(kept[-1], valid_to=closed_on)
            self._put(unit_id, kept)
            closure = Closure(unit_id, closed_on, reason, kind, successor_ids)
            self._remember(unit_id)
            self.closures[unit_id] = closure
            self._check({unit_id, *children})
            self.log.append(Closed(closure))
            return closure

    def merge(
        self,
        merged_ids: list[UUID],
        successor_id: UUID,
        effective_on: date,
        *,
        reason: str | None = None,
    ) -> None:
        """Close `merged_ids` from `effective_on`, moving everything under them to the
        successor (an existing unit, or one registered just before in the same transaction)."""
        with self._atomic():
            if not merged_ids:
                raise Invalid.at("#/merged_unit_ids", "name at least one unit to merge", "missing")
            if len(set(merged_ids)) != len(merged_ids):
                raise Invalid.at("#/merged_unit_ids", "a unit is listed twice", "duplicate")
            if successor_id in merged_ids:
                raise Invalid.at(
                    "#/merged_unit_ids", "a unit cannot be merged into itself", "cycle"
                )
            if successor_id not in self._versions:
                raise Invalid.at(
                    "#/successor_id",
                    Msg("no unit {successor_id}", successor_id=successor_id),
                    "unknown_unit",
                )
            if not self.valid_on(successor_id, effective_on):
                raise Invalid.at(
                    "#/successor_id",
                    Msg(
                        "the successor {value} does not exist on {effective_on}",
                        value=self.code(successor_id),
                        effective_on=effective_on,
                    ),
                    "not_valid",
                )
            for i, m in enumerate(merged_ids):
                if m not in self._versions:
                    raise Invalid.at(
                        f"#/merged_unit_ids/{i}", Msg("no unit {m}", m=m), "unknown_unit"
                    )
            above = set(self.ancestors(successor_id, effective_on))
            if above & set(merged_ids):
                raise Invalid.at(
                    "#/successor_id",
                    "the successor lies under a unit being merged: move it first",
                    "cycle",
                )
            succ_code = self.code(successor_id)
            for m in merged_ids:
                self.close(
                    m,
                    effective_on,
                    reason=reason or f"merged into {succ_code}",
                    move_children_to=successor_id,
                    kind="merged",
                    successor_ids=(successor_id,),
                )
            self.log.append(Merged(successor_id, tuple(merged_ids), effective_on))

    def split(
        self,
        unit_id: UUID,
        effective_on: date,
        successors: list[tuple[UUID, UnitSpec]],
        children: dict[UUID, UUID],
        *,
        reason: str | None = None,
    ) -> None:
        """Close `unit_id` from `effective_on` and register its successors, each child going to
        the successor `children` names."""
        with self._atomic():
            code = self.code(unit_id)
            self.versions(unit_id)  # NotFound
            if not successors:
                raise Invalid.at("#/successors", "name at least one successor", "missing")
            ids = [sid for sid, _ in successors]
            for i, (sid, spec) in enumerate(successors):
                if spec.valid_from != effective_on:
                    raise Invalid.at(
                        f"#/successors/{i}/valid_from",
                        "a successor starts on the split's effective date",
                        "range",
                    )
                try:
                    self.register(sid, spec)
                except Invalid as e:
                    raise Invalid.at(
                        f"#/successors/{i}{e.violations[0].field[1:] if e.violations else ''}",
                        e.detail,
                        e.code,
                    ) from None
            under = self.children_after(unit_id, effective_on)
            missing = [c for c in under if c not in children]
            if missing:
                raise Invalid.at(
                    "#/children",
                    f"assign every unit under {code} to a successor; missing: "
                    + ", ".join(self.code(c) for c in missing[:10]),
                    "missing",
                )
            for child, target in children.items():
                if child not in under:
                    raise Invalid.at(
                        f"#/children/{child}",
                        Msg(
                            "{value} is not under {code} on {effective_on}",
                            value=self.code(child),
                            code=code,
                            effective_on=effective_on,
                        ),
                        "not_child",
                    )
                if target not in ids:
                    raise Invalid.at(
                        f"#/children/{child}", "not one of the successors", "unknown_unit"
                    )
                self._reparent(child, effective_on, unit_id, target)
            names = ", ".join(spec.code for _, spec in successors)
            self.close(
                unit_id,
                effective_on,
                reason=reason or f"split into {names}",
                kind="split",
                successor_ids=tuple(ids),
            )

    # ---- internals ----------------------------------------------------------------------------

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        """A failed command leaves the tree as it was (commands nest; the outermost one undoes).
        The journal keeps, per unit touched, its versions, whether it was dirty and its closure
        before the command: undoing costs what the command touched, not the tree's size."""
        if self._journal is not None:
            yield
            return
        self._journal = {}
        log_len = len(self.log)
        try:
            yield
        except BaseException:
            for unit_id, (old, was_dirty, closure) in self._journal.items():
                current = self._versions.pop(unit_id, None)
                if current:
                    self._codes.pop(current[0].code, None)
                if old is not None:
                    self._versions[unit_id] = old
                    self._codes[old[0].code] = unit_id
                    self._index(unit_id, old)
                if not was_dirty:
                    self.dirty.discard(unit_id)
                if closure is None:
                    self.closures.pop(unit_id, None)
                else:
                    self.closures[unit_id] = closure
            del self.log[log_len:]
            raise
        finally:
            self._journal = None

    def _remember(self, unit_id: UUID) -> None:
        if self._journal is not None and unit_id not in self._journal:
            old = self._versions.get(unit_id)
            self._journal[unit_id] = (
                list(old) if old is not None else None,
                unit_id in self.dirty,
                self.closures.get(unit_id),
            )

    def _put(self, unit_id: UUID, versions: list[UnitVersion]) -> None:
        self._remember(unit_id)
        self._versions[unit_id] = versions
        self._codes[versions[0].code] = unit_id
        self._index(unit_id, versions)
        self.dirty.add(unit_id)

    def _index(self, unit_id: UUID, versions: list[UnitVersion]) -> None:
        for v in versions:
            if v.parent_id is not None:
                self._children.setdefault(v.parent_id, set()).add(unit_id)

    def _reparent(self, child: UUID, day: date, old: UUID, new: UUID) -> None:
        out: list[UnitVersion] = []
        for v in self._versions[child]:
            if v.parent_id != old or not v.overlaps(day, None):
                out.append(v)
                continue
            if v.valid_from < day:
                out.append(replace(v, valid_to=day))
                nv = replace(v, valid_from=day, parent_id=new)
            else:
                nv = replace(v, parent_id=new)
            out.append(nv)
            self.log.append(Changed(nv))
        self._put(child, out)

    def _check(self, unit_ids: set[UUID]) -> None:
        violations = self.violations(unit_ids)
        if violations:
            raise Invalid.many(violations)

    def violations(self, unit_ids: set[UUID]) -> list[Violation]:
        return unit_rules.violations(self._versions, self._children, unit_ids)
