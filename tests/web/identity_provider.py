"""A small OpenID Connect provider for the tests: discovery, an authorization endpoint that
signs in whoever `user` names without asking (a real provider shows its own login page), a
token endpoint that checks the PKCE verifier against the challenge (S256) and the redirect URI,
and the JWKS. Its tokens are signed with the test profile's development key, so the services
accept its access tokens as they accept `./thidua token`'s."""

from __future__ import annotations

import base64
import hashlib
import json
import secrets
import socket
import threading
import time
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import jwt
import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from infra import tokens

CLIENT_ID = "thidua-web"


class IdentityProvider:
    def __init__(self, state: Path) -> None:
        self.state = state
        self.user: dict[str, Any] = {"sub": "oidc-user", "roles": ["province_admin"]}
        self.wrong_nonce = False
        self.codes: dict[str, dict[str, str]] = {}
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.app = self._app()
        self._server = uvicorn.Server(
            uvicorn.Config(self.app, host="127.0.0.1", port=self.port, log_level="warning")
        )
        self._thread = threading.Thread(target=self._server.run, daemon=True)

    def __enter__(self) -> IdentityProvider:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            assert time.monotonic() < deadline, "the test identity provider did not start"
            time.sleep(0.05)
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.should_exit = True
        self._thread.join(timeout=10)

    def _id_token(self, nonce: str) -> str:
        key = tokens.ensure_keys(self.state)
        now = int(time.time())
        claims = {
            "iss": self.url,
            "aud": CLIENT_ID,
            "sub": self.user["sub"],
            "iat": now,
            "exp": now + 300,
            "nonce": "not-yours" if self.wrong_nonce else nonce,
        }
        kid = tokens.public_jwk(key)["kid"]
        return jwt.encode(claims, key, algorithm=tokens.ALGORITHM, headers={"kid": kid})

    def _app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/.well-known/openid-configuration")
        async def discovery() -> dict[str, str]:
            return {
                "issuer": self.url,
                "authorization_endpoint": f"{self.url}/authorize",
                "token_endpoint": f"{self.url}/token",
                "jwks_uri": f"{self.url}/jwks",
            }

        @app.get("/jwks")
        async def jwks() -> JSONResponse:
            return JSONResponse(json.loads(tokens.jwks_file(self.state).read_text()))

        @app.get("/authorize")
        async def authorize(request: Request) -> RedirectResponse:
            q = request.query_params
            assert q["client_id"] == CLIENT_ID and q["response_type"] == "code"
            assert q["code_challenge_method"] == "S256"
            code = secrets.token_urlsafe(16)
            self.codes[code] = {
                "challenge": q["code_challenge"],
                "nonce": q["nonce"],
                "redirect_uri": q["redirect_uri"],
            }
            return RedirectResponse(f"{q['redirect_uri']}?code={code}&state={q['state']}", 302)

        @app.post("/token")
        async def token(request: Request) -> JSONResponse:
            form = {k: v[-1] for k, v in parse_qs((await request.body()).decode()).items()}
            issued = self.codes.pop(form.get("code", ""), None)  # a code is used once
            digest = hashlib.sha256(form.get("code_verifier", "").encode()).digest()
            challenge = base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
            if (
                issued is None
                or form.get("grant_type") != "authorization_code"
                or form.get("client_id") != CLIENT_ID
                or form.get("redirect_uri") != issued["redirect_uri"]
                or challenge != issued["challenge"]
            ):
                return JSONResponse({"error": "invalid_grant"}, status_code=400)
            access = tokens.mint(self.state, sub=self.user["sub"], roles=self.user["roles"])
            return JSONResponse(
                {
                    "access_token": access,
                    "token_type": "Bearer",
                    "id_token": self._id_token(issued["nonce"]),
                }
            )

        return app
