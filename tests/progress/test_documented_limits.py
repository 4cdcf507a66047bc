"""The limits POST /reports documents are the server's: for every one its OpenAPI schema states, a
report at the limit is accepted and one past it is refused naming that field. (The domain checks
these fields, not the request model: a document written from the model alone said `maxItems:
1000` for `evidence` while the server refused 51.)"""

from __future__ import annotations

import pytest

from servicekit.settings import ServiceSettings
from services.progress.app import create
from tests.progress.seed import ID

pytestmark = pytest.mark.infra

_LIMITS = ("maxLength", "maxItems", "minLength", "minItems", "maximum", "minimum")


def documented_limits() -> list[tuple[str, str, int]]:
    """(property, limit keyword, value) of ReportIn's top-level properties and their items."""
    settings = ServiceSettings(service="progress", database_url="postgresql://nobody@127.0.0.1/x")
    schema = create(settings).openapi()["components"]["schemas"]["ReportIn"]
    found = []
    for name, prop in schema["properties"].items():
        for keyword in _LIMITS:
            if keyword in prop:
                found.append((name, keyword, prop[keyword]))
            if keyword in prop.get("items", {}):
                found.append((f"{name}[]", keyword, prop["items"][keyword]))
    return found


LIMITS = documented_limits()


def value_of(prop: str, keyword: str, size: int):
    """A value of `prop` of the given size, valid in every other respect."""
    if (prop, keyword) == ("note", "maxLength"):
        return "x" * size
    if (prop, keyword) == ("evidence", "maxItems"):
        return [f"vb:{i}/STC" for i in range(size)]
    if (prop, keyword) == ("evidence[]", "maxLength"):
        return ["v" * size]
    raise AssertionError(f"no probe for {keyword} of {prop}: add one")


def test_the_limits_the_domain_enforces_are_documented():
    assert {(p, k) for p, k, _ in LIMITS} >= {
        ("note", "maxLength"),
        ("evidence", "maxItems"),
        ("evidence[]", "maxLength"),
    }


@pytest.mark.parametrize(
    ("prop", "keyword", "limit"), LIMITS, ids=[f"{p}.{k}" for p, k, _ in LIMITS]
)
async def test_a_documented_limit_is_the_server_s(seeded, prop, keyword, limit):
    past = limit + 1 if keyword.startswith("max") else limit - 1
    field = prop.removesuffix("[]")
    pointer = f"#/{field}/0" if prop.endswith("[]") else f"#/{field}"
    body = {"target_id": str(ID.t_thu), "value": 3000, "as_of": "2020-06-10"}
    officer = seeded.officer(ID.stc)

    refused = await seeded.post("/reports", body | {field: value_of(prop, keyword, past)},
                                headers=officer)  # fmt: skip
    assert refused.status_code == 422, refused.text
    assert pointer in [e["pointer"] for e in refused.json()["errors"]]

    at_limit = await seeded.post("/reports", body | {field: value_of(prop, keyword, limit)},
                                 headers=officer)  # fmt: skip
    assert at_limit.status_code == 201, (
        f"{prop} at its documented {keyword} {limit}: {at_limit.text}"
    )
