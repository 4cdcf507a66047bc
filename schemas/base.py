"""The base of every event payload.

An event class states who publishes it and which payload field is its aggregate id:

    class TargetReported(Event, owner="progress", key="target_id"):
        target_id: UUID
        ...

From that follow its CloudEvents type (`vn.thidua.progress.TargetReported.v1`), its schema id
(`progress.TargetReported.v1`, the JSON Schema file's name) and its message key and ce_subject.
The metadata is called `event_name`, not `name`: several payloads have a `name` field.

Decoding from the wire (`from_json`) is strict: JSON types must match exactly ("1" is not an
integer). Building an event in Python is lax about input types (a UUID may come as its string), but
the result is always typed and is what goes on the wire.
"""

from __future__ import annotations

from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict

CE_TYPE_PREFIX = "vn.thidua"
DATASCHEMA_PREFIX = "urn:thidua:schema:"
REVISION_MARK = ":rev:"
_DATASCHEMAS: dict[type, str] = {}


class Event(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)

    event_name: ClassVar[str]
    major: ClassVar[int]
    owner: ClassVar[str]
    key_field: ClassVar[str]

    def __init_subclass__(
        cls, *, owner: str, key: str, major: int = 1, name: str | None = None, **kwargs: Any
    ) -> None:
        super().__init_subclass__(**kwargs)
        cls.event_name = name or cls.__name__
        cls.owner = owner
        cls.key_field = key
        cls.major = major

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        if cls.key_field not in cls.model_fields:
            raise TypeError(f"{cls.__name__}: key field {cls.key_field!r} is not a field")

    @property
    def aggregate_id(self) -> str:
        """The id of the aggregate this event belongs to: the Kafka key and the ce_subject."""
        return str(getattr(self, self.key_field))

    @classmethod
    def ce_type(cls) -> str:
        return f"{CE_TYPE_PREFIX}.{cls.owner}.{cls.event_name}.v{cls.major}"

    @classmethod
    def schema_id(cls) -> str:
        """`<owner>.<Name>.v<major>`: names the JSON Schema file and ends the ce_dataschema URN."""
        return f"{cls.owner}.{cls.event_name}.v{cls.major}"

    @classmethod
    def dataschema(cls) -> str:
        """`urn:thidua:schema:<schema id>:rev:<revision>`: the `$id` of the published JSON Schema
        revision the payload was written with (`schemas.json_schema`)."""
        try:
            return _DATASCHEMAS[cls]
        except KeyError:
            # imported here: the schema is generated with the catalog, which imports the events
            from schemas.json_schema import schema_for

            return _DATASCHEMAS.setdefault(cls, schema_for(cls)["$id"])

    @classmethod
    def major_dataschema(cls) -> str:
        """`urn:thidua:schema:<schema id>`: the major version without a revision (what events
        written before revisions carry); it resolves to the latest revision."""
        return DATASCHEMA_PREFIX + cls.schema_id()

    def to_json(self) -> bytes:
        return self.model_dump_json().encode()

    @classmethod
    def from_json(cls, data: bytes | str) -> Self:
        return cls.model_validate_json(data, strict=True)
