"""The Helm chart (infra/k8s/thidua): its catalog-generated templates are current and say what
the catalog says, and every rendering validates against the Kubernetes and operators' schemas."""

from __future__ import annotations

import shutil

import pytest
import yaml

from infra import k8s_generate, k8s_validate
from schemas.catalog import CLUSTER_REPLICATION, DLQ_CONFIG, TOPICS


def _documents(text: str) -> list[dict]:
    """The generated template's objects, its `{{- ... }}` control lines left out."""
    body = "\n".join(line for line in text.splitlines() if not line.startswith("{{-"))
    return [d for d in yaml.safe_load_all(body) if d]


def test_the_committed_templates_are_those_the_catalog_generates() -> None:
    assert k8s_generate.main(["--check"]) == 0


def test_every_topic_and_dead_letter_topic_has_a_kafkatopic() -> None:
    path = k8s_generate.TEMPLATES / "strimzi-topics.yaml"
    by_name = {d["spec"]["topicName"]: d["spec"] for d in _documents(path.read_text())}
    assert len(by_name) == 2 * len(TOPICS)
    for t in TOPICS:
        pairs = ((t.name, t.partitions, t.config), (t.dlq, t.partitions, DLQ_CONFIG))
        for name, partitions, config in pairs:
            spec = by_name[name]
            assert spec["partitions"] == partitions
            assert spec["replicas"] == CLUSTER_REPLICATION.factor
            assert spec["config"]["min.insync.replicas"] == str(CLUSTER_REPLICATION.min_insync)
            assert spec["config"]["retention.ms"] == config["retention.ms"]


def test_keda_never_scales_past_the_partitions_read() -> None:
    text = (k8s_generate.TEMPLATES / "keda.yaml").read_text()
    for service, names in k8s_generate.consumed().items():
        cap = max(t.partitions for t in TOPICS if t.name in names)
        assert f"min (.Values.services.{service}.keda.maxReplicas | default {cap}) {cap}" in text


@pytest.mark.skipif(not shutil.which("go"), reason="the chart's tools are built with Go")
@pytest.mark.timeout(1800)
def test_the_chart_renders_and_validates(capsys) -> None:
    assert k8s_validate.main() == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    # every object has a schema (none skipped): the Strimzi kinds (Kafka, the node pool, 4 users,
    # 28 topics) are among the valid ones
    assert "defaults: 51 valid, 0 skipped, 0 invalid" in out
    assert "everything: 63 valid, 0 skipped, 0 invalid" in out


@pytest.mark.skipif(not shutil.which("go"), reason="the chart's tools are built with Go")
@pytest.mark.timeout(1800)
def test_the_validation_refuses_a_wrong_object() -> None:
    import json

    manifests = k8s_validate.render(["--set", "services.registry.replicas=two"])
    done = k8s_validate.validate(manifests)
    invalid = [r for r in json.loads(done.stdout)["resources"] if r["status"] == "statusInvalid"]
    assert [(r["kind"], r["name"]) for r in invalid] == [("Deployment", "registry")]
    assert "/spec/replicas" in invalid[0]["msg"]


@pytest.mark.skipif(not shutil.which("go"), reason="the chart's tools are built with Go")
@pytest.mark.timeout(1800)
def test_strimzis_crds_refuse_a_misspelt_field_however_deep() -> None:
    """The Strimzi kinds are validated against the CRDs Strimzi's generator writes from its API
    model: a misspelt field is refused at the top of a spec and deep inside it (a node pool's
    storage volume), and so is a value outside an enum."""
    import json

    manifests = k8s_validate.render([])
    wrong = (
        manifests.replace("  topicName: registry.units.v1\n", "  topicNam: registry.units.v1\n")
        .replace("kraftMetadata: shared", "kraftMetdata: shared")
        .replace("type: scram-sha-512", "type: scram-sha-256", 1)
    )
    assert wrong.count("topicNam:") == 1 and "kraftMetdata" in wrong
    done = k8s_validate.validate(wrong)
    invalid = {
        (r["kind"], r["name"]): r["msg"]
        for r in json.loads(done.stdout)["resources"]
        if r["status"] == "statusInvalid"
    }
    assert set(invalid) == {
        ("KafkaTopic", "registry.units.v1"),
        ("KafkaNodePool", "brokers"),
        ("Kafka", "thidua"),
    }, invalid
    assert "topicNam" in invalid[("KafkaTopic", "registry.units.v1")]
    assert "/spec/storage/volumes/0" in invalid[("KafkaNodePool", "brokers")]
    assert "kraftMetdata" in invalid[("KafkaNodePool", "brokers")]
    assert "/spec/kafka/listeners/0/authentication/type" in invalid[("Kafka", "thidua")]
