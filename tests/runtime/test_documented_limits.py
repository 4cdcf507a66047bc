"""Every limit the four services' OpenAPI documents state on a request body (maxLength, maxItems,
minimum… of a property, its nullable form or its items) is the request model's: a value at the
limit raises no error of that kind, one past it does. The limits the domain checks instead of the
model are listed in DOMAIN_CHECKED and probed over HTTP (tests/progress/test_documented_limits.py).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

import pytest
from fastapi.routing import APIRoute
from pydantic import BaseModel, TypeAdapter, ValidationError

from tests.runtime.test_http_contract import SERVICES, service_app

# (model, property): checked by the domain, documented with the domain's constants
DOMAIN_CHECKED = {("ReportIn", "note"), ("ReportIn", "evidence")}

# keyword → (pydantic error type, value past the limit from the limit)
KEYWORDS: dict[str, tuple[str, Any]] = {
    "maxLength": ("string_too_long", lambda n: n + 1),
    "minLength": ("string_too_short", lambda n: n - 1),
    "maxItems": ("too_long", lambda n: n + 1),
    "minItems": ("too_short", lambda n: n - 1),
    "maximum": ("less_than_equal", lambda n: n + 1),
    "minimum": ("greater_than_equal", lambda n: n - 1),
    "exclusiveMinimum": ("greater_than", lambda n: n),
    "exclusiveMaximum": ("less_than", lambda n: n),
}


def _routes(routes):
    for route in routes:
        if hasattr(route, "original_router"):  # an included router
            yield from _routes(route.original_router.routes)
        elif isinstance(route, APIRoute):
            yield route


def _body_models(app) -> dict[str, type[BaseModel]]:
    models = {}
    for route in _routes(app.routes):
        body = route.body_field
        annotation = getattr(getattr(body, "field_info", None), "annotation", None)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            models[annotation.__name__] = annotation
    return models


def _limits(schema: dict) -> list[tuple[str, str, float]]:
    """(where, keyword, limit): where is "" for the value itself or "[]" for its items."""
    found = []
    for branch in [schema, *schema.get("anyOf", [])]:
        for where, node in (("", branch), ("[]", branch.get("items") or {})):
            found += [(where, k, node[k]) for k in KEYWORDS if k in node]
    return found


def _cases():
    cases = []
    for service in SERVICES:
        app = service_app(service)
        components = app.openapi()["components"]["schemas"]
        for name, model in sorted(_body_models(app).items()):
            schema = components.get(name)
            if schema is None:
                continue
            for prop, prop_schema in schema.get("properties", {}).items():
                for where, keyword, limit in _limits(prop_schema):
                    cases.append((service, model, prop, prop_schema, where, keyword, limit))
    return cases


CASES = _cases()


def _branches(prop_schema: dict) -> list[dict]:
    return [prop_schema, *prop_schema.get("anyOf", [])]


def _items(prop_schema: dict) -> dict:
    return next((b["items"] for b in _branches(prop_schema) if b.get("items")), {})


def _email(size: int) -> str:
    """`a@xxx…xx.vn`, `size` characters long, in labels of at most 60."""
    labels, left = [], size - 5
    while left > 0:
        labels.append("x" * min(60, left))
        left -= len(labels[-1]) + 1
    return "a@" + ".".join([*labels, "vn"])[-(size - 2) :]


SHAPED = {("ContactIn", "email"): _email}  # values that must look like something


def _value(prop_schema: dict, where: str, keyword: str, size: float, shape=None) -> Any:
    """A value of the documented size, valid in every other respect where it can be built."""
    if shape is not None:
        return shape(int(size))
    if keyword in ("maxItems", "minItems"):
        items = _items(prop_schema)
        if items.get("format") == "uuid":
            return [str(UUID(int=i + 1)) for i in range(int(size))]
        if items.get("type") == "string":
            return [f"x{i}" for i in range(int(size))]
        return [{}] * int(size)  # objects: their own errors do not hide a too_long
    if keyword in ("maxLength", "minLength"):
        value: Any = "x" * int(size)
    else:
        node = _items(prop_schema) if where == "[]" else prop_schema
        integer = any(b.get("type") == "integer" for b in _branches(node))
        value = int(size) if integer else float(size)
    return [value] if where == "[]" else value


def _errors(adapter: TypeAdapter, value: Any) -> set[str]:
    try:
        adapter.validate_python(value)
    except ValidationError as e:
        return {x["type"] for x in e.errors()}
    return set()


def test_every_service_documents_limits():
    assert {c[0] for c in CASES} == set(SERVICES)


@pytest.mark.parametrize(
    ("service", "model", "prop", "prop_schema", "where", "keyword", "limit"),
    CASES,
    ids=[f"{c[0]}-{c[1].__name__}.{c[2]}{c[4]}.{c[5]}" for c in CASES],
)
def test_a_documented_limit_is_the_model_s(
    service, model, prop, prop_schema, where, keyword, limit
):
    field = model.model_fields[prop]
    annotation = field.annotation
    adapter = TypeAdapter(
        Annotated[(annotation, *field.metadata)] if field.metadata else annotation
    )
    error, past_of = KEYWORDS[keyword]
    shape = SHAPED.get((model.__name__, prop))
    at_limit = _errors(adapter, _value(prop_schema, where, keyword, limit, shape))
    past = _errors(adapter, _value(prop_schema, where, keyword, past_of(limit), shape))
    name = f"{model.__name__}.{prop}{where}"
    if keyword in ("maxItems", "minItems"):  # the items may be placeholders: look at the kind
        enforced, refused_at_limit = error in past, error in at_limit
        if keyword == "minItems" and _value(prop_schema, where, keyword, 1) == [{}]:
            refused_at_limit = False  # placeholder items are dropped before the count
    else:
        enforced, refused_at_limit = bool(past), bool(at_limit)
    if (model.__name__, prop) in DOMAIN_CHECKED:
        assert not enforced, "checked by the model after all: drop it from DOMAIN_CHECKED"
        return
    assert enforced, f"{name}: documented {keyword} {limit} not enforced"
    assert not refused_at_limit, f"{name} refused at its documented {keyword} {limit}: {at_limit}"
