"""`./thidua lint` and how `./thidua test` runs it: the gate first, no test when it fails, no way
round it on CI; `--fast` selects the tests that need no stack and starts none."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from infra import __main__ as cli
from infra import house_rules, lint
from infra.profile import ROOT

PASSING = lint.Check("passes", (sys.executable, "-c", "pass"))
FAILING = lint.Check(
    "fails", (sys.executable, "-c", "import sys; print('x.py:1: error: wrong'); sys.exit(3)")
)


@pytest.fixture
def pytest_calls(monkeypatch: pytest.MonkeyPatch) -> list[list[str]]:
    """What `./thidua test` hands to pytest, recorded instead of run; the stack must not start."""
    calls: list[list[str]] = []

    def call(argv: list[str], **_: object) -> int:
        calls.append(argv)
        return 0

    def no_stack(_: object) -> None:
        raise AssertionError("the stack was started")

    monkeypatch.setattr(cli.subprocess, "call", call)
    monkeypatch.setattr(cli.stack, "start_infra", no_stack)
    monkeypatch.delenv("CI", raising=False)
    return calls


def test_lint_runs_every_check_and_fails_if_one_fails(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint, "CHECKS", (FAILING, PASSING))
    result = CliRunner().invoke(cli.app, ["lint"])
    assert result.exit_code == 1
    assert "x.py:1: error: wrong" in result.output
    assert "failed fails (exit 3" in result.output
    assert "passed passes" in result.output  # the second check ran after the first failed


def test_lint_passes_when_every_check_passes(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(lint, "CHECKS", (PASSING, PASSING))
    result = CliRunner().invoke(cli.app, ["lint"])
    assert result.exit_code == 0, result.output
    assert result.output.count("passed passes") == 2


def test_a_failed_gate_runs_no_test(
    monkeypatch: pytest.MonkeyPatch, pytest_calls: list[list[str]]
) -> None:
    monkeypatch.setattr(lint, "CHECKS", (FAILING,))
    result = CliRunner().invoke(cli.app, ["test", "--fast", "-q"])
    assert result.exit_code == 1
    assert "no test was run" in result.output
    assert pytest_calls == []


def test_fast_selects_the_tests_without_a_stack(
    monkeypatch: pytest.MonkeyPatch, pytest_calls: list[list[str]]
) -> None:
    monkeypatch.setattr(lint, "CHECKS", (PASSING,))
    result = CliRunner().invoke(cli.app, ["test", "--fast", "-q", "tests/contracts"])
    assert result.exit_code == 0, result.output
    assert pytest_calls == [
        [sys.executable, "-m", "pytest", "-m", "not infra", "-q", "tests/contracts"]
    ]


def test_no_lint_skips_the_gate_locally(
    monkeypatch: pytest.MonkeyPatch, pytest_calls: list[list[str]]
) -> None:
    monkeypatch.setattr(lint, "CHECKS", (FAILING,))
    result = CliRunner().invoke(cli.app, ["test", "--fast", "--no-lint"])
    assert result.exit_code == 0, result.output
    assert "fails" not in result.output
    assert len(pytest_calls) == 1


def test_no_lint_is_refused_on_ci(
    monkeypatch: pytest.MonkeyPatch, pytest_calls: list[list[str]]
) -> None:
    monkeypatch.setenv("CI", "true")
    result = CliRunner().invoke(cli.app, ["test", "--fast", "--no-lint"])
    assert result.exit_code == 2
    assert "--no-lint is for local loops only" in result.output
    assert pytest_calls == []


def test_a_test_reaching_the_stack_through_a_fixture_is_marked_infra() -> None:
    """tests/awards/test_nominations.py carries no infra mark of its own: its fixtures reach the
    database through `profile`, and that is enough to leave it out of --fast."""
    collected = subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "--collect-only",
            "-q",
            "-m",
            "not infra",
            "tests/awards/test_nominations.py",
            "tests/awards/domain/test_order.py",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "tests/awards/domain/test_order.py::" in collected
    assert "tests/awards/test_nominations.py::" not in collected


def test_house_rules_find_a_long_module_and_a_pointer_outside(tmp_path: Path) -> None:
    (tmp_path / "servicekit").mkdir()
    (tmp_path / "servicekit" / "long.py").write_text("x = 1\n" * 601)
    (tmp_path / "servicekit" / "fits.py").write_text("x = 1\n" * 600)
    (tmp_path / "docs").mkdir()
    # written in parts, so that this file keeps the rule it tests
    brief, issue = "DOM" + "AIN", "iss" + "ue #9"
    outside = f"The rule is in {brief}.md, see {issue}.\n"
    (tmp_path / "docs" / "notes.md").write_text("# Notes\n" + outside)
    # an applied migration is never edited, whatever it says
    (tmp_path / "services" / "x" / "migrations").mkdir(parents=True)
    (tmp_path / "services" / "x" / "migrations" / "0001_a.sql").write_text("-- " + outside)
    (tmp_path / "services" / "x" / "names.py").write_text("DOMAIN_CHECKED = {1}\n")

    found = house_rules.breaches(tmp_path)

    assert found == [
        "servicekit/long.py:1: 601 lines, over 600",
        f"docs/notes.md:2: points outside the repository ('{brief}')",
    ]
    assert house_rules.main([str(tmp_path)]) == 1


def test_house_rules_pass_a_clean_tree(tmp_path: Path) -> None:
    (tmp_path / "servicekit").mkdir()
    (tmp_path / "servicekit" / "fits.py").write_text('"""See docs/domain.md section 4."""\n')
    assert house_rules.breaches(tmp_path) == []
    assert house_rules.main([str(tmp_path)]) == 0


def test_the_gate_runs_the_house_rules() -> None:
    assert [c.name for c in lint.CHECKS] == [
        "ruff check",
        "ruff format --check",
        "house rules",
        "mypy",
    ]
