"""The load balancer in front of replicas (infra/balancer.py): its configuration is one HAProxy
accepts, and with the most replicas every profile's ports stay apart, the replicas' included."""

from __future__ import annotations

import subprocess

import pytest

from infra import balancer
from infra.profile import MAX_REPLICAS, PROFILES, SERVICES, load
from tests.foundation.test_profiles import environment, ports


def all_ports(p) -> list[int]:
    replicas = [p.replica_port(s, k) for s in SERVICES for k in range(1, MAX_REPLICAS + 1)]
    return [*ports(p), *replicas, p.balancer_stats_port]


@pytest.mark.parametrize("overridden", [False, True])
def test_replica_ports_collide_with_no_port_of_any_profile(monkeypatch, overridden):
    environment(monkeypatch, overridden=overridden)
    # the overrides move the dev or the test profile, whichever a checkout loads: not both at once
    names = [name for name in PROFILES if not (overridden and name == "dev")]
    profiles = [load(name) for name in names]
    every = [port for p in profiles for port in all_ports(p)]
    assert len(every) == len(set(every)), sorted(p for p in every if every.count(p) > 1)
    with pytest.raises(ValueError):
        profiles[0].replica_port("registry", MAX_REPLICAS + 1)


def test_haproxy_accepts_the_configuration_and_checks_every_replica_on_ready(tmp_path):
    p = load("drill")
    text = balancer.config(p, 3)
    path = tmp_path / "haproxy.cfg"
    path.write_text(text)
    checked = subprocess.run(
        [balancer.ensure_binary(), "-c", "-f", str(path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "option httpchk GET /ready" in text
    for service in SERVICES:
        assert f"bind 127.0.0.1:{p.http_ports[service]}" in text
        for k in (1, 2, 3):
            assert f"server {service}-{k} 127.0.0.1:{p.replica_port(service, k)} check" in text
