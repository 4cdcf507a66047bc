"""The compatibility check itself, and the current models against the schemas published at HEAD."""

from __future__ import annotations

import copy
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from schemas import json_schema
from schemas.compat import against_git, breaking_changes
from schemas.json_schema import schema_for, strict_schema_for
from schemas.progress import StandingsChanged

ROOT = Path(__file__).resolve().parents[2]

# A schema shaped like pydantic's output: a nested model by $ref, a nullable field, an enum, a list.
OLD = {
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "unit_id": {"type": "string", "format": "uuid"},
        "name": {"type": "string", "minLength": 1, "maxLength": 500},
        "level": {"type": "string", "enum": ["province", "district", "commune"]},
        "parent_id": {"anyOf": [{"type": "string", "format": "uuid"}, {"type": "null"}]},
        "score": {"type": "number"},
        "head": {"$ref": "#/definitions/Head"},
        "ranking": {"type": "array", "items": {"$ref": "#/definitions/Standing"}},
        "facts": {"type": "object", "additionalProperties": {"type": "string"}},
    },
    "required": ["unit_id", "name", "level"],
    "definitions": {
        "Head": {
            "type": "object",
            "properties": {"kind": {"const": "person", "type": "string"}},
            "required": ["kind"],
        },
        "Standing": {
            "type": "object",
            "properties": {"rank": {"type": "integer", "minimum": 1}},
            "required": ["rank"],
        },
    },
}


def changed(edit) -> list[str]:
    new = copy.deepcopy(OLD)
    edit(new)
    return breaking_changes(OLD, new)


def props(s: dict) -> dict:
    return s["properties"]


def defs(s: dict, name: str) -> dict:
    return s["definitions"][name]["properties"]


BREAKING = {
    "removed property": (lambda s: props(s).pop("score"), "score: property removed"),
    "removed nested property": (
        lambda s: defs(s, "Standing").pop("rank"),
        "ranking[].rank: property removed",
    ),
    "changed type": (
        lambda s: props(s).update(score={"type": "string"}),
        "score: type changed from number to string",
    ),
    "integer is not number": (
        lambda s: defs(s, "Standing").update(rank={"type": "number"}),
        "ranking[].rank: type changed from integer to number",
    ),
    "no longer nullable": (
        lambda s: props(s).update(parent_id={"type": "string", "format": "uuid"}),
        "parent_id: type changed from null, string to string",
    ),
    "now nullable": (
        lambda s: props(s).update(score={"anyOf": [{"type": "number"}, {"type": "null"}]}),
        "score: type changed from number to null, number",
    ),
    "newly required": (lambda s: s["required"].append("score"), "score: property newly required"),
    "new required property": (
        lambda s: (props(s).update(year={"type": "integer"}), s["required"].append("year")),
        "year: property newly required",
    ),
    "narrowed enum": (
        lambda s: props(s)["level"].update(enum=["province", "commune"]),
        "level: enumeration narrowed: district removed",
    ),
    "changed const": (
        lambda s: defs(s, "Head").update(kind={"const": "collective", "type": "string"}),
        "head.kind: enumeration narrowed: person removed",
    ),
    "free text restricted to an enum": (
        lambda s: props(s)["name"].update(enum=["A"]),
        "name: restricted to A",
    ),
    "tightened maxLength": (
        lambda s: props(s)["name"].update(maxLength=100),
        "name: maxLength tightened to 100 (was 500)",
    ),
    "new minimum": (
        lambda s: props(s)["score"].update(minimum=0),
        "score: minimum tightened to 0 (was None)",
    ),
    "new pattern": (
        lambda s: props(s)["name"].update(pattern="^[A-Z]"),
        "name: pattern changed to '^[A-Z]' (was None)",
    ),
    "map values changed type": (
        lambda s: props(s)["facts"].update(additionalProperties={"type": "integer"}),
        "facts{*}: type changed from string to integer",
    ),
    "map keys restricted": (
        lambda s: props(s)["facts"].update(propertyNames={"maxLength": 10}),
        "facts{key}: maxLength tightened to 10 (was None)",
    ),
    "extra properties newly forbidden": (
        lambda s: props(s)["facts"].update(additionalProperties=False),
        "facts: additional properties newly forbidden",
    ),
}

ALLOWED = {
    "identical": lambda s: None,
    "new optional property": lambda s: props(s).update(note={"type": ["string", "null"]}),
    "new optional nested property": lambda s: defs(s, "Standing").update(score={"type": "number"}),
    "widened enum": lambda s: props(s)["level"].update(
        enum=["province", "district", "commune", "ward"]
    ),
    "no longer required": lambda s: s["required"].remove("level"),
    "loosened maxLength": lambda s: props(s)["name"].update(maxLength=1000),
    "map values widened": lambda s: props(s)["facts"].update(
        additionalProperties={"type": "string", "description": "any text"}
    ),
    "dropped minimum": lambda s: defs(s, "Standing")["rank"].pop("minimum"),
    "description added": lambda s: props(s)["score"].update(description="The bloc score."),
    "inlined instead of $ref": lambda s: props(s).update(
        head=copy.deepcopy(OLD["definitions"]["Head"])
    ),
    "renamed definition": lambda s: (
        s["definitions"].update(Leader=s["definitions"].pop("Head")),
        props(s).update(head={"$ref": "#/definitions/Leader"}),
    ),
}


