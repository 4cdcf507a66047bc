"""Is a new JSON Schema of an event compatible with the published one of the same name and major?

Within a major version every event ever published must still validate (topics are replayed from
offset zero) and every field a consumer reads must still be there. So these break:

- a property removed;
- a type changed (including becoming nullable or no longer nullable);
- a property newly required;
- an enumeration (or const) narrowed, or a free value restricted to an enumeration;
- a constraint tightened (min/max, length, items, pattern, format, uniqueItems, the keys of a
  map) or extra properties newly forbidden.

These are fine: a new optional property, a widened enumeration, a loosened constraint, a property
no longer required, a changed description.

Both forms are checked (`schemas.json_schema`): the published schema against every published one,
and the strict schema against every strict one (before the two were split, the published files
were the strict ones). A published schema that forbids additional properties anywhere is a
problem of its own: consumers validating with it would refuse the next allowed v1 change.

    python -m schemas.compat [--against REF]   # current models vs the schemas committed at REF
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

Schema = dict[str, Any]

_LOWER_BOUNDS = ("minimum", "exclusiveMinimum", "minLength", "minItems", "minProperties")
_UPPER_BOUNDS = ("maximum", "exclusiveMaximum", "maxLength", "maxItems", "maxProperties")
_EXACT = ("pattern", "format", "multipleOf")


def breaking_changes(old: Schema, new: Schema) -> list[str]:
    """Every incompatibility of `new` with `old`, each naming the property path at fault."""
    return _Diff(old, new).run()


class _Diff:
    def __init__(self, old_root: Schema, new_root: Schema) -> None:
        self.roots = (old_root, new_root)
        self.problems: list[str] = []
        self.seen: set[tuple[int, int]] = set()

    def run(self) -> list[str]:
        self.node(self.roots[0], self.roots[1], "")
        return self.problems

    def report(self, path: str, what: str) -> None:
        self.problems.append(f"{path or '(root)'}: {what}")

    def node(self, old: Schema, new: Schema, path: str) -> None:
        if (id(old), id(new)) in self.seen:  # recursive definitions
            return
        self.seen.add((id(old), id(new)))
        olds = _alternatives(old, self.roots[0])
        news = _alternatives(new, self.roots[1])
        old_types = set().union(*(_types(a) for a in olds))
        new_types = set().union(*(_types(a) for a in news))
        if old_types != new_types and "any" not in new_types:
            self.report(path, f"type changed from {_show(old_types)} to {_show(new_types)}")
            return
        for t in sorted(old_types):
            pairs = zip(
                [a for a in olds if t in _types(a)],
                [a for a in news if t in _types(a)],
                strict=False,
            )
            for o, n in pairs:
                self.alternative(o, n, path)

    def alternative(self, old: Schema, new: Schema, path: str) -> None:
        old_values, new_values = _enum(old), _enum(new)
        if new_values is not None:
            if old_values is None:
                self.report(path, f"restricted to {_show(new_values)}")
            elif lost := [v for v in old_values if v not in new_values]:
                self.report(path, f"enumeration narrowed: {_show(lost)} removed")
        for key in _LOWER_BOUNDS:
            if key in new and (key not in old or new[key] > old[key]):
                self.report(path, f"{key} tightened to {new[key]} (was {old.get(key)})")
        for key in _UPPER_BOUNDS:
            if key in new and (key not in old or new[key] < old[key]):
                self.report(path, f"{key} tightened to {new[key]} (was {old.get(key)})")
        for key in _EXACT:
            if key in new and new[key] != old.get(key):
                self.report(path, f"{key} changed to {new[key]!r} (was {old.get(key)!r})")
        if new.get("uniqueItems") and not old.get("uniqueItems"):
            self.report(path, "items must now be unique")
        self.object(old, new, path)
        if isinstance(old.get("items"), dict) and isinstance(new.get("items"), dict):
            self.node(old["items"], new["items"], f"{path}[]")

    def object(self, old: Schema, new: Schema, path: str) -> None:
        old_props, new_props = old.get("properties", {}), new.get("properties", {})
        for name, schema in old_props.items():
            where = f"{path}.{name}" if path else name
            if name not in new_props:
                self.report(where, "property removed")
            else:
                self.node(schema, new_props[name], where)
        for name in new.get("required", []):
            if name not in old.get("required", []):
                where = f"{path}.{name}" if path else name
                self.report(where, "property newly required")
        old_extra, new_extra = (
            old.get("additionalProperties", True),
            new.get("additionalProperties"),
        )
        if new_extra is False and old_extra is not False:
            self.report(path, "additional properties newly forbidden")
        elif isinstance(old_extra, dict) and isinstance(new_extra, dict):
            self.node(old_extra, new_extra, f"{path}{{*}}")
        if "propertyNames" in new:  # constraints on the keys of a map
            self.alternative(old.get("propertyNames", {}), new["propertyNames"], f"{path}{{key}}")


def _resolve(node: Schema, root: Schema) -> Schema:
    """Follow a local $ref; sibling keywords (e.g. a description) override the target's."""
    while "$ref" in node:
        ref = node["$ref"]
        if not ref.startswith("#/"):
            raise ValueError(f"only local references are supported, not {ref!r}")
        target: Any = root
        for part in ref[2:].split("/"):
            target = target[part.replace("~1", "/").replace("~0", "~")]
        node = target | {k: v for k, v in node.items() if k != "$ref"}
    if "allOf" in node and len(node["allOf"]) == 1:  # pydantic's older way of adding siblings
        inner = _resolve(node["allOf"][0], root)
        node = inner | {k: v for k, v in node.items() if k != "allOf"}
    return node


