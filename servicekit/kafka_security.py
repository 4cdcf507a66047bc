"""Kafka client security (TLS, SASL/SCRAM) from the environment, for every client we build.

One reading of the variables serves the relay's producer, the consumer's broker and its dead-letter
producer, the probes, the dead-letter tools and `infra/topics.py`, so a deployment sets them once:

    THIDUA_KAFKA_SECURITY_PROTOCOL   PLAINTEXT (default), SSL, SASL_PLAINTEXT or SASL_SSL
    THIDUA_KAFKA_SSL_CAFILE          PEM bundle the brokers' certificates are checked against
    THIDUA_KAFKA_SSL_CERTFILE/_KEYFILE  client certificate and key (mutual TLS), optional
    THIDUA_KAFKA_SSL_CHECK_HOSTNAME  "false" to skip the host name check (not recommended)
    THIDUA_KAFKA_SASL_MECHANISM      SCRAM-SHA-512 (default), SCRAM-SHA-256 or PLAIN
    THIDUA_KAFKA_SASL_USERNAME       the SCRAM user
    THIDUA_KAFKA_SASL_PASSWORD       its password, or THIDUA_KAFKA_SASL_PASSWORD_FILE naming a file
                                     holding it (a mounted Kubernetes secret)
"""

from __future__ import annotations

import os
import ssl
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from faststream.security import (
    BaseSecurity,
    SASLPlaintext,
    SASLScram256,
    SASLScram512,
)

PROTOCOLS = ("PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL")
MECHANISMS = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}


def _env(environ: Mapping[str, str] | None) -> Mapping[str, str]:
    return os.environ if environ is None else environ


def _protocol(env: Mapping[str, str]) -> str:
    protocol = env.get("THIDUA_KAFKA_SECURITY_PROTOCOL", "PLAINTEXT").strip().upper()
    if protocol not in PROTOCOLS:
        raise ValueError(
            f"THIDUA_KAFKA_SECURITY_PROTOCOL={protocol!r}: expected one of {', '.join(PROTOCOLS)}"
        )
    return protocol


def _ssl_context(env: Mapping[str, str]) -> ssl.SSLContext:
    ctx = ssl.create_default_context(cafile=env.get("THIDUA_KAFKA_SSL_CAFILE") or None)
    if env.get("THIDUA_KAFKA_SSL_CERTFILE"):
        ctx.load_cert_chain(
            env["THIDUA_KAFKA_SSL_CERTFILE"], env.get("THIDUA_KAFKA_SSL_KEYFILE") or None
        )
    if env.get("THIDUA_KAFKA_SSL_CHECK_HOSTNAME", "true").strip().lower() == "false":
        ctx.check_hostname = False
    return ctx


def _sasl(env: Mapping[str, str]) -> tuple[str, str, str]:
    mechanism = env.get("THIDUA_KAFKA_SASL_MECHANISM", "SCRAM-SHA-512").strip().upper()
    if mechanism not in MECHANISMS:
        raise ValueError(
            f"THIDUA_KAFKA_SASL_MECHANISM={mechanism!r}: expected one of {', '.join(MECHANISMS)}"
        )
    user = env.get("THIDUA_KAFKA_SASL_USERNAME", "")
    password = env.get("THIDUA_KAFKA_SASL_PASSWORD", "")
    if not password and env.get("THIDUA_KAFKA_SASL_PASSWORD_FILE"):
        password = Path(env["THIDUA_KAFKA_SASL_PASSWORD_FILE"]).read_text().strip()
    if not user or not password:
        raise ValueError(
            "SASL needs THIDUA_KAFKA_SASL_USERNAME and THIDUA_KAFKA_SASL_PASSWORD (or _FILE)"
        )
    return mechanism, user, password


def client_options(environ: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Keyword arguments for aiokafka's producer, consumer and admin client."""
    env = _env(environ)
    protocol = _protocol(env)
    if protocol == "PLAINTEXT":
        return {}
    options: dict[str, Any] = {"security_protocol": protocol}
    if protocol.endswith("SSL"):
        options["ssl_context"] = _ssl_context(env)
    if protocol.startswith("SASL"):
        mechanism, user, password = _sasl(env)
        options.update(
            sasl_mechanism=mechanism, sasl_plain_username=user, sasl_plain_password=password
        )
    return options


def broker_security(environ: Mapping[str, str] | None = None) -> BaseSecurity | None:
    """The same settings as FastStream's `security=` object for its KafkaBroker."""
    env = _env(environ)
    protocol = _protocol(env)
    if protocol == "PLAINTEXT":
        return None
    ctx = _ssl_context(env) if protocol.endswith("SSL") else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=ctx, use_ssl=True)
    mechanism, user, password = _sasl(env)
    return MECHANISMS[mechanism](user, password, ssl_context=ctx, use_ssl=ctx is not None)
