"""Webhook secrets at rest: AES-256-GCM under the service's key, bound to their subscription.

Notify must sign with the secret itself (HMAC), so it cannot keep a hash only: it keeps the
secret encrypted, `version byte || 12-byte nonce || ciphertext+tag`, with the subscription id as
associated data (a ciphertext copied onto another subscription does not decrypt). The key comes
from THIDUA_SECRETS_KEY; without one a fixed development key is used and a warning logged.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import logging
import os
import secrets
from uuid import UUID

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger("notify.secrets")

_VERSION = b"\x01"
_NONCE = 12
_DEVELOPMENT_KEY = hashlib.sha256(b"thidua notify development key - never in production").digest()
SECRET_PREFIX = "whsec_"
MIN_SECRET_LENGTH = 24
MAX_SECRET_LENGTH = 256


def generate_secret() -> str:
    """A new webhook secret: 32 random bytes, url-safe base64, with a recognisable prefix."""
    return SECRET_PREFIX + secrets.token_urlsafe(32)


def secret_problem(secret: str) -> str | None:
    """Why a secret a client chose is not acceptable, or None."""
    if not MIN_SECRET_LENGTH <= len(secret) <= MAX_SECRET_LENGTH:
        return f"must be {MIN_SECRET_LENGTH} to {MAX_SECRET_LENGTH} characters long"
    if not all("!" <= c <= "~" for c in secret):
        return "must consist of visible ASCII characters (no spaces)"
    if len(set(secret)) < 8:
        return "is too repetitive to be a secret"
    return None


class SecretBox:
    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise ValueError("the secrets key must be 32 bytes")
        self._aead = AESGCM(key)

    @classmethod
    def from_text(cls, text: str | None) -> SecretBox:
        if not text:
            log.warning(
                "THIDUA_SECRETS_KEY is not set: webhook secrets are encrypted with the built-in "
                "development key; set a key of your own in production"
            )
            return cls(_DEVELOPMENT_KEY)
        try:
            padded = text.strip() + "=" * (-len(text.strip()) % 4)
            key = base64.urlsafe_b64decode(padded.replace("+", "-").replace("/", "_"))
        except (binascii.Error, ValueError) as e:
            raise ValueError("THIDUA_SECRETS_KEY must be 32 bytes in base64") from e
        return cls(key)

    def seal(self, secret: str, subscription_id: UUID) -> bytes:
        nonce = os.urandom(_NONCE)
        return _VERSION + nonce + self._aead.encrypt(nonce, secret.encode(), subscription_id.bytes)

    def open(self, sealed: bytes, subscription_id: UUID) -> str:
        if sealed[:1] != _VERSION:
            raise ValueError("unknown secret format")
        nonce, body = sealed[1 : 1 + _NONCE], sealed[1 + _NONCE :]
        return self._aead.decrypt(nonce, body, subscription_id.bytes).decode()
