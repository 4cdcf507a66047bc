"""The committed JSON Schemas and AsyncAPI document are current, deterministic and consistent with
the models, the catalog and the examples."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from schemas.catalog import TOPICS
from schemas.events import ALL_EVENTS
from schemas.examples import example
from schemas.generate import GENERATED, render
from schemas.json_schema import file_name

ROOT = Path(__file__).resolve().parents[2]
NAMES = [cls.__name__ for cls in ALL_EVENTS]


def _generate(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "schemas.generate", *args],
        cwd=ROOT,
        capture_output=True,
        text=True,
    )


def _files(root: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(root)): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()
    }


def test_committed_files_are_what_the_models_generate(tmp_path: Path):
    done = _generate("--out", str(tmp_path))
    assert done.returncode == 0, done.stderr
    fresh, committed = _files(tmp_path), _files(GENERATED)
    stale = sorted(k for k in fresh.keys() | committed.keys() if fresh.get(k) != committed.get(k))
    assert not stale, f"run `python -m schemas.generate`; out of date: {stale}"


def test_check_passes_on_the_committed_files():
    done = _generate("--check")
    assert done.returncode == 0, done.stdout + done.stderr


def test_check_lists_what_differs(tmp_path: Path):
    assert _generate("--out", str(tmp_path)).returncode == 0
    (tmp_path / "jsonschema" / "registry.UnitRegistered.v1.json").write_text("{}\n")
    (tmp_path / "jsonschema" / "registry.Gone.v1.json").write_text("{}\n")
    (tmp_path / "asyncapi.yaml").unlink()
    done = _generate("--check", "--out", str(tmp_path))
    assert done.returncode == 1
    assert done.stdout.splitlines() == [
        "missing: asyncapi.yaml",
        "differs: jsonschema/registry.UnitRegistered.v1.json",
        "stale: jsonschema/registry.Gone.v1.json",
    ]


def test_output_is_deterministic():
    assert render() == render()


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=NAMES)
def test_schema_accepts_the_example_and_rejects_an_unknown_field(cls):
    schema = json.loads((GENERATED / "jsonschema" / file_name(cls)).read_text())
    jsonschema.Draft7Validator.check_schema(schema)
    validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
    payload = json.loads(example(cls).to_json())
    validator.validate(payload)
    assert not validator.is_valid(payload | {"unexpected": 1})
    assert schema["$id"] == cls.dataschema()
    assert schema["x-cloudevents-type"] == cls.ce_type()


def test_asyncapi_describes_every_topic_dlq_and_event():
    doc = yaml.safe_load((GENERATED / "asyncapi.yaml").read_text())
    assert doc["asyncapi"] == "3.0.0"
    addresses = {c["address"]: c for c in doc["channels"].values()}
    assert set(addresses) == {t.name for t in TOPICS} | {t.dlq for t in TOPICS}
    messages = doc["components"]["messages"]
    for t in TOPICS:
        channel = addresses[t.name]
        assert channel["bindings"]["kafka"]["partitions"] == t.partitions
        assert set(channel["messages"]) == {cls.event_name for cls in t.events}
        for cls in t.events:
            ref = channel["messages"][cls.event_name]["$ref"]
            assert ref == f"#/components/messages/{cls.schema_id()}"
            msg = messages[cls.schema_id()]
            assert (GENERATED / msg["payload"]["$ref"]).is_file()
            example_headers = msg["examples"][0]["headers"]
            assert example_headers["ce_type"] == cls.ce_type()
            assert example_headers["ce_subject"] == example(cls).aggregate_id
        assert (
            addresses[t.dlq]["messages"]["DeadLetter"]["$ref"] == "#/components/messages/DeadLetter"
        )
    for op in doc["operations"].values():
        channel_id = op["channel"]["$ref"].removeprefix("#/channels/")
        for m in op["messages"]:
            assert m["$ref"].startswith(f"#/channels/{channel_id}/messages/")
            assert m["$ref"].rsplit("/", 1)[1] in doc["channels"][channel_id]["messages"]


def test_asyncapi_example_headers_satisfy_the_header_schema():
    doc = yaml.safe_load((GENERATED / "asyncapi.yaml").read_text())
    headers_schema = {"components": doc["components"]}
    for cls in ALL_EVENTS:
        msg = doc["components"]["messages"][cls.schema_id()]
        schema = headers_schema | msg["headers"]
        jsonschema.Draft7Validator(schema).validate(msg["examples"][0]["headers"])


def test_dead_letter_headers_match_the_runtime():
    """The AsyncAPI document describes the dead-letter headers servicekit really writes."""
    dlq = pytest.importorskip("servicekit.dlq")
    from schemas.deadletter import HEADERS

    written = {v for k, v in vars(dlq).items() if k.startswith("H_") and isinstance(v, str)}
    assert written == set(HEADERS)
