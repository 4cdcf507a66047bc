"""The messages people can see, found by reading the source (AST), and the catalogue they need.

A message is the text argument of a call that becomes an answer: the domain errors
(`Invalid`, `Conflict`, `NotFound` and their subclasses, `Invalid.at`/`param`/`many`,
`Violation`), progress's `FieldProblem`, `Problem`, `forbidden`, a token's refusal, an
import's `RowError` and `ImportFileError`, a request model's `ValueError`, and every `Msg`
template (the import command's own words among them). A literal is a msgid; an f-string at
such a place is a message the catalogue cannot translate (`python -m infra.catalogue` lists
both; `--update` adds the missing msgids, untranslated, to the Vietnamese catalogue). A name
bound to a string at the module's top is followed; other expressions (a helper's result) are
not messages here.

tests/runtime/test_catalogue.py fails when a message has no translation or is an f-string.
"""

from __future__ import annotations

import ast
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PO = ROOT / "servicekit" / "locale" / "vi" / "LC_MESSAGES" / "thidua.po"

# call name → (positions, keywords) of its message arguments
SITES: dict[str, tuple[tuple[int, ...], tuple[str, ...]]] = {
    "Invalid": ((0,), ("detail",)),
    "Conflict": ((0,), ("detail",)),
    "NotFound": ((0,), ("detail",)),
    "DomainError": ((0,), ("detail",)),
    "InvalidTransition": ((0,), ("detail",)),
    "SubscriptionDeleted": ((0,), ("detail",)),
    "UnsafeUrl": ((0,), ("detail",)),
    "at": ((1,), ("detail",)),
    "param": ((1,), ("detail",)),
    "many": ((1,), ("summary",)),
    "Violation": ((1,), ("detail",)),
    "FieldProblem": ((2,), ("message",)),
    "Problem": ((1, 2), ("title", "detail")),
    "problem_response": ((1,), ("detail", "title")),
    "forbidden": ((0,), ("detail",)),
    "_token_refused": ((1,), ("description",)),
    "InvalidToken": ((1,), ("description",)),
    "RowError": ((2,), ("problem",)),
    "ImportFileError": ((0,), ()),
    "Msg": ((0,), ()),
}


@dataclass(frozen=True)
class Found:
    path: Path
    line: int
    text: str | None
    """The msgid; None for an f-string."""


def _name(func: ast.expr) -> str | None:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return None


def message_args(call: ast.Call, validators: bool = False) -> Iterator[ast.expr]:
    """The message arguments of `call`; with `validators`, a `ValueError`'s too (in a request
    model's validator it becomes pydantic's `value_error`, whose message people read)."""
    name = _name(call.func)
    if validators and name == "ValueError":
        yield from call.args[:1]
        return
    if name not in SITES:
        return
    positions, keywords = SITES[name]
    for i in positions:
        if i < len(call.args):
            yield call.args[i]
    for kw in call.keywords:
        if kw.arg in keywords:
            yield kw.value


def _constants(tree: ast.Module) -> dict[str, str]:
    out = {}
    for node in tree.body:
        if isinstance(node, ast.Assign) and isinstance(node.value, ast.Constant):
            for target in node.targets:
                if isinstance(target, ast.Name) and isinstance(node.value.value, str):
                    out[target.id] = node.value.value
    return out


def _strings(node: ast.expr, constants: dict[str, str]) -> Iterator[str | None]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        yield node.value
    elif isinstance(node, ast.JoinedStr):
        yield None
    elif isinstance(node, ast.Name) and node.id in constants:
        yield constants[node.id]
    elif isinstance(node, ast.IfExp):
        yield from _strings(node.body, constants)
        yield from _strings(node.orelse, constants)
    elif isinstance(node, ast.Call) and _name(node.func) == "Msg":
        return  # found as a call of its own


def _validates(path: Path) -> bool:
    """A module of request models or cell parsers, whose ValueErrors people read."""
    return "api" in path.parts or path.name in ("imports.py", "rows.py")


def messages(root: Path = ROOT / "services") -> Iterator[Found]:
    for path in [root] if root.is_file() else sorted(root.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        constants = _constants(tree)
        validators = _validates(path)
        for node in ast.walk(tree):
            if isinstance(node, ast.Call):
                for arg in message_args(node, validators):
                    for text in _strings(arg, constants):
                        yield Found(path, arg.lineno, text)


def msgids() -> set[str]:
    found = {f.text for f in messages()} | {f.text for f in messages(ROOT / "servicekit")}
    found |= {f.text for f in messages(ROOT / "infra" / "import_cli.py")}
    return {t for t in found if t}


def main(argv: list[str]) -> int:
    from babel.messages.pofile import read_po, write_po

    with PO.open("rb") as src:
        cat = read_po(src, locale="vi", domain="thidua")
    missing = sorted(t for t in msgids() if t not in cat or not cat[t].string)
    fstrings = [f for f in messages() if f.text is None]
    for found in fstrings:
        print(f"{found.path.relative_to(ROOT)}:{found.line}: an f-string message (use Msg)")
    for t in missing:
        print(f"untranslated: {t!r}")
    if "--update" in argv:
        for t in missing:
            if t not in cat:
                cat.add(t)
        with PO.open("wb") as out:
            write_po(out, cat, width=100, omit_header=False, sort_output=False)
    return 1 if missing or fstrings else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
