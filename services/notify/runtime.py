"""What notify's parts share at run time: settings, policies, the secret box, the resolver, and
a way to wake this process's dispatcher. Reached from handlers as `request.app.state.notify`."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

from fastapi import Request

from schemas.envelope import source_for
from services.notify.adapters.email import SmtpSettings
from services.notify.adapters.secrets import SecretBox
from services.notify.adapters.targets import Resolver, system_resolver
from services.notify.config import NAME, NotifySettings
from services.notify.domain.delivery import DeliveryPolicy
from services.notify.domain.ssrf import TargetPolicy

SOURCE = source_for(NAME)
"""The ce_source of what notify publishes, whatever the process's service name."""


class Waker(Protocol):
    """The dispatcher as the rest of notify sees it (jobs/dispatcher.py depends on the runtime,
    not the other way round)."""

    def wake(self) -> None: ...


@dataclass
class NotifyRuntime:
    settings: NotifySettings
    policy: DeliveryPolicy
    targets: TargetPolicy
    secrets: SecretBox
    smtp: SmtpSettings | None
    resolver: Resolver = system_resolver
    dispatcher: Waker | None = field(default=None, repr=False)

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
