"""Tests of servicekit's HTTP runtime. Shared here: signing keys and tokens of every allowed kind,
and a service app (create_app wiring, a real database) to run routers against."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import jwt
from cryptography.hazmat.primitives.asymmetric import ec, rsa
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, FastAPI
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from servicekit import db
from servicekit.http import create_app
from servicekit.service import RUNTIME_MIGRATIONS, Service
from servicekit.settings import ServiceSettings
from tests import ENGLISH

ISSUER = "https://id.test.thidua"
AUDIENCE = "thidua-test"


class Signer:
    """One key per allowed algorithm, published in a JWKS file; mints tokens with any header."""

    def __init__(self, folder: Path) -> None:
        self.keys = {
            "EdDSA": ("ed-1", Ed25519PrivateKey.generate(), OKPAlgorithm),
            "RS256": (
                "rsa-1",
                rsa.generate_private_key(public_exponent=65537, key_size=2048),
                RSAAlgorithm,
            ),
            "ES256": ("ec-1", ec.generate_private_key(ec.SECP256R1()), ECAlgorithm),
        }
        jwks = []
        for alg, (kid, key, algorithm) in self.keys.items():
            jwk = algorithm.to_jwk(key.public_key(), as_dict=True)
            jwks.append({**jwk, "kid": kid, "alg": alg, "use": "sig"})
        self.jwks_file = folder / "jwks.json"
        self.jwks_file.write_text(json.dumps({"keys": jwks}))

    def claims(self, sub: str = "alice", roles: Sequence[str] = ("province_admin",), **extra: Any):
        now = int(time.time())
        return {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "roles": list(roles), "iat": now,
                "exp": now + 300, **extra}  # fmt: skip

    def token(
        self, alg: str = "EdDSA", *, kid: str | None = None, key: Any = None, **claims: Any
    ) -> str:
        own_kid, own_key, _ = self.keys[alg]
        return jwt.encode(
            self.claims(**claims),
            key or own_key,
            algorithm=alg,
            headers={"kid": kid or own_kid},
        )

    def bearer(self, **kw: Any) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token(**kw)}"}


def settings(signer: Signer | None, dsn: str, **overrides: Any) -> ServiceSettings:
    return ServiceSettings(
        service="test",
        database_url=dsn,
        jwks_file=signer.jwks_file if signer else None,
        jwks_url=None,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        **overrides,
    )


@asynccontextmanager
async def running_app(
    s: ServiceSettings, routers: Sequence[APIRouter], setup_sql: str = ""
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient, Any]]:
    """An app wired like every service's, its pool on `s.database_url` with the runtime's
    migrations applied, and a client for it. Unhandled errors come back as the 500 answer a
    real server would send, not as exceptions."""

    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        yield

    pool = await db.create_pool(s.database_url, max_size=8)
    try:
        await db.migrate(pool, RUNTIME_MIGRATIONS)
        if setup_sql:
            await pool.execute(setup_sql)
        app = create_app(
            title="test", description="", lifespan=lifespan, ready_checks={}, routers=routers
        )
        app.state.service = Service(settings=s, migrations=RUNTIME_MIGRATIONS, pool=pool)
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://test", headers=ENGLISH
        ) as client:
            yield app, client, pool
    finally:
        await pool.close()