def _alternatives(node: Schema, root: Schema) -> list[Schema]:
    node = _resolve(node, root)
    for key in ("anyOf", "oneOf"):
        if key in node:
            return [a for alt in node[key] for a in _alternatives(alt, root)]
    return [node]


_JSON_TYPES = {str: "string", bool: "boolean", int: "integer", float: "number", type(None): "null"}


def _types(node: Schema) -> set[str]:
    t = node.get("type")
    if isinstance(t, str):
        return {t}
    if isinstance(t, list):
        return set(t)
    values = _enum(node)
    if values is not None:
        return {_JSON_TYPES.get(type(v), "object") for v in values}
    return {"any"}


def _enum(node: Schema) -> list[Any] | None:
    if "const" in node:
        return [node["const"]]
    return node.get("enum")


def _show(values: Any) -> str:
    return ", ".join(sorted(str(v) for v in values))


# Comparing the current models with the schemas published at a git revision.

_GENERATED = "schemas/generated/jsonschema"


def against_git(ref: str = "HEAD", repo: Path | None = None) -> tuple[list[str], list[str]]:
    """(problems, compared schema ids) of the current models against the schema files at `ref`.
    Schemas new since `ref` are not compared; a schema at `ref` with no current model is a
    problem (an event type disappeared from its major version)."""
    from schemas.events import ALL_EVENTS
    from schemas.json_schema import closed_objects, schema_for, strict_schema_for

    repo = repo or Path(__file__).resolve().parent.parent
    current = {cls.schema_id(): cls for cls in ALL_EVENTS}
    problems, compared = [], []
    for name in _published(ref, repo):
        schema_id = name.removesuffix(".json")
        old = json.loads(_git(repo, "show", f"{ref}:{_GENERATED}/{name}"))
        if schema_id not in current:
            problems.append(f"{schema_id}: event type removed")
            continue
        compared.append(schema_id)
        published, strict = schema_for(current[schema_id]), strict_schema_for(current[schema_id])
        problems += [f"{schema_id}: {p}" for p in breaking_changes(old, published)]
        old_strict = _git(repo, "show", f"{ref}:{_GENERATED}/strict/{name}", missing_ok=True)
        old_strict_schema = json.loads(old_strict) if old_strict else old
        problems += [
            f"{schema_id} (strict): {p}" for p in breaking_changes(old_strict_schema, strict)
        ]
        problems += [
            f"{schema_id}: {where}: the published schema forbids additional properties"
            for where in closed_objects(published)
        ]
    return problems, compared


def _published(ref: str, repo: Path) -> list[str]:
    _git(repo, "rev-parse", "--verify", "--quiet", f"{ref}^{{commit}}")  # a bad ref must fail
    # no such directory at `ref`: nothing published yet
    out = _git(repo, "ls-tree", "--name-only", f"{ref}:{_GENERATED}", missing_ok=True)
    return sorted(n for n in out.splitlines() if n.endswith(".json"))


def _git(repo: Path, *args: str, missing_ok: bool = False) -> str:
    done = subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True)
    if done.returncode != 0:
        if missing_ok:
            return ""
        raise RuntimeError(f"git {' '.join(args)} failed: {done.stderr.strip() or done.returncode}")
    return done.stdout


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m schemas.compat", description=__doc__)
    parser.add_argument("--against", default="HEAD", help="git revision (default HEAD)")
    args = parser.parse_args(argv)
    try:
        problems, compared = against_git(args.against)
    except RuntimeError as e:
        print(f"cannot compare: {e}", file=sys.stderr)
        return 2
    for p in problems:
        print(p)
    print(f"{len(compared)} published schema(s) compared with {args.against}", file=sys.stderr)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
