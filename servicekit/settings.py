"""Service settings from environment variables, with defaults that work for the local stack."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    """Read from `THIDUA_*` variables (e.g. THIDUA_DATABASE_URL). The OpenTelemetry exporters read
    the standard `OTEL_*` variables themselves."""

    model_config = SettingsConfigDict(env_prefix="THIDUA_", extra="ignore")

    service: str
    http_host: str = "127.0.0.1"
    http_port: int = 8101
    database_url: str = "postgresql://postgres@127.0.0.1:15432/postgres"
    database_pool_max: int = 10
    kafka_bootstrap: str = "127.0.0.1:19092"
    max_request_bytes: int = 1_000_000
    max_upload_bytes: int = 20_000_000
    """The limit for file uploads: requests under `/imports/` (xlsx/csv bulk imports)."""
    log_level: str = "INFO"
    shutdown_timeout_s: float = 20.0
    """On SIGTERM the process stops taking work, finishes what it holds and exits within this
    many seconds (`servicekit.service.serve`); past it, it exits at once with code 1."""

    # What a second instance rebuilding the read model (`./thidua replay`) turns off or changes.
    consumer_group: str | None = None
    """Kafka group id of the service's consumer; default the service name. A replay reads every
    topic from offset zero under a group of its own."""
    relay_enabled: bool = True
    """Publish the outbox. Off: events stay in the outbox table (a replay publishes nothing)."""
    background_enabled: bool = True
    """Timed and outward work: progress's reminders and year-end leaders, notify's sending of
    emails and webhooks. Off in a replay, which must not remind or notify anyone again."""

    # Bearer tokens (servicekit.auth). Keys come from a JWKS file or URL; with neither, every
    # authenticated route answers 503. The local stack points THIDUA_JWKS_FILE at the key set
    # `infra/tokens.py` generates under the profile's state dir.
    jwks_file: Path | None = None
    jwks_url: str | None = None
    jwt_issuer: str = "thidua-local"
    jwt_audience: str = "thidua"
    # Only asymmetric algorithms: `none` and HS* are refused whatever is configured here.
    jwt_algorithms: list[str] = ["RS256", "ES256", "EdDSA"]
    jwt_leeway_seconds: int = 30
    jwt_max_lifetime_seconds: int = 12 * 3600
    """Tokens must say when they were issued (`iat`) and live at most this long (`exp - iat`): a
    leaked token is useful for a bounded time whatever its issuer set."""
    # How long an Idempotency-Key's first answer is replayed (servicekit.idempotency).
    idempotency_ttl_seconds: int = 24 * 3600
