"""Profiles side by side: the e2e stack a test session starts must not collide with the test
stack that session uses, whatever ports the environment gives the test profile (CI sets them)."""

from __future__ import annotations

import pytest

from infra import stack
from infra.profile import E2E_OFFSET, load

OVERRIDES = {
    "THIDUA_KAFKA_PORT": "39092",
    "THIDUA_KAFKA_CONTROLLER_PORT": "39093",
    "THIDUA_POSTGRES_PORT": "35432",
    "THIDUA_HTTP_PORT": "38101",
}


def environment(monkeypatch, *, overridden: bool) -> None:
    """No port variable set, or the ports CI could give the test profile."""
    for var in (*OVERRIDES, "THIDUA_STATE"):
        monkeypatch.delenv(var, raising=False)
    if overridden:
        for var, value in OVERRIDES.items():
            monkeypatch.setenv(var, value)


def listed(p) -> list[int]:
    return [
        p.kafka_port,
        p.controller_port,
        p.postgres_port,
        *p.http_ports.values(),
        *p.sink_ports.values(),
    ]


def ports(p) -> set[int]:
    return set(listed(p))


@pytest.mark.parametrize("overridden", [False, True])
def test_e2e_ports_follow_the_test_profile_and_collide_with_no_other(monkeypatch, overridden):
    environment(monkeypatch, overridden=overridden)
    dev, test, e2e = load("dev"), load("test"), load("e2e")
    assert e2e.kafka_port == test.kafka_port + E2E_OFFSET
    assert e2e.postgres_port == test.postgres_port + E2E_OFFSET
    assert e2e.http_ports == {s: port + E2E_OFFSET for s, port in test.http_ports.items()}
    for p in (dev, test, e2e):
        # Kafka (2), PostgreSQL, the four services, the web application, the three sinks
        assert len(listed(p)) == 11
        assert len(ports(p)) == len(listed(p)), f"{p.name} uses one port twice"
    assert not ports(e2e) & ports(test) and not ports(e2e) & ports(dev)
    assert e2e.is_test, "the e2e PostgreSQL is throwaway too"


def test_e2e_state_is_never_the_test_profiles(monkeypatch, tmp_path):
    monkeypatch.delenv("THIDUA_STATE", raising=False)
    assert load("e2e").state.name == "e2e" and load("e2e").state != load("test").state
    monkeypatch.setenv("THIDUA_STATE", str(tmp_path / "ci"))
    assert load("test").state == tmp_path / "ci"
    assert load("e2e").state == tmp_path / "ci-e2e"


def test_an_unknown_profile_is_named_in_the_error():
    with pytest.raises(SystemExit, match="unknown profile 'prod'"):
        load("prod")


def test_only_the_registry_is_given_the_citizen_id_key(monkeypatch, tmp_path):
    monkeypatch.setenv("THIDUA_STATE", str(tmp_path))
    monkeypatch.setattr(stack.postgres, "dsn", lambda p, service: f"postgresql:///{service}")
    p = load("test")
    envs = {s: stack.service_env(p, s) for s in ("registry", "progress", "awards", "notify")}
    assert envs["registry"]["THIDUA_REGISTRY_CITIZEN_ID_KEY"]
    for service in ("progress", "awards", "notify"):
        assert not any("CITIZEN" in name for name in envs[service]), service
