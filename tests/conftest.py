"""Shared fixtures: the real Kafka broker and PostgreSQL server of the `test` profile.

The session starts them through the project's own scripts (infra.stack) unless they are already
running, and leaves them running for the next run (`./thidua test` stops them on CI).
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable

import asyncpg
import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from opentelemetry import trace
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.sdk.trace.sampling import ALWAYS_ON, ParentBased

from infra import stack
from infra.profile import Profile, load

# Services run in this process record every span (tests read them), whichever builds the first
# provider; the e2e stack's processes run the default sampler (servicekit.telemetry.sampler).
if not isinstance(trace.get_tracer_provider(), TracerProvider):
    trace.set_tracer_provider(TracerProvider(sampler=ParentBased(ALWAYS_ON)))

# The fixtures through which a test reaches the real broker and database: a test that uses one,
# however indirectly, is marked `infra`, so `./thidua test --fast` (-m "not infra") leaves it out
# whether or not its module carries the mark.
STACK_FIXTURES = frozenset({"profile", "platform"})


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if STACK_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.infra)


def pytest_collection_finish(session: pytest.Session) -> None:
    """The chart test's tools take minutes to build from a cold Go cache: when it is among the
    tests to run, start building them now at the lowest priority, so the build overlaps with the
    tests before it (it waits for what is left: infra/k8s_validate.py)."""
    import shutil

    from infra import k8s_validate

    chart = any(item.path.name == "test_k8s_chart.py" for item in session.items)
    if chart and shutil.which("go"):
        k8s_validate.start_builds(niceness=19)


@pytest.fixture(scope="session")
def profile() -> Profile:
    p = load(os.environ.get("THIDUA_PROFILE", "test"))
    stack.start_infra(p)
    return p


@pytest.fixture(scope="session")
def kafka_bootstrap(profile: Profile) -> str:
    return profile.kafka_bootstrap


@pytest.fixture(scope="session")
def admin_dsn(profile: Profile) -> str:
    """The superuser, over the server's private Unix socket (no password needed there)."""
    socket_dir = profile.postgres_dir / "socket"
    return f"postgresql://postgres@/postgres?host={socket_dir}&port={profile.postgres_port}"


@pytest.fixture
async def new_database(admin_dsn: str) -> AsyncIterator[Callable[[], Awaitable[str]]]:
    """Makes empty databases for one test (`dsn = await new_database()`); dropped afterwards."""
    admin = await asyncpg.connect(admin_dsn)
    made: list[str] = []

    async def make() -> str:
        name = f"t_{uuid.uuid4().hex[:12]}"
        await admin.execute(f"CREATE DATABASE {name}")
        made.append(name)
        return admin_dsn.replace("/postgres?", f"/{name}?")

    try:
        yield make
    finally:
        for name in made:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        await admin.close()


@pytest.fixture
async def fresh_database(new_database) -> str:
    """An empty database of its own for one test; dropped afterwards."""
    return await new_database()


@pytest.fixture(scope="session")
def spans() -> InMemorySpanExporter:
    """Finished spans of this process (an SDK provider is installed unless one already is; the
    provider is global, so filter by trace id)."""
    provider = trace.get_tracer_provider()
    if not isinstance(provider, TracerProvider):
        provider = TracerProvider()
        trace.set_tracer_provider(provider)
    exporter = InMemorySpanExporter()
    provider.add_span_processor(SimpleSpanProcessor(exporter))
    return exporter


@pytest.fixture
async def fresh_topic(kafka_bootstrap: str) -> AsyncIterator[callable]:
    """Creates uniquely named topics (and their .dlq siblings) for one test."""
    admin = AIOKafkaAdminClient(bootstrap_servers=kafka_bootstrap)
    await admin.start()
    created: list[str] = []

    async def make(partitions: int = 1, prefix: str = "test") -> str:
        name = f"{prefix}.{uuid.uuid4().hex[:10]}.v1"
        await admin.create_topics([NewTopic(name, partitions, 1), NewTopic(f"{name}.dlq", 1, 1)])
        created.extend([name, f"{name}.dlq"])
        return name

    try:
        yield make
    finally:
        if created:
            await admin.delete_topics(created)
        await admin.close()
