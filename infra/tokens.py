"""Development tokens: one Ed25519 key pair per profile, and bearer JWTs signed with it.

`<state>/auth/private.pem` stays local; `<state>/auth/jwks.json` is what the services verify
against (THIDUA_JWKS_FILE). Tokens carry the default issuer and audience of ServiceSettings, so a
service with default settings accepts them.

    ./thidua token --role unit_officer --unit U1 --sub alice [--ttl 3600] [--profile test]
    ./thidua token --role integration_client --sub stats --read --reports-for U1
    ./thidua token --role supervisor --unit MTTQ --sub mttq-1
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import json
import os
import tempfile
import time
import uuid
from collections.abc import Iterable
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from servicekit.auth import SCOPE_READ, SCOPE_REPORTS, SCOPE_SUBSCRIPTIONS, Role
from servicekit.settings import ServiceSettings

ALGORITHM = "EdDSA"
ISSUER = ServiceSettings.model_fields["jwt_issuer"].default
AUDIENCE = ServiceSettings.model_fields["jwt_audience"].default


def auth_dir(state: Path) -> Path:
    return state / "auth"


def jwks_file(state: Path) -> Path:
    """What THIDUA_JWKS_FILE must point to for services of the profile whose state dir this is."""
    return auth_dir(state) / "jwks.json"


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_jwk(key: Ed25519PrivateKey) -> dict[str, str]:
    x = _b64(
        key.public_key().public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
    )
    # RFC 7638 thumbprint as the key id: stable for the key, different for the next one
    members = json.dumps({"crv": "Ed25519", "kty": "OKP", "x": x}, separators=(",", ":"))
    kid = _b64(hashlib.sha256(members.encode()).digest())
    return {"kty": "OKP", "crv": "Ed25519", "x": x, "kid": kid, "alg": ALGORITHM, "use": "sig"}


def _write_atomically(path: Path, data: bytes, mode: int, *, exclusive: bool) -> None:
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        os.fchmod(fd, mode)
        os.write(fd, data)
        os.close(fd)
        if exclusive:
            with contextlib.suppress(FileExistsError):  # another process made it first
                os.link(tmp, path)
        else:
            os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def ensure_keys(state: Path) -> Ed25519PrivateKey:
    """The profile's signing key, generated on first use; jwks.json is (re)written from it."""
    folder = auth_dir(state)
    folder.mkdir(parents=True, exist_ok=True)
    private = folder / "private.pem"
    if not private.exists():
        pem = Ed25519PrivateKey.generate().private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        _write_atomically(private, pem, 0o600, exclusive=True)
    key = serialization.load_pem_private_key(private.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey), f"{private} is not an Ed25519 key"
    jwks = json.dumps({"keys": [public_jwk(key)]}, indent=2).encode()
    target = jwks_file(state)
    if not target.exists() or target.read_bytes() != jwks:
        _write_atomically(target, jwks, 0o644, exclusive=False)
    return key


def mint(
    state: Path,
    *,
    sub: str,
    roles: Iterable[str],
    unit_id: str | None = None,
    council_id: str | None = None,
    client_id: str | None = None,
    scopes: Iterable[str] | None = None,
    ttl: int = 3600,
    issuer: str = ISSUER,
    audience: str = AUDIENCE,
) -> str:
    """A signed token for the profile whose state dir is `state`."""
    roles = [Role(r).value for r in roles]  # an unknown role fails here, not at the service
    if Role.UNIT_OFFICER in roles and not unit_id:
        raise ValueError("a unit_officer token needs a unit id")
    if Role.SUPERVISOR in roles and not unit_id:
        raise ValueError("a supervisor token needs the unit id of the Front body it speaks for")
    key = ensure_keys(state)
    now = int(time.time())
    claims = {
        "iss": issuer,
        "aud": audience,
        "sub": sub,
        "roles": roles,
        "iat": now,
        "nbf": now,
        "exp": now + ttl,
        "jti": str(uuid.uuid4()),
    }
    for name, value in (("unit_id", unit_id), ("council_id", council_id), ("client_id", client_id)):
        if value is not None:
            claims[name] = value
    if scopes is not None:
        claims["scope"] = " ".join(scopes)
    return jwt.encode(claims, key, algorithm=ALGORITHM, headers={"kid": public_jwk(key)["kid"]})


def client_scopes(
    *, read: bool = False, subscriptions: bool = False, reports_for: Iterable[str] = ()
) -> list[str] | None:
    """The `scope` of a client token from the CLI's options; None (unscoped) when none given."""
    scopes = [SCOPE_READ] if read else []
    if subscriptions:
        scopes.append(SCOPE_SUBSCRIPTIONS)
    scopes += [f"{SCOPE_REPORTS}{unit}" for unit in reports_for]
    return scopes or None
