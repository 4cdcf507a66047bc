"""Service settings from environment variables, with defaults that work for the local stack."""

from __future__ import annotations

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
    log_level: str = "INFO"
