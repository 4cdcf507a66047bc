"""docker-compose.yml cannot run here (no container engine), so check that it is complete and
consistent with the code: every reference resolves, every service is wired to what it needs; that
it is valid against the Compose Specification's schema (from the compose-go module, as
infra/k8s_validate.py reads the operators' CRDs); and that each service can be scaled behind the
load balancer, whose configuration HAProxy accepts."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import jsonschema
import pytest
import yaml

from infra import balancer
from infra.profile import MAX_REPLICAS, ROOT, SERVICES, WEB
from schemas.catalog import TOPICS
from servicekit.settings import ServiceSettings

COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DEFINED = COMPOSE["services"]


def _env(name: str) -> dict[str, str]:
    return {k: str(v) for k, v in DEFINED[name].get("environment", {}).items()}


def test_every_dependency_exists_and_is_awaitable():
    for name, svc in DEFINED.items():
        assert "image" in svc or "build" in svc, f"{name} has neither image nor build"
        for dep, cond in svc.get("depends_on", {}).items():
            assert dep in DEFINED, f"{name} depends on unknown service {dep}"
            if cond["condition"] == "service_healthy":
                assert "healthcheck" in DEFINED[dep], f"{name} waits for {dep}'s health: none"
            if cond["condition"] == "service_completed_successfully":
                assert "restart" not in DEFINED[dep], f"{dep} is one-shot, it must not restart"


def test_build_context_files_and_mounts_exist():
    for name, svc in DEFINED.items():
        if "build" in svc:
            assert (ROOT / svc["build"] / "Dockerfile").is_file(), name
        for volume in svc.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), f"{name} mounts missing {source}"
            else:
                assert source in COMPOSE.get("volumes", {}), f"{name}: undeclared volume {source}"


def test_host_ports_are_unique():
    published = [p.split(":")[0] for s in DEFINED.values() for p in s.get("ports", [])]
    assert len(published) == len(set(published))


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_is_wired_to_its_database_broker_and_trace_backend(service):
    svc = DEFINED[service]
    env = _env(service)
    assert svc["command"] == ["python", "-m", f"services.{service}"]
    assert (ROOT / "services" / service / "__main__.py").is_file()
    for dep in ("postgres", "kafka", "topics"):
        assert dep in svc["depends_on"]
    assert "healthcheck" in svc and "/ready" in " ".join(svc["healthcheck"]["test"])

    db = re.fullmatch(
        r"postgresql://(\w+):\$\{(\w+)\}@postgres:5432/(\w+)", env["THIDUA_DATABASE_URL"]
    )
    assert db, env["THIDUA_DATABASE_URL"]
    user, password_var, database = db.groups()
    assert user == database == service, "each service uses its own role and database"
    assert password_var in _env("postgres"), "the init script gets the same password"
    init = (ROOT / "infra/compose/init-databases.sh").read_text()
    assert service in init.split("for service in", 1)[1].split(";", 1)[0]

    assert env["THIDUA_KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert env["OTEL_EXPORTER_OTLP_ENDPOINT"].startswith("http://jaeger:")
    for auth in ("THIDUA_JWKS_URL", "THIDUA_JWT_ISSUER", "THIDUA_JWT_AUDIENCE"):
        assert auth in env, f"{service} cannot verify tokens without {auth}"

    # the variables are the ones the code reads
    settings = ServiceSettings(
        **{k.removeprefix("THIDUA_").lower(): v for k, v in env.items() if k.startswith("THIDUA_")}
    )
    assert settings.service == service


def test_kafka_is_kraft_single_node_without_auto_creation():
    env = _env("kafka")
    assert env["KAFKA_PROCESS_ROLES"] == "broker,controller"
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    assert env["KAFKA_ADVERTISED_LISTENERS"] == "PLAINTEXT://kafka:9092"
    assert env["KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR"] == "1"


def test_topics_job_creates_the_catalog():
    assert DEFINED["topics"]["command"] == ["python", "-m", "infra.topics"]
    assert TOPICS, "the catalog is not empty"


def test_jaeger_accepts_otlp():
    assert _env("jaeger")["COLLECTOR_OTLP_ENABLED"] == "true"


def test_dockerfile_installs_the_lock_and_copies_the_code():
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert "requirements.lock" in dockerfile
    for package in ("schemas", "servicekit", "services", "infra"):
        assert f"COPY {package} " in dockerfile
        assert Path(ROOT / package).is_dir()


def test_notify_keeps_webhook_secrets_under_a_key_of_its_own():
    """Without THIDUA_SECRETS_KEY notify falls back to a built-in development key."""
    assert _env("notify")["THIDUA_SECRETS_KEY"].startswith("${NOTIFY_SECRETS_KEY:?")


def test_the_web_application_calls_the_four_services_and_reads_the_broker():
    """services/web owns no database: it is wired to the services' APIs, Kafka (its live
    pages) and the identity provider, with a session key of its own."""
    from services.web.config import WebSettings

    svc = DEFINED["web"]
    env = _env("web")
    assert svc["command"] == ["python", "-m", "services.web"]
    assert "postgres" not in svc["depends_on"] and "THIDUA_DATABASE_URL" not in env
    for service in SERVICES:
        assert svc["depends_on"][service] == {"condition": "service_healthy"}
        # through the balancer, as any client: whichever replicas run and are ready
        port = balancer.COMPOSE_PORTS[service]
        assert env[f"THIDUA_WEB_{service.upper()}_URL"] == f"http://balancer:{port}"
    assert "/ready" in " ".join(svc["healthcheck"]["test"])
    assert env["THIDUA_WEB_SESSION_KEY"].startswith("${WEB_SESSION_KEY:?")
    settings = WebSettings(
        **{k.removeprefix("THIDUA_").lower(): v for k, v in env.items() if k.startswith("THIDUA_")}
    )
    assert settings.service == "web" and settings.web_secure_cookies
    assert settings.web_oidc_issuer and settings.web_dev_state is None
    # the operators' console: no traces sink in a deployment, Jaeger's UI instead
    assert env["THIDUA_WEB_JAEGER_URL"].startswith("${WEB_JAEGER_URL:-")
    assert settings.web_traces_file is None


# The Compose Specification's schema as compose-go (what `docker compose` is built on) ships it.
COMPOSE_GO = "github.com/compose-spec/compose-go/v2@v2.17.0"


@pytest.mark.skipif(not shutil.which("go"), reason="the schema comes from a Go module")
def test_the_file_is_valid_against_the_compose_specification():
    from infra.k8s_validate import module_zip

    archive = module_zip(COMPOSE_GO)
    schema = json.loads(archive.read(f"{COMPOSE_GO}/schema/compose-spec.json"))
    validator = jsonschema.validators.validator_for(schema)(schema)  # draft 2020-12
    errors = [f"{e.json_path}: {e.message}" for e in validator.iter_errors(COMPOSE)]
    assert errors == []
    # and it does find what is wrong (a service's unknown key, a misspelt nested one)
    wrong = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    wrong["services"]["progress"]["replica"] = 3
    wrong["services"]["web"]["healthcheck"]["interva"] = "5s"
    found = {e.json_path for e in validator.iter_errors(wrong)}
    assert {"$.services.progress", "$.services.web.healthcheck"} <= found, found
    assert all(path.startswith(("$.services.progress", "$.services.web")) for path in found)


@pytest.mark.parametrize("service", [*SERVICES, WEB])
def test_each_service_scales_behind_the_balancer(service):
    """`docker compose up --scale SERVICE=N` needs a service with no host port of its own (N
    replicas cannot all publish one) and no container name; the balancer publishes its usual
    port and reaches every replica on the container port."""
    svc = DEFINED[service]
    assert "ports" not in svc and "container_name" not in svc, service
    assert "deploy" not in svc or "replicas" not in svc["deploy"], "the count is --scale's"
    port = balancer.COMPOSE_PORTS[service]
    assert f"{port}:{port}" in DEFINED["balancer"]["ports"]
    config = balancer.COMPOSE_CONFIG.read_text()
    server = (
        f"server-template {service}- {MAX_REPLICAS} {service}:{balancer.COMPOSE_CONTAINER_PORT} "
        "check resolvers docker"
    )
    assert f"frontend {service}\n    bind :{port}\n" in config and server in config


def test_the_balancer_runs_the_generated_configuration_which_haproxy_accepts():
    """infra/compose/haproxy.cfg is what infra/balancer.py generates (python -m infra.balancer),
    it checks /ready like the local balancer, and HAProxy (the package the setup installs, the
    image's major version) accepts it."""
    path = balancer.COMPOSE_CONFIG
    assert path.read_text() == balancer.compose_config(), "run python -m infra.balancer"
    svc = DEFINED["balancer"]
    assert f"./{path.relative_to(ROOT)}:/usr/local/etc/haproxy/haproxy.cfg:ro" in svc["volumes"]
    checked = subprocess.run(
        [balancer.ensure_binary(), "-c", "-f", str(path)], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "WARNING" not in checked.stdout + checked.stderr, checked.stdout + checked.stderr
    version = subprocess.run([balancer.ensure_binary(), "-v"], capture_output=True, text=True)
    major_minor = re.search(r"version (\d+\.\d+)", version.stdout)
    assert major_minor and svc["image"] == f"haproxy:{major_minor.group(1)}"
    assert "option httpchk GET /ready" in path.read_text()
