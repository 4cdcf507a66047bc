"""Two rules of services/README.md that no linter checks, run by `./thidua lint`: no module of
`servicekit/` or `services/` over 600 lines, and no comment or doc that points outside the
repository (an outside design file, another checkout's path, an issue number) where a reader of
the repository cannot follow it. `python -m infra.house_rules [ROOT]`; exit 1 on a breach."""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from pathlib import Path

MAX_LINES = 600
SIZED = ("servicekit", "services")
READ = ("servicekit", "schemas", "services", "infra", "tests", "demo", "bench", "docs")
TEXTS = {".py", ".md", ".yaml", ".yml", ".toml", ".html", ".txt"}
# Written in parts, so that this file does not match itself.
OUTSIDE = re.compile(
    "|".join(
        (
            r"\bDOMAIN" + r"\b",  # the outside domain brief (DOMAIN_CHECKED is a name)
            r"\.\./" + r"shared\b",
            "/work" + "/shared",
            r"\b[Ii]ssue" + r" #?\d+",
        )
    )
)
# Applied migrations are never edited (services/README.md), whatever their comments say.
SKIPPED_PARTS = {"migrations", "generated", "__pycache__"}


def _files(root: Path, tops: tuple[str, ...], suffixes: set[str]) -> Iterator[Path]:
    for top in tops:
        for path in sorted((root / top).rglob("*")):
            relative = path.relative_to(root)
            if path.suffix in suffixes and not SKIPPED_PARTS & set(relative.parts):
                yield path


def breaches(root: Path) -> list[str]:
    """`path:line: what` for every breach under `root`."""
    found: list[str] = []
    for path in _files(root, SIZED, {".py"}):
        lines = path.read_text(encoding="utf-8").count("\n")
        if lines > MAX_LINES:
            found.append(f"{path.relative_to(root)}:1: {lines} lines, over {MAX_LINES}")
    readme = [root / "README.md"] if (root / "README.md").exists() else []
    for path in [*readme, *_files(root, READ, TEXTS)]:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            match = OUTSIDE.search(line)
            if match:
                where = f"{path.relative_to(root)}:{number}"
                found.append(f"{where}: points outside the repository ({match.group(0)!r})")
    return found


def main(argv: list[str]) -> int:
    root = Path(argv[0]) if argv else Path(__file__).resolve().parent.parent
    found = breaches(root)
    for line in found:
        print(line)
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
