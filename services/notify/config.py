"""Notify's settings: the service's common ones (`ServiceSettings`, `THIDUA_*`) plus SMTP, the
webhook target policy (SSRF guard), the delivery policy, the dispatcher and the key that
encrypts webhook secrets. Every field reads from `THIDUA_<FIELD>` (lists and dicts as JSON).

Production defaults are strict: webhook targets must be public addresses. Tests and local
development loosen that with `THIDUA_WEBHOOK_ALLOWED_NETWORKS='["127.0.0.0/8"]'` (addresses
exempt from the address checks) or `THIDUA_WEBHOOK_PRODUCTION=false` (syntax checks only).
"""

from __future__ import annotations

import ipaddress

from pydantic import Field, SecretStr, field_validator

from schemas.catalog import TOPICS
from servicekit.settings import ServiceSettings
from services.notify.adapters.email import SmtpSettings
from services.notify.domain.delivery import DeliveryPolicy
from services.notify.domain.ssrf import TargetPolicy

NAME = "notify"


class NotifySettings(ServiceSettings):
    service: str = NAME

    # Topics. Notify consumes every public topic but its own (a webhook subscriber could
    # otherwise receive the outcome of its own deliveries, forever).
    consume_topics: list[str] | None = None
    """Catalog names of the topics consumed; None: every topic not owned by notify."""
    topic_names: dict[str, str] = Field(default_factory=dict)
    """Catalog name -> the topic actually read (tests route catalog topics to fresh ones)."""

    # Email. Without an SMTP host no email deliveries are made (the inbox still is).
    smtp_host: str | None = None
    smtp_port: int = 25
    smtp_sender: str = "Thi đua – Khen thưởng <khenthuong@thidua.invalid>"
    smtp_username: str | None = None
    smtp_password: SecretStr | None = None
    smtp_use_tls: bool = False
    smtp_start_tls: bool | None = None
    smtp_validate_certs: bool = True
    smtp_timeout_s: float = 30.0
    smtp_concurrency: int = 4
    """Emails in flight at once, per process (the SMTP server is one shared resource)."""

    # Webhook targets (services/notify/domain/ssrf.py).
    webhook_production: bool = True
    webhook_allowed_networks: list[str] = Field(default_factory=list)
    webhook_allowed_hosts: list[str] = Field(default_factory=list)

    # Delivery policy (services/notify/domain/delivery.py).
    delivery_max_attempts: int = 8
    delivery_backoff_base_s: float = 1.0
    delivery_backoff_cap_s: float = 600.0
    delivery_timeout_s: float = 10.0
    delivery_concurrency_per_subscriber: int = 4
    delivery_suspend_after_failures: int = 20

    # Dispatcher (services/notify/jobs/dispatcher.py).
    dispatch_enabled: bool = True
    dispatch_max_in_flight: int = 64
    """Webhook calls in flight at once, per process, over all subscribers."""
    dispatch_claim_batch: int = 32
    """Deliveries of one subscriber claimed at once (one statement), then sent
    `delivery_concurrency_per_subscriber` at a time."""
    dispatch_max_claimed: int = 1024
    """Claimed deliveries not yet recorded, per process and channel."""
    dispatch_record_batch: int = 256
    """Ended attempts recorded together, in one transaction."""
    dispatch_poll_interval_s: float = 1.0
    """Fallback when no notification arrives (LISTEN notify_deliveries)."""
    dispatch_lease_margin_s: float = 5.0
    """A claimed delivery is reserved for one attempt's timeout plus this (renewed when its
    attempt begins), which covers recording the outcome: a dispatcher that died leaves what it
    held to another that soon, and a delivery it was sending is then sent again."""

    # Webhook secrets are kept encrypted (AES-256-GCM) with this key: 32 bytes, base64 (url-safe
    # or standard). Unset: a built-in development key, with a warning; set it in production.
    secrets_key: SecretStr | None = None
    secret_rotation_grace_s: int = 24 * 3600
    """After a rotation, deliveries are signed with the old secret too for this long."""

    @field_validator("webhook_allowed_networks")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        for text in value:
            ipaddress.ip_network(text, strict=False)
        return value

    @classmethod
    def of(cls, settings: ServiceSettings | None) -> NotifySettings:
        """Notify's settings from the environment, over the common ones given (if any)."""
        if settings is None:
            return cls()
        if isinstance(settings, cls):
            return settings
        return cls(**settings.model_dump(exclude_unset=True))

    # derived

    def consumed(self) -> list[str]:
        """The topics actually read, after `topic_names`."""
        names = self.consume_topics
        if names is None:
            names = [t.name for t in TOPICS if t.owner != NAME]
        return [self.topic_names.get(name, name) for name in names]

    def delivery_policy(self) -> DeliveryPolicy:
        return DeliveryPolicy(
            max_attempts=self.delivery_max_attempts,
            backoff_base_s=self.delivery_backoff_base_s,
            backoff_cap_s=self.delivery_backoff_cap_s,
            timeout_s=self.delivery_timeout_s,
            concurrency_per_subscriber=self.delivery_concurrency_per_subscriber,
            suspend_after_failures=self.delivery_suspend_after_failures,
        )

    def target_policy(self) -> TargetPolicy:
        return TargetPolicy(
            production=self.webhook_production,
            allowed_networks=tuple(
                ipaddress.ip_network(n, strict=False) for n in self.webhook_allowed_networks
            ),
            allowed_hosts=frozenset(h.lower().rstrip(".") for h in self.webhook_allowed_hosts),
        )

    def smtp(self) -> SmtpSettings | None:
        if not self.smtp_host:
            return None
        return SmtpSettings(
            host=self.smtp_host,
            port=self.smtp_port,
            sender=self.smtp_sender,
            username=self.smtp_username,
            password=self.smtp_password.get_secret_value() if self.smtp_password else None,
            use_tls=self.smtp_use_tls,
            start_tls=self.smtp_start_tls,
            validate_certs=self.smtp_validate_certs,
            timeout=self.smtp_timeout_s,
        )