@pytest.mark.parametrize(("edit", "expected"), BREAKING.values(), ids=BREAKING.keys())
def test_breaking_change_is_reported(edit, expected: str):
    assert changed(edit) == [expected]


@pytest.mark.parametrize("edit", ALLOWED.values(), ids=ALLOWED.keys())
def test_compatible_change_passes(edit):
    assert changed(edit) == []


def test_several_problems_are_all_reported():
    def edit(s):
        props(s).pop("score")
        props(s)["level"]["enum"] = ["province"]

    assert changed(edit) == [
        "level: enumeration narrowed: commune, district removed",
        "score: property removed",
    ]


def test_real_model_schema_is_compatible_with_itself_and_catches_a_real_break():
    schema = schema_for(StandingsChanged)
    assert breaking_changes(schema, copy.deepcopy(schema)) == []
    narrowed = copy.deepcopy(schema)
    narrowed["definitions"]["Standing"]["properties"]["rank"]["minimum"] = 2
    assert breaking_changes(schema, narrowed) == ["ranking[].rank: minimum tightened to 2 (was 1)"]


def test_current_models_are_compatible_with_every_published_version():
    """Every version of the schemas ever committed must still hold for the current model of the
    same name and major. Comparing with HEAD alone would miss a break committed together with its
    regenerated schema; each commit that touched the published schemas is a published version."""
    if shutil.which("git") is None or not (ROOT / ".git").exists():
        pytest.skip("not in a git checkout")
    revisions = subprocess.run(
        ["git", "log", "--format=%H", "--", "schemas/generated/jsonschema"],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout.split()
    if not revisions:
        pytest.skip("no schema published yet")
    for rev in revisions:
        problems, compared = against_git(rev, ROOT)
        assert compared, f"no schema compared at {rev}"
        assert problems == [], (
            f"breaking changes against {rev[:10]}; publish a new major version instead:\n"
            + "\n".join(problems)
        )


def _git(repo: Path, *args: str) -> None:
    subprocess.run(["git", *args], cwd=repo, check=True, capture_output=True)


def _publish(repo: Path, files: dict[str, dict]) -> None:
    """A throwaway repository holding an 'older' publication of `files` (relative to the
    published schemas' folder)."""
    published = repo / "schemas" / "generated" / "jsonschema"
    for name, schema in files.items():
        (published / name).parent.mkdir(parents=True, exist_ok=True)
        (published / name).write_text(json.dumps(schema))
    _git(repo, "init", "-q")
    _git(repo, "add", ".")
    _git(
        repo,
        "-c",
        "user.name=t",
        "-c",
        "user.email=t@t",
        "-c",
        "commit.gpgsign=false",
        "commit",
        "-qm",
        "x",
    )


def test_against_git_finds_a_break_and_a_removed_type(tmp_path: Path):
    """Before the published and strict forms were split, the published files were strict: a
    field removed since breaks both forms."""
    old = strict_schema_for(StandingsChanged)
    old["properties"]["legacy_note"] = {"type": "string"}
    _publish(
        tmp_path,
        {f"{StandingsChanged.schema_id()}.json": old, "progress.Vanished.v1.json": {}},
    )
    problems, compared = against_git("HEAD", tmp_path)
    assert compared == [StandingsChanged.schema_id()]
    assert problems == [
        "progress.StandingsChanged.v1: legacy_note: property removed",
        "progress.StandingsChanged.v1 (strict): legacy_note: property removed",
        "progress.Vanished.v1: event type removed",
    ]


def test_against_git_checks_the_strict_form_against_the_strict_files(tmp_path: Path):
    name = f"{StandingsChanged.schema_id()}.json"
    strict = strict_schema_for(StandingsChanged)
    strict["definitions"]["Standing"]["properties"]["legacy_rank"] = {"type": "integer"}
    _publish(tmp_path, {name: schema_for(StandingsChanged), f"strict/{name}": strict})
    problems, _ = against_git("HEAD", tmp_path)
    assert problems == [
        "progress.StandingsChanged.v1 (strict): ranking[].legacy_rank: property removed"
    ]


def test_a_published_schema_closed_to_additions_is_refused(tmp_path: Path, monkeypatch):
    """Consumers validate with the published form: closing it breaks the compatibility policy
    even when it was closed before (the files published before the split were)."""
    name = f"{StandingsChanged.schema_id()}.json"
    _publish(tmp_path, {name: strict_schema_for(StandingsChanged)})
    monkeypatch.setattr(json_schema, "schema_for", strict_schema_for)
    problems, _ = against_git("HEAD", tmp_path)
    assert problems == [
        f"progress.StandingsChanged.v1: {where}: the published schema forbids additional properties"
        for where in ("/", "/definitions/Standing")
    ]


def test_compat_cli_refuses_an_unknown_revision():
    done = subprocess.run(
        [sys.executable, "-m", "schemas.compat", "--against", "no-such-revision"],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 2
    assert "cannot compare" in done.stderr
