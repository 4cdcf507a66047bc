"""Kafka clients built from the environment's security settings (servicekit/kafka_security.py),
against the local broker's SASL_SSL listener (SCRAM-SHA-512, a keytool certificate)."""

from __future__ import annotations

import asyncio
import uuid

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError

from infra import kafka_tls
from infra.profile import Profile
from servicekit.consumer import Consumer
from servicekit.kafka_security import broker_security, client_options
from servicekit.relay import build_producer
from tests.runtime.helpers_runtime import (
    effect_writer,
    effects,
    eventually,
    prepare_database,
    report,
)

pytestmark = [pytest.mark.infra, pytest.mark.timeout(180)]


def test_plaintext_is_the_default_and_bad_settings_are_named() -> None:
    assert client_options({}) == {} and broker_security({}) is None
    with pytest.raises(ValueError, match="THIDUA_KAFKA_SECURITY_PROTOCOL"):
        client_options({"THIDUA_KAFKA_SECURITY_PROTOCOL": "TLS"})
    with pytest.raises(ValueError, match="THIDUA_KAFKA_SASL_USERNAME"):
        client_options({"THIDUA_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT"})


def test_the_password_may_come_from_a_mounted_file(tmp_path) -> None:
    secret = tmp_path / "password"
    secret.write_text("s3cret\n")
    options = client_options(
        {
            "THIDUA_KAFKA_SECURITY_PROTOCOL": "SASL_PLAINTEXT",
            "THIDUA_KAFKA_SASL_USERNAME": "registry",
            "THIDUA_KAFKA_SASL_PASSWORD_FILE": str(secret),
        }
    )
    assert options["sasl_mechanism"] == "SCRAM-SHA-512"
    assert options["sasl_plain_password"] == "s3cret"


@pytest.fixture
def secure_env(profile: Profile, kafka_bootstrap: str, monkeypatch) -> str:
    """The SASL_SSL listener's settings in the environment; returns its bootstrap address."""
    for name, value in kafka_tls.client_environment(profile).items():
        monkeypatch.setenv(name, value)
    return f"127.0.0.1:{profile.kafka_secure_port}"


async def test_relay_producer_and_consumer_work_over_sasl_ssl(
    secure_env: str, fresh_database: str
) -> None:
    topic = f"secure.{uuid.uuid4().hex[:10]}.v1"
    admin = AIOKafkaAdminClient(bootstrap_servers=secure_env, **client_options())
    await admin.start()
    await admin.create_topics([NewTopic(topic, 2, 1), NewTopic(f"{topic}.dlq", 2, 1)])
    pool = await prepare_database(fresh_database)
    consumer = Consumer("secure-test", pool=pool, bootstrap_servers=secure_env)
    consumer.batch_handler(topic)(effect_writer("secure-test"))
    producer = build_producer(secure_env)
    try:
        await producer.start()
        messages = [report(topic, target_id=uuid.uuid4(), seq=i) for i in range(5)]
        for m in messages:
            await producer.send_and_wait(m.topic, m.value, key=m.key, headers=m.headers)
        await consumer.start()

        async def applied() -> bool:
            return len(await effects(pool, "secure-test")) == len(messages)

        await eventually(applied, timeout=60, what="the 5 events applied over SASL_SSL")
        rows = await effects(pool, "secure-test")
        assert sorted(str(r["event_id"]) for r in rows) == sorted(str(m.event_id) for m in messages)
    finally:
        await consumer.stop()
        await producer.stop()
        await admin.delete_topics([topic, f"{topic}.dlq"])
        await admin.close()
        await pool.close()


async def test_a_wrong_password_is_refused(secure_env: str, monkeypatch) -> None:
    monkeypatch.setenv("THIDUA_KAFKA_SASL_PASSWORD", "not-the-password")
    admin = AIOKafkaAdminClient(
        bootstrap_servers=secure_env, request_timeout_ms=5000, **client_options()
    )
    with pytest.raises(KafkaError):
        await asyncio.wait_for(admin.start(), 20)
    await admin.close()
