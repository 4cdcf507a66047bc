"""The message catalogue is complete: every message the services raise, and every error pydantic
can raise for their request models and import rows, has a Vietnamese translation; and the
language is negotiated as RFC 9110 says. Pure checks over the source and the catalogue."""

from __future__ import annotations

import importlib
import pkgutil
from datetime import date
from typing import Any, Literal

import pytest
from pydantic import BaseModel, ValidationError

import services
from infra.catalogue import ROOT, messages, msgids
from servicekit.imports import Row
from servicekit.messages import (
    Msg,
    catalogue,
    negotiate,
    pydantic_message,
    pydantic_templates,
    translate,
)
from servicekit.text import In

VI = catalogue("vi")


def test_every_message_raised_in_the_services_is_translated() -> None:
    missing = sorted(t for t in msgids() if t not in VI)
    assert missing == [], f"{len(missing)} messages lack a Vietnamese translation: {missing[:10]}"


def test_no_message_is_an_f_string() -> None:
    """An f-string's text changes with its values: the catalogue could never hold it (Msg)."""
    found = [
        f"{f.path.relative_to(ROOT)}:{f.line}"
        for root in (ROOT / "services", ROOT / "servicekit")
        for f in messages(root)
        if f.text is None
    ]
    assert found == []


def test_a_translation_names_only_the_parameters_of_its_message() -> None:
    """A placeholder the English lacks would fail when formatted (and fall back to English)."""
    import string

    def names(text: str) -> set[str]:
        return {f for _, f, _, _ in string.Formatter().parse(text) if f}

    wrong = [(t, VI[t]) for t in msgids() | set(pydantic_templates().values()) if t in VI]
    assert [(t, v) for t, v in wrong if not names(v) <= names(t)] == []


# ---- pydantic's errors for the services' models -------------------------------------------------


def _models() -> list[type[BaseModel]]:
    for module in pkgutil.walk_packages(services.__path__, "services."):
        if ".api" in module.name or ".commands" in module.name:
            importlib.import_module(module.name)

    def below(cls: type) -> list[type]:
        return [c for s in cls.__subclasses__() for c in (s, *below(s))]

    return [m for m in below(In) + below(Row) if m.__module__.startswith("services.")]


_SCALARS = {
    "str": ("string_type", "string_unicode"),
    "int": ("int_type", "int_parsing", "int_from_float", "int_parsing_size"),
    "float": ("float_type", "float_parsing"),
    "bool": ("bool_type", "bool_parsing"),
    "date": ("date_type", "date_parsing", "date_from_datetime_parsing"),
    "datetime": ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"),
    "time": ("time_type", "time_parsing"),
    "uuid": ("uuid_type", "uuid_parsing"),
    "decimal": ("decimal_type", "decimal_parsing"),
    "url": ("url_type", "url_parsing", "url_syntax_violation"),
    "literal": ("literal_error",),
    "enum": ("enum",),
    "none": ("none_required",),
    "any": (),
    "bytes": ("bytes_type",),
    "timedelta": ("time_delta_type", "time_delta_parsing"),
}
_BOUNDS = {
    "gt": "greater_than",
    "ge": "greater_than_equal",
    "lt": "less_than",
    "le": "less_than_equal",
    "multiple_of": "multiple_of",
}
_CONTAINERS = {"list": "list_type", "set": "set_type", "frozenset": "frozen_set_type"}
_PASS_THROUGH = ("schema", "inner_schema", "python_schema", "json_schema", "lax_schema")


def error_types(schema: dict[str, Any], defs: dict[str, Any], seen: set[str]) -> set[str]:
    """Every error type validating against `schema` (a pydantic-core schema) can raise."""
    kind = schema["type"]
    out: set[str] = set()
    if kind == "definitions":
        defs = {**defs, **{d["ref"]: d for d in schema["definitions"]}}
    elif kind == "definition-ref":
        ref = schema["schema_ref"]
        if ref in seen:
            return out
        return error_types(defs[ref], defs, seen | {ref})
    if "ref" in schema and kind != "definitions":
        seen = seen | {schema["ref"]}
    if kind in _SCALARS:
        out |= set(_SCALARS[kind])
        out |= {err for key, err in _BOUNDS.items() if schema.get(key) is not None}
        if kind == "str":
            out |= {"string_too_long"} if schema.get("max_length") is not None else set()
            out |= {"string_too_short"} if schema.get("min_length") is not None else set()
            out |= {"string_pattern_mismatch"} if schema.get("pattern") else set()
        if kind == "float" and schema.get("allow_inf_nan") is False:
            out.add("finite_number")
        if kind == "datetime" and schema.get("tz_constraint") == "aware":
            out.add("timezone_aware")
        if kind == "date":
            out.add("date_from_datetime_inexact")
        if kind == "decimal":
            out |= {"decimal_max_digits", "decimal_max_places", "decimal_whole_digits"}
    elif kind in _CONTAINERS or kind == "tuple":
        out.add(_CONTAINERS.get(kind, "tuple_type"))
        out |= {"too_long"} if schema.get("max_length") is not None else set()
        out |= {"too_short"} if schema.get("min_length") is not None else set()
        for key in ("items_schema", "items_schemas"):
            items = schema.get(key)
            for item in items if isinstance(items, list) else [items] if items else []:
                out |= error_types(item, defs, seen)
    elif kind == "dict":
        out.add("dict_type")
        for key in ("keys_schema", "values_schema"):
            if schema.get(key):
                out |= error_types(schema[key], defs, seen)
    elif kind == "model":
        out.add("model_type")
        if (schema.get("config") or {}).get("extra_fields_behavior") == "forbid":
            out.add("extra_forbidden")
        out |= error_types(schema["schema"], defs, seen)
    elif kind == "model-fields":
        out.add("model_attributes_type")
        for f in schema["fields"].values():
            if f["schema"]["type"] != "default":
                out.add("missing")
            out |= error_types(f["schema"], defs, seen)
        if schema.get("extra_behavior") == "forbid":
            out.add("extra_forbidden")
        for v in schema.get("model_validators", ()):  # pragma: no cover (older schemas)
            out |= error_types(v, defs, seen)
    elif kind.startswith("function-"):
        out |= {"value_error", "assertion_error"}
        if "schema" in schema:
            out |= error_types(schema["schema"], defs, seen)
    elif kind in ("union", "tagged-union"):
        choices = schema["choices"]
        items = choices.values() if isinstance(choices, dict) else choices
        for c in items:
            out |= error_types(c[0] if isinstance(c, tuple) else c, defs, seen)
        if kind == "tagged-union":
            out |= {"union_tag_invalid", "union_tag_not_found"}
    elif kind in ("nullable", "default", "definitions", "json-or-python", "lax-or-strict"):
        for key in _PASS_THROUGH:
            if key in schema:
                out |= error_types(schema[key], defs, seen)
    elif kind == "chain":
        for step in schema["steps"]:
            out |= error_types(step, defs, seen)
    else:
        raise AssertionError(f"a schema of type {kind!r}: teach error_types what it raises")
    return out


