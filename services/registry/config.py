"""The registry's own settings (beside servicekit's ServiceSettings), from THIDUA_REGISTRY_*."""

from __future__ import annotations

import hashlib
import hmac
from datetime import date

from pydantic import SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.registry.domain.campaigns import REGIME_2022_FROM


class RegistryConfig(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="THIDUA_REGISTRY_", extra="ignore")

    citizen_id_key: SecretStr | None = None
    """Key of the HMAC that turns a citizen id into the digest kept to recognise a person again.
    Without it the registry refuses citizen ids (it never stores them in clear)."""
    regime_2022_from: date = REGIME_2022_FROM
    """First day of the 2022 regime (Luật 06/2022/QH15): campaigns ending from then on are
    judged under it, unless overridden."""
    import_max_rows: int = 10_000
    """Rows per import file. One file is one transaction, and the outbox takes one advisory lock
    per aggregate it publishes to: PostgreSQL's lock table (max_locks_per_transaction ×
    max_connections, 12,800 on the local stack) bounds how many a transaction can hold."""
    timezone: str = "Asia/Ho_Chi_Minh"

    def citizen_digest(self, citizen_id: str) -> bytes | None:
        if self.citizen_id_key is None:
            return None
        key = self.citizen_id_key.get_secret_value().encode()
        return hmac.new(key, citizen_id.strip().encode(), hashlib.sha256).digest()
