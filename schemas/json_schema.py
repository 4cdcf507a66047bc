"""The JSON Schema of each event payload, generated from its pydantic model.

Dialect: draft-07, the base of the AsyncAPI 3.0 schema format, so AsyncAPI tools read the files
as they are. Pydantic's output keeps to keywords draft-07 knows; only its `$defs` location is
renamed to draft-07's `definitions`. Each file's `$id` is the event's ce_dataschema URN.
"""

from __future__ import annotations

from typing import Any

from pydantic.json_schema import GenerateJsonSchema

from schemas.base import Event
from schemas.catalog import topic_for

DIALECT = "http://json-schema.org/draft-07/schema#"
DIR = "jsonschema"  # under schemas/generated/


class _Generator(GenerateJsonSchema):
    schema_dialect = DIALECT

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False  # "Unit Id" for unit_id says nothing; descriptions do


def file_name(cls: type[Event]) -> str:
    return f"{cls.schema_id()}.json"


def schema_for(cls: type[Event]) -> dict[str, Any]:
    body = cls.model_json_schema(
        ref_template="#/definitions/{model}", schema_generator=_Generator, mode="validation"
    )
    definitions = body.pop("$defs", None)
    topic = topic_for(cls)
    head: dict[str, Any] = {
        "$schema": DIALECT,
        "$id": cls.dataschema(),
        "x-cloudevents-type": cls.ce_type(),
        "x-kafka-topic": topic.name,
        "x-kafka-key": topic.key,
    }
    out = head | body
    if definitions:
        out["definitions"] = definitions
    return out
