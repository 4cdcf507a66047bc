"""One database and one role per service, isolated from each other, durable across a restart.

Runs on a cluster of its own (made by the same infra.postgres code as the stack's), so restarting
it does not disturb the shared test server.
"""

from __future__ import annotations

import itertools
import socket

import asyncpg
import pytest

from infra import postgres
from infra.profile import SERVICES, Profile


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def own_cluster(tmp_path_factory):
    p = Profile(
        name="test",
        state=tmp_path_factory.mktemp("pg-state"),
        kafka_port=0,
        controller_port=0,
        postgres_port=_free_port(),
        http_ports={},
    )
    postgres.start(p)
    yield p
    postgres.remove(p)


async def test_each_service_has_its_own_isolated_durable_database(own_cluster):
    p = own_cluster
    for service in SERVICES:
        con = await asyncpg.connect(postgres.dsn(p, service))
        try:
            assert await con.fetchval("SELECT current_database()") == service
            await con.execute("CREATE TABLE kept (what text)")
            await con.execute("INSERT INTO kept VALUES ($1)", f"{service} data")
        finally:
            await con.close()

    for own, other in itertools.permutations(SERVICES, 2):
        foreign = postgres.dsn(p, own).rsplit("/", 1)[0] + f"/{other}"
        with pytest.raises(asyncpg.InsufficientPrivilegeError, match="permission denied"):
            await asyncpg.connect(foreign)

    postgres.stop(p)
    assert not postgres.running(p)
    postgres.start(p)

    for service in SERVICES:
        con = await asyncpg.connect(postgres.dsn(p, service))
        try:
            assert await con.fetchval("SELECT what FROM kept") == f"{service} data"
        finally:
            await con.close()


async def test_wrong_password_is_refused(own_cluster):
    dsn = postgres.dsn(own_cluster, "registry")
    user_part, rest = dsn.split("@", 1)
    wrong = user_part.rsplit(":", 1)[0] + ":not-the-password@" + rest
    with pytest.raises(asyncpg.InvalidPasswordError):
        await asyncpg.connect(wrong)
