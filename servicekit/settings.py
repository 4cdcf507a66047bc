"""Service settings from environment variables, with defaults that work for the local stack."""

from __future__ import annotations

from pathlib import Path
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

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
    # TCP keepalives the server sends on each of the service's connections: when the node a
    # process ran on is lost (no FIN, no RST), PostgreSQL ends its idle sessions after about
    # idle + interval x count seconds, and one with data unacknowledged after the user timeout,
    # releasing their locks (the relay's leadership, the rows of a transaction left open),
    # instead of after the kernel's two hours (or 15 minutes of retransmissions). 0 keeps the
    # server's default.
    database_keepalive_idle_s: int = 10
    database_keepalive_interval_s: int = 5
    database_keepalive_count: int = 3
    database_tcp_user_timeout_ms: int = 30_000
    kafka_bootstrap: str = "127.0.0.1:19092"
    max_request_bytes: int = 1_000_000
    max_upload_bytes: int = 20_000_000
    """The limit for file uploads: requests under `/imports/` (xlsx/csv bulk imports)."""
    log_level: str = "INFO"
    shutdown_timeout_s: float = 20.0
    drain_delay_s: float = 0.0
    """On SIGTERM `/ready` answers 503 at once, and the listener stays open this many seconds
    more before the stop begins: a load balancer checking `/ready` takes the replica out of its
    pool meanwhile, and no request is refused (`servicekit.service.serve`). On a cluster: more
    than the balancer's check interval times its fall count."""
    """On SIGTERM the process stops taking work, finishes what it holds and exits within this
    many seconds (`servicekit.service.serve`); past it, it exits at once with code 1."""

    # The consumer group's liveness (aiokafka): a replica that stops heartbeating for
    # `session_timeout_ms` (its node lost) loses its partitions to the others then.
    consumer_session_timeout_ms: int = 10_000
    consumer_heartbeat_interval_ms: int = 3_000
    consumer_max_poll_interval_ms: int = 300_000

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

    @property
    def database_dsn(self) -> str:
        """`database_url` with the keepalive settings, which asyncpg sends to the server as
        session settings: every connection the service opens (pool, relay, dispatcher) uses it."""
        keepalives = {
            "tcp_keepalives_idle": self.database_keepalive_idle_s,
            "tcp_keepalives_interval": self.database_keepalive_interval_s,
            "tcp_keepalives_count": self.database_keepalive_count,
            "tcp_user_timeout": self.database_tcp_user_timeout_ms,
        }
        given = {k: str(v) for k, v in keepalives.items() if v > 0}
        parts = urlsplit(self.database_url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True))
        return urlunsplit(parts._replace(query=urlencode({**given, **query}, safe="/")))