def test_every_error_pydantic_raises_for_the_services_models_is_translated() -> None:
    models = _models()
    assert len(models) > 50  # the request bodies of the four services and the import rows
    templates = pydantic_templates()
    needed: dict[str, str] = {}
    for model in models:
        for kind in error_types(model.__pydantic_core_schema__, {}, set()):  # type: ignore[arg-type]
            needed.setdefault(kind, model.__name__)
    assert {"missing", "extra_forbidden", "string_too_long", "literal_error"} <= set(needed)
    untranslated = {k: m for k, m in needed.items() if templates.get(k) not in VI}
    assert untranslated == {}


# ---- translations as they are answered ----------------------------------------------------------


class _Strict(In):
    name: str = ""
    count: int = 0
    kind: Literal["unit", "person"] = "unit"
    day: date | None = None


def _errors(body: dict[str, Any]) -> list[Any]:
    try:
        _Strict.model_validate(body)
    except ValidationError as e:
        return list(e.errors(include_url=False))
    raise AssertionError("valid")


@pytest.mark.parametrize(
    ("body", "english", "vietnamese"),
    [
        ({"count": "mười"}, "Input should be a valid integer", "Phải là số nguyên"),
        ({"kind": "bloc"}, "Input should be 'unit' or 'person'", "Phải là một trong các giá trị"),
        ({"extra": 1}, "Extra inputs are not permitted", "Trường không được chấp nhận"),
        ({"day": "2024-02-30"}, "Input should be a valid date", "Phải là ngày hợp lệ"),
    ],
)
def test_a_pydantic_error_is_translated_by_its_type(
    body: dict[str, Any], english: str, vietnamese: str
) -> None:
    (err,) = _errors(body)
    message = pydantic_message(err)
    assert str(message).startswith(english)  # English readers see pydantic's own words
    assert translate(message, "en") == str(message)
    assert translate(message, "vi").startswith(vietnamese)


def test_a_length_limit_is_said_with_its_number() -> None:
    err = {"type": "string_too_long", "msg": "String should have at most 200 characters"}
    message = pydantic_message({**err, "ctx": {"max_length": 200}})
    assert translate(message, "vi") == "Không quá 200 ký tự"
    assert translate(pydantic_message({"type": "missing", "msg": "Field required"}), "vi") == (
        "Trường bắt buộc"
    )


def test_a_domain_message_keeps_its_english_and_formats_its_parameters_in_vietnamese() -> None:
    message = Msg("the unit does not exist on {day}", day=date(2025, 7, 1))
    assert message == "the unit does not exist on 2025-07-01"  # str(e), logs, English readers
    assert translate(message, "vi") == "Đơn vị không tồn tại vào ngày 01/07/2025"
    assert translate("not a message of the catalogue", "vi") == "not a message of the catalogue"


@pytest.mark.parametrize(
    ("header", "default", "chosen"),
    [
        (None, "vi", "vi"),
        (None, "en", "en"),
        ("en", "vi", "en"),
        ("vi-VN", "en", "vi"),
        ("en-US,en;q=0.9,vi;q=0.8", "vi", "en"),
        ("vi;q=0.5, en;q=0.7", "vi", "en"),
        ("en;q=0.2, vi", "en", "vi"),
        ("fr-FR, de", "vi", "vi"),  # nothing we speak: the default, as RFC 9110 allows
        ("fr, *;q=0.5", "en", "en"),
        ("*, vi;q=0", "vi", "en"),  # anything but Vietnamese
        ("en;q=0", "en", "vi"),
        ("vi;q=abc, en", "vi", "en"),
    ],
)
def test_accept_language_decides_with_its_q_values(
    header: str | None, default: str, chosen: str
) -> None:
    assert negotiate(header, default) == chosen
