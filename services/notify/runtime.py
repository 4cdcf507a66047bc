"""What notify's parts share at run time: settings, policies, the secret box, the dispatcher.
Reached from handlers as `request.app.state.notify`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from fastapi import Request

from schemas.envelope import source_for
from services.notify.adapters.email import SmtpSettings
from services.notify.adapters.secrets import SecretBox
from services.notify.adapters.targets import Resolver, system_resolver
from services.notify.config import NAME, NotifySettings
from services.notify.domain.delivery import DeliveryPolicy
from services.notify.domain.ssrf import TargetPolicy

if TYPE_CHECKING:
    from services.notify.jobs.dispatcher import Dispatcher

SOURCE = source_for(NAME)
"""The ce_source of what notify publishes, whatever the process's service name."""
WAKE_CHANNEL = "notify_deliveries"
"""PostgreSQL NOTIFY channel: deliveries became due (new, redelivered, subscriber resumed)."""


@dataclass
class NotifyRuntime:
    settings: NotifySettings
    policy: DeliveryPolicy
    targets: TargetPolicy
    secrets: SecretBox
    smtp: SmtpSettings | None
    resolver: Resolver = system_resolver
    dispatcher: Dispatcher | None = field(default=None, repr=False)

    @classmethod
    def from_settings(
        cls, settings: NotifySettings, resolver: Resolver | None = None
    ) -> NotifyRuntime:
        key = settings.secrets_key.get_secret_value() if settings.secrets_key else None
        return cls(
            settings=settings,
            policy=settings.delivery_policy(),
            targets=settings.target_policy(),
            secrets=SecretBox.from_text(key),
            smtp=settings.smtp(),
            resolver=resolver or system_resolver,
        )

    def wake(self) -> None:
        """Have this process's dispatcher look for due deliveries now (other processes learn it
        through NOTIFY)."""
        if self.dispatcher is not None:
            self.dispatcher.wake()


def runtime_of(request: Request) -> NotifyRuntime:
    return request.app.state.notify
