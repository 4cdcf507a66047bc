"""Signing in at the province's identity provider: OpenID Connect's authorization code flow with
PKCE (RFC 7636, S256).

1. `/dang-nhap/oidc/bat-dau`: a fresh `state`, `nonce` and code verifier are kept in the (signed)
   session, and the browser is sent to the provider's authorization endpoint with the verifier's
   S256 challenge.
2. `/dang-nhap/oidc`: the provider sends the browser back with a code and the state. The state
   must be the session's (no login forced on someone else's browser); the code is exchanged at
   the token endpoint with the verifier (a stolen code is useless without it); the ID token's
   signature (the provider's JWKS), issuer, audience (our client id) and nonce are checked.
   The access token is what the services receive; they verify it themselves.

The provider's endpoints come from its discovery document, read once."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import secrets
from typing import Any
from urllib.parse import urlencode

import httpx
import jwt

from services.web.config import WebSettings


class SignInFailed(Exception):
    """Why the provider's answer was not accepted (shown to the person in Vietnamese)."""


def challenge(verifier: str) -> str:
    digest = hashlib.sha256(verifier.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


class Provider:
    def __init__(self, settings: WebSettings, http: httpx.AsyncClient) -> None:
        assert settings.web_oidc_issuer
        self.s = settings
        self.issuer = settings.web_oidc_issuer.rstrip("/")
        self.http = http
        self._meta: dict[str, Any] | None = None
        self._keys: jwt.PyJWKClient | None = None

    async def metadata(self) -> dict[str, Any]:
        if self._meta is None:
            try:
                r = await self.http.get(f"{self.issuer}/.well-known/openid-configuration")
                r.raise_for_status()
                meta = r.json()
            except (httpx.HTTPError, ValueError) as exc:
                raise SignInFailed("Không kết nối được cổng định danh.") from exc
            if meta.get("issuer", "").rstrip("/") != self.issuer:
                raise SignInFailed("Cổng định danh trả lời sai định danh của mình (issuer).")
            self._meta = meta
        return self._meta

    async def start(self, redirect_uri: str, next_path: str) -> tuple[str, dict[str, str]]:
        """The authorization URL and what the session must keep until the callback."""
        meta = await self.metadata()
        pending = {
            "state": secrets.token_urlsafe(24),
            "nonce": secrets.token_urlsafe(24),
            "verifier": secrets.token_urlsafe(48),
            "next": next_path,
            "redirect_uri": redirect_uri,
        }
        query = {
            "response_type": "code",
            "client_id": self.s.web_oidc_client_id,
            "redirect_uri": redirect_uri,
            "scope": self.s.web_oidc_scope,
            "state": pending["state"],
            "nonce": pending["nonce"],
            "code_challenge": challenge(pending["verifier"]),
            "code_challenge_method": "S256",
        }
        return f"{meta['authorization_endpoint']}?{urlencode(query)}", pending

    async def finish(self, pending: dict[str, str], code: str, state: str) -> str:
        """The access token for the code, once everything holds."""
        if not secrets.compare_digest(pending.get("state", ""), state):
            raise SignInFailed("Phiên đăng nhập không khớp. Hãy đăng nhập lại.")
        meta = await self.metadata()
        form = {
            "grant_type": "authorization_code",
            "code": code,
            "redirect_uri": pending["redirect_uri"],
            "client_id": self.s.web_oidc_client_id,
            "code_verifier": pending["verifier"],
        }
        if self.s.web_oidc_client_secret:
            form["client_secret"] = self.s.web_oidc_client_secret
        try:
            r = await self.http.post(meta["token_endpoint"], data=form)
            answer = r.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise SignInFailed("Không kết nối được cổng định danh.") from exc
        if r.status_code != 200 or "access_token" not in answer or "id_token" not in answer:
            raise SignInFailed("Cổng định danh từ chối đăng nhập.")
        await self._check_id_token(answer["id_token"], pending["nonce"], meta)
        return str(answer["access_token"])

    async def _check_id_token(self, id_token: str, nonce: str, meta: dict[str, Any]) -> None:
        if self._keys is None:
            self._keys = jwt.PyJWKClient(meta["jwks_uri"], cache_jwk_set=True, lifespan=300)
        try:
            key = await asyncio.to_thread(self._keys.get_signing_key_from_jwt, id_token)
            claims = jwt.decode(
                id_token,
                key.key,
                algorithms=["RS256", "ES256", "EdDSA"],
                audience=self.s.web_oidc_client_id,
                issuer=meta["issuer"],
                options={"require": ["exp", "iat", "iss", "aud", "sub", "nonce"]},
            )
        except jwt.PyJWTError as exc:
            raise SignInFailed("Mã định danh (ID token) không hợp lệ.") from exc
        if not secrets.compare_digest(str(claims["nonce"]), nonce):
            raise SignInFailed("Mã định danh không thuộc phiên đăng nhập này (nonce).")
