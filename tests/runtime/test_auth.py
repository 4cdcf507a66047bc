"""Bearer token verification, roles, object-level checks and the audit trail, against a real
PostgreSQL (the audit rows) and real signatures of every allowed algorithm."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable

import jwt
import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from fastapi import APIRouter, Depends
from typer.testing import CliRunner

from infra import tokens
from infra.__main__ import app as cli
from servicekit.auth import (
    InvalidToken,
    Principal,
    Role,
    TokenVerifier,
    authenticated,
    forbidden,
    require,
)
from servicekit.settings import ServiceSettings
from tests.runtime import Signer, running_app, settings

router = APIRouter()


@router.get("/whoami")
async def whoami(p: Principal = Depends(authenticated())) -> dict:
    return {"sub": p.sub, "roles": sorted(p.roles), "unit_id": p.unit_id}


@router.get("/admin")
async def admin_only(p: Principal = Depends(require(Role.PROVINCE_ADMIN))) -> dict:
    return {"sub": p.sub}


@router.post("/units/{unit_id}/reports", status_code=201)
async def report(
    unit_id: str,
    body: dict,
    p: Principal = Depends(require(Role.UNIT_OFFICER, Role.PROVINCE_ADMIN)),
) -> dict:
    if not p.may_act_for_unit(unit_id):
        raise forbidden("a unit officer reports only for their own unit")
    return {"unit_id": unit_id}


@pytest.fixture
def signer(tmp_path) -> Signer:
    return Signer(tmp_path)


@pytest.fixture
async def service(signer, fresh_database):
    async with running_app(settings(signer, fresh_database), [router]) as running:
        yield running


def _b64(obj: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(obj).encode()).rstrip(b"=").decode()


def _unsigned(signer: Signer) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT', 'kid': 'ed-1'})}.{_b64(signer.claims())}."


def _hs256_with_public_key(signer: Signer) -> str:
    """The classic key confusion: HMAC keyed with the RSA public key the verifier holds."""
    public_pem = (
        signer.keys["RS256"][1]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    head = f"{_b64({'alg': 'HS256', 'typ': 'JWT', 'kid': 'rsa-1'})}.{_b64(signer.claims())}"
    mac = hmac.new(public_pem, head.encode(), hashlib.sha256).digest()
    return f"{head}.{base64.urlsafe_b64encode(mac).rstrip(b'=').decode()}"


def _without(claim: str) -> Callable[[Signer], str]:
    def make(signer: Signer) -> str:
        claims = signer.claims()
        del claims[claim]
        key = signer.keys["EdDSA"][1]
        return jwt.encode(claims, key, algorithm="EdDSA", headers={"kid": "ed-1"})

    return make


def _tampered(signer: Signer) -> str:
    """A valid token whose payload was edited (more roles), signature kept."""
    head, _, sig = signer.token(roles=["unit_officer"], unit_id="U1").split(".")
    escalated = _b64(signer.claims(roles=["province_admin", "operator"]))
    return f"{head}.{escalated}.{sig}"


REFUSED = {
    "alg none": (_unsigned, "algorithm"),
    "HS256 keyed with the public key": (_hs256_with_public_key, "algorithm"),
    "wrong audience": (lambda s: s.token(aud="someone-else"), "audience"),
    "wrong issuer": (lambda s: s.token(iss="https://evil.example"), "issuer"),
    "expired beyond leeway": (lambda s: s.token(exp=int(time.time()) - 120), "expired"),
    "not valid yet": (lambda s: s.token(nbf=int(time.time()) + 600), "not_yet_valid"),
    "unknown kid": (
        lambda s: s.token(kid="stranger", key=Ed25519PrivateKey.generate()),
        "unknown_key",
    ),
    "right kid, other key": (lambda s: s.token(key=Ed25519PrivateKey.generate()), "signature"),
    "tampered payload": (_tampered, "signature"),
    "kid of another key type": (lambda s: s.token("ES256", kid="ed-1"), "algorithm"),
    "no exp": (_without("exp"), "claims"),
    "no iat": (_without("iat"), "claims"),
    "lives longer than 12 h": (
        lambda s: s.token(iat=int(time.time()), exp=int(time.time()) + 12 * 3600 + 1),
        "lifetime",
    ),
    "issued a year ago, still valid": (
        lambda s: s.token(iat=int(time.time()) - 365 * 86400, exp=int(time.time()) + 60),
        "lifetime",
    ),
    "unknown role": (lambda s: s.token(roles=["emperor"]), "claims"),
    "unit officer without unit": (lambda s: s.token(roles=["unit_officer"]), "claims"),
    "garbage": (lambda s: "not.a.jwt", "malformed"),
    "alg not a string": (
        lambda s: f"{_b64({'alg': ['EdDSA'], 'kid': 'ed-1'})}.e30.c2ln",
        "algorithm",
    ),
}


@pytest.mark.parametrize("case", REFUSED)
async def test_bad_tokens_are_refused_with_the_reason(case, signer, service):
    make, reason = REFUSED[case]
    token = make(signer)
    _, client, _ = service
    r = await client.get("/whoami", headers={"Authorization": f"Bearer {token}"})
    assert r.status_code == 401, r.text
    assert r.headers["content-type"] == "application/problem+json"
    problem = r.json()
    assert problem["reason"] == reason
    assert {"type", "title", "status", "detail", "instance"} <= problem.keys()
    assert problem["status"] == 401 and problem["instance"] == "/whoami"
    challenge = r.headers["www-authenticate"]
    assert challenge.startswith("Bearer ") and 'error="invalid_token"' in challenge
    assert problem["detail"] in challenge  # the same reason, for clients reading only the header


async def test_missing_or_non_bearer_credentials_are_401(service):
    _, client, _ = service
    r = await client.get("/whoami")
    assert r.status_code == 401 and r.json()["reason"] == "missing"
    assert "error=" not in r.headers["www-authenticate"]  # RFC 6750: no error code without token
    r = await client.get("/whoami", headers={"Authorization": "Basic YWxpY2U6c2VjcmV0"})
    assert r.status_code == 401 and r.json()["reason"] == "malformed"


@pytest.mark.parametrize("alg", ["EdDSA", "RS256", "ES256"])
async def test_valid_token_of_each_allowed_algorithm_is_accepted(alg, signer, service):
    _, client, _ = service
    r = await client.get(
        "/whoami", headers=signer.bearer(alg=alg, roles=["unit_officer"], unit_id="U7")
    )
    assert r.status_code == 200, r.text
    assert r.json() == {"sub": "alice", "roles": ["unit_officer"], "unit_id": "U7"}


async def test_expiry_within_leeway_is_tolerated(signer, service):
    _, client, _ = service
    r = await client.get("/whoami", headers=signer.bearer(exp=int(time.time()) - 5))
    assert r.status_code == 200, r.text


async def test_missing_role_is_403_naming_the_role(signer, service):
    _, client, _ = service
    r = await client.get("/admin", headers=signer.bearer(roles=["council_member"]))
    assert r.status_code == 403
    assert r.headers["content-type"] == "application/problem+json"
    assert r.json()["required_roles"] == ["province_admin"]
    assert "province_admin" in r.json()["detail"]
    r = await client.get("/admin", headers=signer.bearer(roles=["province_admin"]))
    assert r.status_code == 200 and r.json() == {"sub": "alice"}


async def test_unit_officer_acts_only_for_their_own_unit(signer, service):
    _, client, _ = service
    officer = signer.bearer(sub="bob", roles=["unit_officer"], unit_id="U1")
    admin = signer.bearer(sub="carol", roles=["province_admin"])
    assert (await client.post("/units/U1/reports", json={}, headers=officer)).status_code == 201
    other = await client.post("/units/U2/reports", json={}, headers=officer)
    assert other.status_code == 403 and "own unit" in other.json()["detail"]
    assert (await client.post("/units/U2/reports", json={}, headers=admin)).status_code == 201


def test_principal_object_level_helpers():
    admin = Principal(sub="a", roles=frozenset({Role.PROVINCE_ADMIN}))
    officer = Principal(sub="o", roles=frozenset({Role.UNIT_OFFICER}), unit_id="U1")
    member = Principal(sub="m", roles=frozenset({Role.COUNCIL_MEMBER}), council_id="C1")
    assert admin.may_act_for_unit("U9") and officer.may_act_for_unit("U1")
    assert not officer.may_act_for_unit("U2") and not member.may_act_for_unit("U1")
    assert member.sits_on_council("C1") and not member.sits_on_council("C2")
    assert not admin.sits_on_council("C1")  # administrators do not vote


async def test_refusals_and_writes_are_audited_without_personal_data(signer, service):
    _, client, pool = service
    await client.get("/whoami")  # 401, no token
    await client.get("/whoami", headers={"Authorization": f"Bearer {_unsigned(signer)}"})  # 401
    await client.get("/admin", headers=signer.bearer(sub="dave", roles=["council_member"]))  # 403
    await client.get("/whoami", headers=signer.bearer())  # a read: not audited
    officer = signer.bearer(sub="bob", roles=["unit_officer"], unit_id="U1")
    body = {"reporter": "Nguyễn Văn An", "phone": "0912345678"}
    await client.post("/units/U1/reports?note=Nguyễn", json=body, headers=officer)  # 201
    await client.post("/units/U2/reports", json=body, headers=officer)  # 403

    rows = [dict(r) for r in await pool.fetch("SELECT * FROM audit_log ORDER BY id")]
    seen = [(r["actor"], r["action"], r["object"], r["outcome"], r["status"]) for r in rows]
    assert seen == [
        ("anonymous", "GET /whoami", None, "refused", 401),
        ("anonymous", "GET /whoami", None, "refused", 401),
        ("dave", "GET /admin", None, "refused", 403),
        ("bob", "POST /units/{unit_id}/reports", "unit_id=U1", "ok", 201),
        ("bob", "POST /units/{unit_id}/reports", "unit_id=U2", "refused", 403),
    ]
    assert rows[2]["roles"] == ["council_member"] and rows[3]["roles"] == ["unit_officer"]
    everything = json.dumps(rows, default=str)
    assert "Nguy" not in everything and "0912345678" not in everything


async def test_without_a_key_set_tokens_cannot_be_verified_503(fresh_database):
    async with running_app(settings(None, fresh_database), [router]) as (_, client, _):
        well_formed = f"{_b64({'alg': 'EdDSA', 'kid': 'ed-1'})}.e30.c2ln"
        r = await client.get("/whoami", headers={"Authorization": f"Bearer {well_formed}"})
        assert r.status_code == 503, r.text  # the server's fault, not the client's
        assert r.json()["type"] == "urn:thidua:problem:keys-unavailable"
        garbage = await client.get("/whoami", headers={"Authorization": "Bearer a.b"})
        assert garbage.status_code == 401  # an unreadable token is still the client's


async def test_dev_token_command_mints_what_the_default_settings_accept(tmp_path):
    state = tmp_path / "state"
    result = CliRunner().invoke(
        cli,
        ["token", "--role", "unit_officer", "--unit", "U5", "--sub", "alice", "--ttl", "120"],
        env={"THIDUA_STATE": str(state)},
    )
    assert result.exit_code == 0, result.output
    token = result.output.strip()
    assert (state / "auth" / "private.pem").stat().st_mode & 0o077 == 0  # private to its owner

    # default issuer/audience, keys from the generated jwks.json: what the local stack uses
    s = ServiceSettings(service="x", jwks_file=tokens.jwks_file(state))
    principal = await TokenVerifier.from_settings(s).verify(token)
    assert principal == Principal(sub="alice", roles=frozenset({Role.UNIT_OFFICER}), unit_id="U5")

    again = CliRunner().invoke(
        cli, ["token", "--role", "operator", "--sub", "op"], env={"THIDUA_STATE": str(state)}
    )
    assert again.exit_code == 0
    header = json.loads(base64.urlsafe_b64decode(again.output.split(".")[0] + "=="))
    assert header["alg"] == "EdDSA"
    assert header["kid"] == json.loads(tokens.jwks_file(state).read_text())["keys"][0]["kid"]

    refused = CliRunner().invoke(
        cli, ["token", "--role", "unit_officer", "--sub", "x"], env={"THIDUA_STATE": str(state)}
    )
    assert refused.exit_code != 0 and "unit id" in refused.output


async def test_a_token_verified_before_is_refused_once_its_key_is_rotated_out(signer, tmp_path):
    """The verifier remembers tokens it verified; a key removed from the key set still ends them."""
    verifier = TokenVerifier.from_settings(settings(signer, "postgresql://unused"))
    token = signer.token(roles=["unit_officer"], unit_id="U1")
    assert (await verifier.verify(token)).unit_id == "U1"
    assert (await verifier.verify(token)).unit_id == "U1"  # remembered
    keys = json.loads(signer.jwks_file.read_text())["keys"]
    signer.jwks_file.write_text(json.dumps({"keys": [k for k in keys if k["kid"] != "ed-1"]}))
    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(token)
    assert refused.value.reason == "unknown_key"


async def test_a_token_verified_before_is_refused_once_expired(signer):
    found = TokenVerifier.from_settings(settings(signer, "postgresql://unused"))
    verifier = TokenVerifier(
        keys=found.keys, issuer=found.issuer, audience=found.audience, leeway=0
    )
    token = signer.token(exp=int(time.time()) + 1)
    assert (await verifier.verify(token)).sub == "alice"
    await asyncio.sleep(2.1)  # past its exp
    with pytest.raises(InvalidToken) as refused:
        await verifier.verify(token)
    assert refused.value.reason == "expired"


async def test_audit_rows_of_concurrent_requests_are_all_written_in_groups(signer, service):
    app, client, pool = service
    officer = signer.bearer(sub="bob", roles=["unit_officer"], unit_id="U1")
    await client.post("/units/U1/reports", json={}, headers=officer)  # the trail exists now
    trail = app.state.audit_trail
    before = trail.inserts
    await asyncio.gather(
        *(client.post("/units/U1/reports", json={}, headers=officer) for _ in range(20)),
        *(client.get("/admin", headers=officer) for _ in range(10)),  # 403: audited too
    )
    rows = await pool.fetch("SELECT actor, action, status FROM audit_log ORDER BY id")
    statuses = sorted(r["status"] for r in rows[1:])
    assert statuses == [201] * 20 + [403] * 10, "every request has its row"
    assert {r["actor"] for r in rows} == {"bob"}
    inserts = trail.inserts - before
    assert 1 <= inserts < 30, f"{inserts} INSERTs for 30 rows: the rows were not grouped"
