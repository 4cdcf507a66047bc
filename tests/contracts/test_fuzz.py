"""Schemathesis over every operation of the four services, on a bounded budget: each app built
as its own tests build it (a fresh database, the real broker, development tokens), its relay
and timed work off (progress and awards consume nothing; notify reads the stack's topics under
a group of its own), called in-process through schemathesis's ASGI transport with a token
holding the administrator's, operator's and integration client's roles. Every generated request
must get an answer below 500 (an exception the app raises counts as one), and an answer whose
status the OpenAPI document describes must conform to its schema. Failures are collected over
all operations and reported together.

`THIDUA_FUZZ_EXAMPLES` sets the examples per operation (default 10: the whole run stays within
a few minutes on a small CI machine; raise it to hunt)."""

from __future__ import annotations

import os
import uuid
from collections import Counter, defaultdict
from datetime import UTC, date, datetime
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.python import asgi
from schemathesis.specs.openapi.checks import response_schema_conformance

from infra import tokens
from servicekit.settings import ServiceSettings

pytestmark = pytest.mark.timeout(300)

EXAMPLES = int(os.environ.get("THIDUA_FUZZ_EXAMPLES", "10"))
CHECKS = [not_a_server_error, response_schema_conformance]


def build(service: str, dsn: str, kafka: str, state) -> Any:
    common = {
        "database_url": dsn,
        "kafka_bootstrap": kafka,
        "jwks_file": tokens.jwks_file(state),
        "relay_enabled": False,
        "background_enabled": False,
    }
    if service == "registry":
        from services.registry.app import create
        from services.registry.config import RegistryConfig

        return create(
            ServiceSettings(service="registry", **common), RegistryConfig(citizen_id_key="k")
        )
    if service == "progress":
        from services.progress.app import create
        from services.progress.config import FixedClock, ProgressConfig

        config = ProgressConfig(consume=False, scheduler=False)
        return create(
            ServiceSettings(service="progress", **common),
            config,
            FixedClock(datetime(2020, 6, 15, 3, tzinfo=UTC)),
        )
    if service == "awards":
        from services.awards.app import create
        from services.awards.config import AwardsConfig
        from services.awards.runtime import FixedClock

        return create(
            ServiceSettings(service="awards", **common),
            AwardsConfig(consume=False),
            clock=FixedClock(date(2020, 12, 10)),
        )
    from services.notify.app import create
    from services.notify.config import NotifySettings

    return create(
        NotifySettings(
            service=f"notify-fuzz-{uuid.uuid4().hex[:8]}",
            secrets_key="c2VjcmV0cy1rZXktZm9yLW5vdGlmeS10ZXN0cy0zMmI=",
            **common,
        )
    )


def fuzz(
    operation: Any, client: Any, headers: dict[str, str], failures: dict, statuses: Counter
) -> None:
    """EXAMPLES generated cases of one operation, each failure collected (none stops the run)."""
    label = f"{operation.method.upper()} {operation.path}"

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def call(case: Any) -> None:
        try:
            response = case.call(session=client, headers=headers)
        except Exception as e:  # the app raised: a server answers that with 500
            failures[label].add(f"500 (raised): {type(e).__name__}: {_first_line(e)}")
            return
        statuses[response.status_code] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=headers)
        except Exception as e:
            failures[label].add(f"{response.status_code}: {_first_line(e)}")

    call()


def _first_line(e: Exception) -> str:
    lines = str(e).strip().splitlines()
    return lines[0][:160] if lines else type(e).__name__


@pytest.mark.parametrize("service", ["registry", "progress", "awards", "notify"])
def test_every_operation_answers_below_500_as_documented(
    service: str, fresh_database: str, kafka_bootstrap: str, tmp_path
) -> None:
    tokens.ensure_keys(tmp_path)
    app = build(service, fresh_database, kafka_bootstrap, tmp_path)
    roles = ["province_admin", "operator", "integration_client"]
    token = tokens.mint(tmp_path, sub="fuzz", roles=roles, client_id="fuzz")
    headers = {"Authorization": f"Bearer {token}"}
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    failures: dict[str, set[str]] = defaultdict(set)
    operations = 0
    statuses: Counter = Counter()
    try:
        with asgi.get_client(app) as client:
            for result in schema.get_all_operations():
                operations += 1
                fuzz(result.ok(), client, headers, failures, statuses)
    finally:
        asgi.shutdown_lifespans()
    print(f"{service}: {operations} operations, answers by status {dict(sorted(statuses.items()))}")
    assert operations > 5 and statuses.total() >= operations  # every operation was called
    report = "\n".join(
        f"{op}\n    " + "\n    ".join(sorted(f)) for op, f in sorted(failures.items())
    )
    assert not failures, f"{len(failures)} of {operations} operations failed:\n{report}"
