"""Notify's domain does no I/O: none of its modules imports a network, database or web library
(an I/O step a rule needs, such as resolving a webhook's host, is passed in)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

DOMAIN_DIR = Path(__file__).parents[3] / "services" / "notify" / "domain"
IO_LIBRARIES = {"asyncpg", "httpx", "aiohttp", "aiokafka", "aiosmtplib", "fastapi", "socket"}


def imported(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("path", sorted(DOMAIN_DIR.glob("*.py")), ids=lambda p: p.name)
def test_a_domain_module_imports_no_io_library(path: Path) -> None:
    assert not imported(path) & IO_LIBRARIES
