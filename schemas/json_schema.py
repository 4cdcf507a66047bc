"""The JSON Schemas of each event payload, generated from its pydantic model, in two forms:

- **published** (`generated/jsonschema/<schema id>.json`), what consumers validate with: tolerant
  of additions (no `additionalProperties: false` anywhere), since a v1 event may gain optional
  fields and consumers must accept fields they do not know yet;
- **strict** (`generated/jsonschema/strict/<schema id>.json`), what the model itself accepts
  (unknown fields refused): the producers' own tests check what they publish with it.

Each published schema has a **revision**, the first 12 hex digits of the SHA-256 of its canonical
JSON without `$id`: its `$id`, and the ce_dataschema of the events written with it, is
`urn:thidua:schema:<schema id>:rev:<revision>`. Every revision ever published is kept under
`generated/jsonschema/rev/<schema id>/<revision>.json` (see `schemas.generate`), and every
service serves them at `/schemas/<schema id>/rev/<revision>`.

Dialect: draft-07, the base of the AsyncAPI 3.0 schema format, so AsyncAPI tools read the files
as they are. Pydantic's output keeps to keywords draft-07 knows; only its `$defs` location is
renamed to draft-07's `definitions`.
"""

from __future__ import annotations

import copy
import functools
import hashlib
import json
from pathlib import Path
from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from schemas.base import DATASCHEMA_PREFIX, REVISION_MARK, Event
from schemas.catalog import topic_for

DIALECT = "http://json-schema.org/draft-07/schema#"
GENERATED = Path(__file__).parent / "generated"
DIR = "jsonschema"  # under schemas/generated/
STRICT_DIR = f"{DIR}/strict"
REVISIONS_DIR = f"{DIR}/rev"
REVISION_LENGTH = 12


class _Generator(GenerateJsonSchema):
    schema_dialect = DIALECT

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # "Unit Id" for unit_id says nothing; descriptions do


def file_name(cls: type[Event]) -> str:
    return f"{cls.schema_id()}.json"


def revision_path(schema_id: str, revision: str) -> str:
    """Where a revision is kept, relative to `generated/`."""
    return f"{REVISIONS_DIR}/{schema_id}/{revision}.json"


def strict_schema_for(cls: type[Event]) -> dict[str, Any]:
    """What the model accepts, unknown fields refused: for the producers' own tests."""
    body = _body(cls)
    return {"$id": f"{_published_id(cls)}:strict"} | body


def schema_for(cls: type[Event]) -> dict[str, Any]:
    """The published schema: what consumers validate with, tolerant of additions."""
    return {"$id": _published_id(cls)} | tolerant(_body(cls))


@functools.cache
def revision(cls: type[Event]) -> str:
    return revision_of(tolerant(_body(cls)))


def revision_of(schema: dict[str, Any]) -> str:
    """The revision of a published schema: a hash of its canonical JSON, `$id` left out (it
    names the revision)."""
    body = {k: v for k, v in schema.items() if k != "$id"}
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:REVISION_LENGTH]


def tolerant(schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` with every `additionalProperties: false` dropped (a map's value schema stays)."""
    out = copy.deepcopy(schema)
    _drop_closed(out)
    return out


def closed_objects(schema: Any, path: str = "") -> list[str]:
    """Where a schema forbids additional properties (JSON pointers into it)."""
    found = []
    if isinstance(schema, dict):
        if schema.get("additionalProperties") is False:
            found.append(path or "/")
        for key, value in schema.items():
            found += closed_objects(value, f"{path}/{key}")
    elif isinstance(schema, list):
        for i, value in enumerate(schema):
            found += closed_objects(value, f"{path}/{i}")
    return found


def _drop_closed(node: Any) -> None:
    if isinstance(node, dict):
        if node.get("additionalProperties") is False:
            del node["additionalProperties"]
        for value in node.values():
            _drop_closed(value)
    elif isinstance(node, list):
        for value in node:
            _drop_closed(value)


def _published_id(cls: type[Event]) -> str:
    return f"{DATASCHEMA_PREFIX}{cls.schema_id()}{REVISION_MARK}{revision(cls)}"


def _body(cls: type[Event]) -> dict[str, Any]:
    body = cls.model_json_schema(
        ref_template="#/definitions/{model}", schema_generator=_Generator, mode="validation"
    )
    definitions = body.pop("$defs", None)
    topic = topic_for(cls)
    head: dict[str, Any] = {
        "$schema": DIALECT,
        "x-cloudevents-type": cls.ce_type(),
        "x-kafka-topic": topic.name,
        "x-kafka-key": topic.key,
    }
    out = head | body
    if definitions:
        out["definitions"] = definitions
    return out
