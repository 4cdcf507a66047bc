"""The session cookie: who is signed in (their bearer token) and the form token against CSRF.

The cookie is `base64url(json).base64url(hmac-sha256)` under the service's session key, so a
browser can neither read a forged one into us nor change the token or roles in it. It is
HttpOnly (no script reads the token), SameSite=Lax (not sent on another site's POST), and Secure
behind TLS. Every visitor gets one on the first page, signed in or not: the sign-in form needs
its CSRF token too. Every form carries the token in a hidden field `csrf`; a POST whose field
does not match the cookie's is refused (double submit, with the cookie signed)."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import secrets
import time
from dataclasses import dataclass, replace

from fastapi import Request, Response

COOKIE = "thidua_web"


@dataclass(frozen=True)
class Session:
    csrf: str
    token: str | None = None
    expires: int = 0
    """When the token (and so the signed-in session) ends, epoch seconds."""
    pending: dict[str, str] | None = None
    """A sign-in under way at the identity provider: its state, nonce, PKCE verifier and where
    to go afterwards (services/web/adapters/oidc.py)."""

    @property
    def signed_in(self) -> bool:
        return self.token is not None and time.time() < self.expires

    def sign_in(self, token: str, expires: int) -> Session:
        # a new CSRF token at sign-in: one learnt before it is worthless after it
        return replace(
            self, token=token, expires=expires, csrf=secrets.token_urlsafe(24), pending=None
        )

    def sign_out(self) -> Session:
        return Session(csrf=secrets.token_urlsafe(24))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class Sessions:
    def __init__(self, key: str, *, secure: bool, max_age: int) -> None:
        if len(key) < 32:
            raise ValueError("THIDUA_WEB_SESSION_KEY must be set (at least 32 characters)")
        self._key = key.encode()
        self.secure = secure
        self.max_age = max_age

    def _mac(self, payload: str) -> str:
        return _b64(hmac.new(self._key, payload.encode(), hashlib.sha256).digest())

    def read(self, request: Request) -> Session:
        """The request's session; a new anonymous one when it has none or a forged one."""
        cached = getattr(request.state, "session", None)
        if isinstance(cached, Session):
            return cached
        session = self._decode(request.cookies.get(COOKIE, ""))
        request.state.session = session
        return session

    def _decode(self, raw: str) -> Session:
        payload, _, mac = raw.partition(".")
        if payload and hmac.compare_digest(mac, self._mac(payload)):
            try:
                data = json.loads(_unb64(payload))
                return Session(
                    csrf=data["c"],
                    token=data.get("t"),
                    expires=int(data.get("e", 0)),
                    pending=data.get("p"),
                )
            except (ValueError, KeyError, TypeError):
                pass
        return Session(csrf=secrets.token_urlsafe(24))

    def write(self, request: Request, response: Response, session: Session) -> None:
        data = {"c": session.csrf, "t": session.token, "e": session.expires, "p": session.pending}
        payload = _b64(json.dumps(data, separators=(",", ":")).encode())
        response.set_cookie(
            COOKIE,
            f"{payload}.{self._mac(payload)}",
            max_age=self.max_age,
            httponly=True,
            samesite="lax",
            secure=self.secure or request.url.scheme == "https",
            path="/",
        )
        request.state.session = session

    @staticmethod
    def csrf_ok(session: Session, submitted: str | None) -> bool:
        return bool(submitted) and hmac.compare_digest(session.csrf, submitted or "")
