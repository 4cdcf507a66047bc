"""The local broker's second listener: SASL_SSL with SCRAM-SHA-512, as a managed cluster runs it.

The PLAINTEXT listener stays what the stack and the tests use; this one exists so the clients'
security settings (servicekit/kafka_security.py) are exercised against a real broker. Its
certificate is self-signed by the JDK's keytool (valid for 127.0.0.1 and localhost) and its
SCRAM user is created with Kafka's own ConfigCommand from the same jars, through the PLAINTEXT
listener, once the broker is up.
"""

from __future__ import annotations

import secrets
import subprocess
from pathlib import Path

from infra.profile import Profile

USER = "thidua"
MECHANISM = "SCRAM-SHA-512"


def tls_dir(p: Profile) -> Path:
    return p.kafka_dir / "tls"


def password(p: Profile) -> str:
    """The keystore's and the SCRAM user's password, made once per profile."""
    path = tls_dir(p) / "password"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(secrets.token_urlsafe(18))
        path.chmod(0o600)
    return path.read_text()


def ca_file(p: Profile) -> Path:
    return tls_dir(p) / "broker.pem"


def ensure_keystore(p: Profile) -> Path:
    """A PKCS12 keystore with the broker's key, and its certificate as PEM for the clients."""
    store = tls_dir(p) / "broker.p12"
    if store.exists() and ca_file(p).exists():
        return store
    secret = password(p)
    store.unlink(missing_ok=True)
    common = ["-keystore", str(store), "-storetype", "PKCS12", "-storepass", secret]
    subprocess.run(
        [
            *("keytool", "-genkeypair", "-alias", "broker", "-keyalg", "RSA", "-keysize", "2048"),
            *("-validity", "3650", "-dname", "CN=thidua-local-kafka", "-keypass", secret),
            *("-ext", "SAN=ip:127.0.0.1,dns:localhost", *common),
        ],
        check=True,
        capture_output=True,
    )
    subprocess.run(
        ["keytool", "-exportcert", "-rfc", "-alias", "broker", "-file", str(ca_file(p)), *common],
        check=True,
        capture_output=True,
    )
    return store


def listener_config(p: Profile) -> dict[str, str]:
    """The broker properties of the SASL_SSL listener (merged into server.properties)."""
    store = ensure_keystore(p)
    secret = password(p)
    prefix = "listener.name.sasl_ssl"
    return {
        "sasl.enabled.mechanisms": MECHANISM,
        f"{prefix}.scram-sha-512.sasl.jaas.config": (
            "org.apache.kafka.common.security.scram.ScramLoginModule required;"
        ),
        "ssl.keystore.type": "PKCS12",
        "ssl.keystore.location": str(store),
        "ssl.keystore.password": secret,
        "ssl.key.password": secret,
    }


def ensure_user(p: Profile, java: list[str]) -> None:
    """Create (or reset) the SCRAM user; idempotent."""
    done = subprocess.run(
        [
            *java,
            "org.apache.kafka.tools.ConfigCommand",
            "--bootstrap-server",
            p.kafka_bootstrap,
            "--alter",
            "--entity-type",
            "users",
            "--entity-name",
            USER,
            "--add-config",
            f"{MECHANISM}=[iterations=8192,password={password(p)}]",
        ],
        capture_output=True,
        text=True,
    )
    if done.returncode:
        raise SystemExit(f"creating Kafka's SCRAM user failed:\n{done.stdout}{done.stderr}")


def client_environment(p: Profile) -> dict[str, str]:
    """What a client sets to reach the SASL_SSL listener (servicekit.kafka_security)."""
    return {
        "THIDUA_KAFKA_BOOTSTRAP": ",".join(
            f"127.0.0.1:{p.node_ports(i)[2]}" for i in range(p.brokers)
        ),
        "THIDUA_KAFKA_SECURITY_PROTOCOL": "SASL_SSL",
        "THIDUA_KAFKA_SSL_CAFILE": str(ca_file(p)),
        "THIDUA_KAFKA_SASL_MECHANISM": MECHANISM,
        "THIDUA_KAFKA_SASL_USERNAME": USER,
        "THIDUA_KAFKA_SASL_PASSWORD": password(p),
    }
