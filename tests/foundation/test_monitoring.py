"""The monitoring of the container deployment, checked without containers: Prometheus's
configuration and alert rules with promtool (Debian's, infra/promtool.py), the rules' unit tests
(`promtool test rules`), the Grafana provisioning and dashboard, their wiring in
docker-compose.yml, and docs/operations.md naming every metric they use. That the services
expose those metrics is checked on the live platform (tests/e2e/test_monitoring.py)."""

from __future__ import annotations

import json
import re

import yaml

from infra import promtool
from infra.profile import ROOT, SERVICES

PROMETHEUS = ROOT / "infra" / "prometheus"
GRAFANA = ROOT / "infra" / "grafana"
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
METRIC = re.compile(r"\bthidua_[a-z_]+\b")


def rule_expressions() -> dict[str, str]:
    """Every alert's expression, by alert name."""
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    return {r["alert"]: r["expr"] for group in rules["groups"] for r in group["rules"]}


def dashboard_expressions() -> list[str]:
    dashboard = json.loads((GRAFANA / "dashboards" / "thidua.json").read_text())
    return [t["expr"] for p in dashboard["panels"] for t in p.get("targets", [])]


def metric_names(expressions) -> set[str]:
    return {name for e in expressions for name in METRIC.findall(e)}


def _promtool(*args: str) -> str:
    done = promtool.run(*args, cwd=PROMETHEUS)
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_prometheus_configuration_and_rules_pass_promtool():
    out = _promtool("check", "config", "prometheus.yml")
    assert "1 rule files found" in out
    out = _promtool("check", "rules", "alerts.yml")
    assert f"{len(rule_expressions())} rules found" in out


def test_the_alerts_fire_as_their_unit_tests_say():
    """infra/prometheus/alerts.test.yml: series in, alerts (labels and texts) out."""
    assert "SUCCESS" in _promtool("test", "rules", "alerts.test.yml")


def test_every_alert_has_a_unit_test_a_severity_and_a_summary():
    tests = yaml.safe_load((PROMETHEUS / "alerts.test.yml").read_text())
    tested = {case["alertname"] for t in tests["tests"] for case in t["alert_rule_test"]}
    rules = yaml.safe_load((PROMETHEUS / "alerts.yml").read_text())
    alerts = [r for group in rules["groups"] for r in group["rules"]]
    untested = {r["alert"] for r in alerts} - tested
    assert not untested, f"alerts without a unit test: {sorted(untested)}"
    for rule in alerts:
        assert rule["labels"]["severity"] in ("page", "ticket"), rule["alert"]
        assert rule["annotations"]["summary"], rule["alert"]


def test_prometheus_scrapes_every_replica_of_each_service_on_its_container_port():
    """Each name Docker's DNS answers with every replica's address (`docker compose --scale`)."""
    config = yaml.safe_load((PROMETHEUS / "prometheus.yml").read_text())
    (job,) = config["scrape_configs"]
    (sd,) = job["dns_sd_configs"]
    assert set(sd["names"]) == set(SERVICES) and (sd["type"], sd["port"]) == ("A", 8000)
    assert "static_configs" not in job
    assert job["metrics_path"] == "/metrics"
    assert "THIDUA_HTTP_PORT=8000" in (ROOT / "Dockerfile").read_text()


def test_compose_runs_prometheus_and_grafana_on_these_files():
    prometheus = COMPOSE["prometheus"]
    assert "./infra/prometheus:/etc/prometheus:ro" in prometheus["volumes"]
    assert "--config.file=/etc/prometheus/prometheus.yml" in prometheus["command"]
    assert set(SERVICES) <= set(prometheus["depends_on"])
    grafana = COMPOSE["grafana"]
    mounts = dict(v.split(":")[:2] for v in grafana["volumes"])
    assert mounts["./infra/grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load((GRAFANA / "provisioning" / "dashboards" / "thidua.yml").read_text())
    assert mounts["./infra/grafana/dashboards"] == provider["providers"][0]["options"]["path"]
    source = yaml.safe_load(
        (GRAFANA / "provisioning" / "datasources" / "prometheus.yml").read_text()
    )
    (datasource,) = source["datasources"]
    assert datasource["url"] == "http://prometheus:9090"
    assert "9090:9090" in prometheus["ports"]
    assert grafana["environment"]["GF_SECURITY_ADMIN_PASSWORD"].startswith(
        "${GRAFANA_ADMIN_PASSWORD:?"
    )

    dashboard = json.loads((GRAFANA / "dashboards" / "thidua.json").read_text())
    ids = [p["id"] for p in dashboard["panels"]]
    assert len(ids) == len(set(ids))
    for panel in dashboard["panels"]:
        if panel["type"] != "row":
            assert panel["datasource"]["uid"] == datasource["uid"], panel["title"]
            assert panel["targets"] and all(t["expr"] for t in panel["targets"]), panel["title"]


def test_docs_describe_every_metric_the_alerts_and_the_dashboard_use():
    documented = (ROOT / "docs" / "operations.md").read_text()
    used = metric_names([*rule_expressions().values(), *dashboard_expressions()])
    assert len(used) > 10
    # a histogram's or counter's series is documented under its family's name
    missing = [
        n for n in sorted(used) if re.sub(r"_(total|bucket|sum|count)$", "", n) not in documented
    ]
    assert not missing, missing
    for alert in rule_expressions():
        assert alert in documented, alert
