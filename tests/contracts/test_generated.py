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

from schemas.base import DATASCHEMA_PREFIX
from schemas.catalog import TOPICS
from schemas.events import ALL_EVENTS
from schemas.examples import example
from schemas.generate import GENERATED, render
from schemas.json_schema import (
    REVISIONS_DIR,
    closed_objects,
    file_name,
    revision,
    revision_of,
    revision_path,
)

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
def test_published_schema_tolerates_additions_and_strict_one_refuses_them(cls):
    """Consumers validate with the published schema: a field added later within v1 must pass.
    The producers' tests validate with the strict one: it refuses what the model refuses."""
    payload = json.loads(example(cls).to_json())
    published = json.loads((GENERATED / "jsonschema" / file_name(cls)).read_text())
    strict = json.loads((GENERATED / "jsonschema" / "strict" / file_name(cls)).read_text())
    for schema in (published, strict):
        jsonschema.Draft7Validator.check_schema(schema)
        validator = jsonschema.Draft7Validator(schema, format_checker=jsonschema.FormatChecker())
        validator.validate(payload)
    assert closed_objects(published) == []
    jsonschema.Draft7Validator(published).validate(_with_additions(payload))
    assert not jsonschema.Draft7Validator(strict).is_valid(payload | {"unexpected": 1})
    assert published["$id"] == cls.dataschema()
    assert published["x-cloudevents-type"] == cls.ce_type()


def _with_additions(value):
    """`value` with an unknown member added to every object in it, however deep."""
    if isinstance(value, dict):
        return {k: _with_additions(v) for k, v in value.items()} | {"added_later": "x"}
    if isinstance(value, list):
        return [_with_additions(v) for v in value]
    return value


@pytest.mark.parametrize("cls", ALL_EVENTS, ids=NAMES)
def test_dataschema_names_the_current_revision_which_is_archived(cls):
    rev = revision(cls)
    assert cls.dataschema() == f"{DATASCHEMA_PREFIX}{cls.schema_id()}:rev:{rev}"
    kept = GENERATED / revision_path(cls.schema_id(), rev)
    assert kept.read_text() == (GENERATED / "jsonschema" / file_name(cls)).read_text()


def test_every_archived_revision_is_named_by_its_content():
    files = sorted((GENERATED / REVISIONS_DIR).glob("*/*.json"))
    assert len(files) >= len(ALL_EVENTS)
    for path in files:
        schema = json.loads(path.read_text())
        assert revision_of(schema) == path.stem, path
        assert schema["$id"] == f"{DATASCHEMA_PREFIX}{path.parent.name}:rev:{path.stem}", path


def test_old_revisions_are_kept_by_the_generator(tmp_path: Path):
    """A revision no model produces any more (the schema changed since) stays published."""
    old = tmp_path / REVISIONS_DIR / "progress.TargetReported.v1" / "0123456789ab.json"
    old.parent.mkdir(parents=True)
    old.write_text('{"$id": "urn:thidua:schema:progress.TargetReported.v1:rev:0123456789ab"}\n')
    files = render(archive=tmp_path)
    assert files[str(old.relative_to(tmp_path))] == old.read_text()
    current = revision_path("progress.TargetReported.v1", revision(example_cls("TargetReported")))
    assert current in files


def example_cls(name: str):
    return next(cls for cls in ALL_EVENTS if cls.__name__ == name)


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


def test_asyncapi_header_schema_accepts_every_revision_of_the_major_only():
    """Events written with an older revision, or before revisions, stay valid messages."""
    doc = yaml.safe_load((GENERATED / "asyncapi.yaml").read_text())
    cls = ALL_EVENTS[0]
    msg = doc["components"]["messages"][cls.schema_id()]
    validator = jsonschema.Draft7Validator({"components": doc["components"]} | msg["headers"])
    headers = msg["examples"][0]["headers"]
    for urn in (cls.major_dataschema(), f"{cls.major_dataschema()}:rev:0123456789ab"):
        validator.validate(headers | {"ce_dataschema": urn})
    other = ALL_EVENTS[1].dataschema()
    assert not validator.is_valid(headers | {"ce_dataschema": other})


def test_dead_letter_headers_match_the_runtime():
    """The AsyncAPI document describes the dead-letter headers servicekit really writes."""
    dlq = pytest.importorskip("servicekit.dlq")
    from schemas.deadletter import HEADERS

    written = {v for k, v in vars(dlq).items() if k.startswith("H_") and isinstance(v, str)}
    assert written == set(HEADERS)
