"""Bearer JWT authentication and role checks: asymmetric algorithms only, the key named by `kid`
in the configured JWKS, claims into a `Principal`; routes `require` roles and check objects
themselves; read-only tokens are refused writes early: docs/architecture.md, "Authentication".
"""

from __future__ import annotations

import asyncio
import logging
import os
import time
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import Any

import jwt
from fastapi import Depends, FastAPI, Request
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from jwt import PyJWK, PyJWKClient, PyJWKSet
from starlette.responses import Response

from servicekit.messages import Msg
from servicekit.problems import Problem
from servicekit.settings import ServiceSettings

log = logging.getLogger("servicekit.auth")

SAFE_ALGORITHMS = frozenset({"RS256", "ES256", "EdDSA"})
REALM = "thidua"


class Role(StrEnum):
    PROVINCE_ADMIN = "province_admin"
    UNIT_OFFICER = "unit_officer"
    COUNCIL_MEMBER = "council_member"
    COUNCIL_SECRETARY = "council_secretary"
    INTEGRATION_CLIENT = "integration_client"
    OPERATOR = "operator"
    # The Fatherland Front (Ủy ban MTTQ tỉnh) and its member organisations, who take part in
    # supervising the emulation and commendation work (Luật Thi đua, khen thưởng 2022, Điều 8):
    # they read what the council reads across the province and write nothing but their own
    # supervision findings (services/awards/commands/findings.py).
    SUPERVISOR = "supervisor"


# Scopes of an integration client's token (the `scope` claim, space-separated as in RFC 8693):
# `read` reads what the role reads; `subscriptions` manages its own webhook subscriptions;
# `reports:<unit_id>` writes reports for that unit (`reports:*` for any). A client token without a
# `scope` claim keeps the role's old reach (reads, subscriptions, reports for any unit): that is
# deprecated; `./thidua token --read --subscriptions --reports-for U` mints scoped ones. Every
# client token reads (`read` marks one that only reads).
SCOPE_READ = "read"
SCOPE_SUBSCRIPTIONS = "subscriptions"
SCOPE_REPORTS = "reports:"


@dataclass(frozen=True)
class Principal:
    """Who is calling, from a verified token. `sub` is the only identifier that may be logged."""

    sub: str
    roles: frozenset[Role]
    unit_id: str | None = None
    council_id: str | None = None
    client_id: str | None = None
    scopes: frozenset[str] | None = None
    """The token's scopes; None when it has no `scope` claim (an unscoped, deprecated client)."""

    @property
    def is_person(self) -> bool:
        """A person's token, not an integration client's: answered in Vietnamese unless the
        request asks otherwise (servicekit.messages.default_for)."""
        return Role.INTEGRATION_CLIENT not in self.roles

    def has_role(self, *roles: Role | str) -> bool:
        return any(Role(r) in self.roles for r in roles)

    def may_act_for_unit(self, unit_id: str) -> bool:
        """A province administrator acts for any unit; a unit officer only for their own."""
        if Role.PROVINCE_ADMIN in self.roles:
            return True
        return Role.UNIT_OFFICER in self.roles and self.unit_id == str(unit_id)

    @property
    def read_only(self) -> bool:
        """Writes nothing but what a route admits explicitly (`require(..., read_only=True)`):
        a supervisor without a writing role, or a client whose scopes grant no write."""
        if not self.roles or self.roles - {Role.SUPERVISOR, Role.INTEGRATION_CLIENT}:
            return False  # a person (no role) or a writing role
        if Role.SUPERVISOR in self.roles or self.scopes is None:
            return Role.SUPERVISOR in self.roles  # an unscoped client writes (deprecated)
        return not any(s == SCOPE_SUBSCRIPTIONS or s.startswith(SCOPE_REPORTS) for s in self.scopes)

    def may_manage_subscriptions(self) -> bool:
        return Role.INTEGRATION_CLIENT in self.roles and (
            self.scopes is None or SCOPE_SUBSCRIPTIONS in self.scopes
        )

    def may_report_for(self, unit_id: object) -> bool:
        """Reports for a unit: an administrator, the unit's officer, an unscoped client (old
        tokens), or a client whose scopes name the unit (or `reports:*`)."""
        if self.may_act_for_unit(str(unit_id)):
            return True
        if Role.INTEGRATION_CLIENT not in self.roles:
            return False
        if self.scopes is None:
            return True
        return f"{SCOPE_REPORTS}{unit_id}" in self.scopes or f"{SCOPE_REPORTS}*" in self.scopes

    def sits_on_council(self, council_id: str) -> bool:
        """Members and the secretary act only in their own council (no administrator bypass:
        an administrator does not vote)."""
        return bool(
            self.roles & {Role.COUNCIL_MEMBER, Role.COUNCIL_SECRETARY}
        ) and self.council_id == str(council_id)


# Roles that see beyond one unit; a unit officer holding none of them sees their own unit only.
WIDER_THAN_A_UNIT = (
    Role.PROVINCE_ADMIN,
    Role.INTEGRATION_CLIENT,
    Role.COUNCIL_SECRETARY,
    Role.COUNCIL_MEMBER,
    Role.OPERATOR,
    Role.SUPERVISOR,
)


def is_officer_only(p: Principal) -> bool:
    """A unit officer without a wider role: sees and acts for their own unit only."""
    return p.has_role(Role.UNIT_OFFICER) and not p.has_role(*WIDER_THAN_A_UNIT)


class InvalidToken(Exception):
    """Why a token was refused: `reason` is a stable code, `description` a sentence."""

    def __init__(self, reason: str, description: str) -> None:
        super().__init__(description)
        self.reason = reason
        self.description = description


class KeysUnavailable(Exception):
    """The key set cannot be read: a server problem (503), not the client's."""


# ---- keys -----------------------------------------------------------------------------------


class _FileKeys:
    """A JWKS file, re-read when it changes (so keys can rotate without a restart)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._stamp: tuple[int, int] | None = None
        self._keys: dict[str, PyJWK] = {}

    async def get(self, kid: str) -> PyJWK | None:
        try:
            st = os.stat(self.path)
        except OSError as exc:
            raise KeysUnavailable(f"key set {self.path} not readable: {exc.strerror}") from exc
        if (st.st_mtime_ns, st.st_size) != self._stamp:
            try:
                keyset = PyJWKSet.from_json(self.path.read_text())
            except (OSError, ValueError, jwt.PyJWTError) as exc:
                raise KeysUnavailable(f"key set {self.path} unusable: {exc}") from exc
            self._keys = {
                k.key_id: k for k in keyset.keys if k.key_id and k.public_key_use in (None, "sig")
            }
            self._stamp = (st.st_mtime_ns, st.st_size)
        return self._keys.get(kid)


class _UrlKeys:
    """A JWKS endpoint through PyJWKClient: cached for 5 minutes, fetched again (with a cooldown)
    when an unknown kid shows up. Its HTTP call blocks, hence the thread."""

    def __init__(self, url: str) -> None:
        self._client = PyJWKClient(url, cache_jwk_set=True, lifespan=300, timeout=5)

    async def get(self, kid: str) -> PyJWK | None:
        try:
            return await asyncio.to_thread(self._client.get_signing_key, kid)
        except jwt.PyJWKClientConnectionError as exc:
            raise KeysUnavailable(f"key set not reachable: {exc}") from exc
        except jwt.PyJWKClientError:
            return None


class _NoKeys:
    async def get(self, kid: str) -> PyJWK | None:
        raise KeysUnavailable("no key set configured (THIDUA_JWKS_FILE or THIDUA_JWKS_URL)")


# ---- verification ---------------------------------------------------------------------------

# Checked in this order: InvalidSignatureError is a DecodeError, the claim errors are
# InvalidTokenErrors.
_JWT_ERRORS: list[tuple[type[Exception], str, str]] = [
    (jwt.ExpiredSignatureError, "expired", Msg("token expired")),
    (jwt.ImmatureSignatureError, "not_yet_valid", Msg("token not valid yet (nbf)")),
    (jwt.InvalidAudienceError, "audience", Msg("token audience not accepted")),
    (jwt.InvalidIssuerError, "issuer", Msg("token issuer not accepted")),
    (jwt.InvalidSignatureError, "signature", Msg("signature verification failed")),
    (jwt.InvalidAlgorithmError, "algorithm", Msg("algorithm not accepted")),
    (jwt.DecodeError, "malformed", Msg("token is malformed")),
]


class TokenVerifier:
    def __init__(
        self,
        *,
        keys: Any,
        issuer: str,
        audience: str,
        algorithms: Iterable[str] = SAFE_ALGORITHMS,
        leeway: float = 30,
        max_lifetime: float = 12 * 3600,
    ) -> None:
        self.keys = keys
        self.max_lifetime = max_lifetime
        self.issuer = issuer
        self.audience = audience
        self.algorithms = frozenset(algorithms) & SAFE_ALGORITHMS
        self.leeway = leeway
        # token → (the key that verified it, its exp, its principal): a client sends the same
        # token with every request, and checking its signature cost ~5 % of a POST's CPU
        self._verified: dict[str, tuple[PyJWK, float, Principal]] = {}

    @classmethod
    def from_settings(cls, s: ServiceSettings) -> TokenVerifier:
        if s.jwks_file:
            keys: Any = _FileKeys(Path(s.jwks_file))
        elif s.jwks_url:
            keys = _UrlKeys(s.jwks_url)
        else:
            keys = _NoKeys()
        unsafe = set(s.jwt_algorithms) - SAFE_ALGORITHMS
        if unsafe:
            log.warning("ignoring algorithms not allowed for tokens: %s", sorted(unsafe))
        return cls(
            keys=keys,
            issuer=s.jwt_issuer,
            audience=s.jwt_audience,
            algorithms=s.jwt_algorithms,
            leeway=s.jwt_leeway_seconds,
            max_lifetime=s.jwt_max_lifetime_seconds,
        )

    async def verify(self, token: str) -> Principal:
        """The token's principal, or InvalidToken / KeysUnavailable."""
        try:
            header = jwt.get_unverified_header(token)
        except jwt.DecodeError as exc:
            raise InvalidToken("malformed", "token is malformed") from exc
        alg = header.get("alg")
        if not isinstance(alg, str):
            raise InvalidToken("algorithm", "token names no algorithm")
        if alg not in self.algorithms:
            raise InvalidToken("algorithm", Msg("algorithm {alg} not accepted", alg=repr(alg[:20])))
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("unknown_key", "token names no key (kid)")
        key = await self.keys.get(kid)
        if key is None:
            raise InvalidToken("unknown_key", "token signed with an unknown key (kid)")
        if key.algorithm_name != alg:  # no algorithm confusion across key types
            raise InvalidToken(
                "algorithm", Msg("algorithm {alg} does not match the key", alg=repr(alg))
            )
        known = self._verified.get(token)
        # verified before with the key still current (a rotated-out key is a miss), not expired
        if known is not None and known[0] is key and time.time() < known[1] + self.leeway:
            return known[2]
        try:
            claims = jwt.decode(
                token,
                key.key,
                algorithms=[alg],
                audience=self.audience,
                issuer=self.issuer,
                leeway=self.leeway,
                options={"require": ["exp", "iat", "iss", "aud", "sub"]},
            )
        except jwt.MissingRequiredClaimError as exc:
            raise InvalidToken(
                "claims", Msg("token lacks the {claim} claim", claim=repr(exc.claim))
            ) from exc
        except jwt.PyJWTError as exc:
            for kind, reason, description in _JWT_ERRORS:
                if isinstance(exc, kind):
                    raise InvalidToken(reason, description) from exc
            raise InvalidToken("invalid", "token not accepted") from exc
        lifetime = claims["exp"] - claims["iat"]
        if not isinstance(lifetime, int | float) or lifetime > self.max_lifetime:
            raise InvalidToken(
                "lifetime",
                Msg(
                    "token lives longer than the {seconds} s allowed",
                    seconds=int(self.max_lifetime),
                ),
            )
        principal = principal_from_claims(claims)
        if len(self._verified) >= _VERIFIED_MAX:
            self._verified.clear()  # bounded; the tokens in use come back at once
        self._verified[token] = (key, float(claims["exp"]), principal)
        return principal


_VERIFIED_MAX = 10_000


def principal_from_claims(claims: dict[str, Any]) -> Principal:
    sub = claims.get("sub")
    roles = claims.get("roles", [])
    if not isinstance(sub, str) or not sub:
        raise InvalidToken("claims", "token 'sub' must be a non-empty string")
    if not isinstance(roles, list) or not all(isinstance(r, str) for r in roles):
        raise InvalidToken("claims", "token 'roles' must be a list of strings")
    unknown = sorted(set(roles) - set(Role))
    if unknown:
        raise InvalidToken(
            "claims", Msg("token names unknown roles: {roles}", roles=", ".join(unknown))
        )

    def text(name: str) -> str | None:
        value = claims.get(name)
        if value is not None and not isinstance(value, str | int):
            raise InvalidToken("claims", Msg("token '{name}' must be a string", name=name))
        return None if value is None else str(value)

    scope = claims.get("scope")
    if scope is not None and not isinstance(scope, str):
        raise InvalidToken("claims", "token 'scope' must be a space-separated string")
    principal = Principal(
        sub=sub,
        roles=frozenset(Role(r) for r in roles),
        unit_id=text("unit_id"),
        council_id=text("council_id"),
        client_id=text("client_id"),
        scopes=None if scope is None else frozenset(scope.split()),
    )
    if Role.UNIT_OFFICER in principal.roles and not principal.unit_id:
        raise InvalidToken("claims", "a unit officer's token must name its 'unit_id'")
    return principal


# ---- FastAPI dependencies -------------------------------------------------------------------

_bearer = HTTPBearer(auto_error=False, description="JWT signed by the province's identity provider")


def verifier_for(app: FastAPI) -> TokenVerifier:
    """The app's verifier: `app.state.token_verifier` if set, else built once from the settings of
    `app.state.service` (what servicekit.service.build_app installs)."""
    verifier = getattr(app.state, "token_verifier", None)
    if verifier is None:
        verifier = TokenVerifier.from_settings(app.state.service.settings)
        app.state.token_verifier = verifier
    return verifier


def _token_refused(reason: str, description: str) -> Problem:
    challenge = f'Bearer realm="{REALM}"'
    if reason != "missing":  # RFC 6750 §3.1: no error code when no token was sent
        # the description may quote the token's own header: keep RFC 6750's character set
        safe = "".join(c for c in description if " " <= c <= "~" and c not in '"\\')[:200]
        challenge += f', error="invalid_token", error_description="{safe}"'
    return Problem(
        401,
        "Not authenticated",
        description,
        type="invalid-token" if reason != "missing" else "unauthenticated",
        headers={"WWW-Authenticate": challenge},
        reason=reason,
    )


async def principal_of(request: Request) -> Principal:
    """The caller, verified once per request (cached in `request.state.principal`)."""
    cached = getattr(request.state, "principal", None)
    if isinstance(cached, Principal):
        return cached
    header = request.headers.get("authorization")
    if not header:
        raise _token_refused("missing", "a bearer token is required")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise _token_refused("malformed", "the Authorization header must be 'Bearer <token>'")
    try:
        principal = await verifier_for(request.app).verify(token.strip())
    except InvalidToken as exc:
        raise _token_refused(exc.reason, exc.description) from exc
    except KeysUnavailable as exc:
        log.error("cannot verify tokens: %s", exc)
        raise Problem(
            503, None, "token verification is unavailable", type="keys-unavailable"
        ) from exc
    # checked here, before the body is read: a supervisor or a read-only client learns nothing
    # about what a write route accepts (see token_first)
    writes = request.method not in SAFE_METHODS
    if principal.read_only and writes and not _admits_read_only(request.scope.get("route")):
        raise forbidden(
            "this token only reads: a supervisor writes nothing but its findings, a client"
            " only what its scopes name",
            reason="read_only",
        )
    request.state.principal = principal
    return principal


SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
_READ_ONLY_ROUTES: dict[int, bool] = {}


def _admits_read_only(route: Any) -> bool:
    return _route_depends(
        route, _READ_ONLY_ROUTES, lambda call: getattr(call, "admits_read_only", False)
    )


def authenticated(*, read_only: bool = False) -> Callable[..., Awaitable[Principal]]:
    """Dependency: any valid token. `p: Principal = Depends(authenticated())`.
    `read_only=True`: a read-only token (Principal.read_only) may call the route even if it
    writes (a supervisor raising a finding, anyone marking their own inbox read)."""

    async def dependency(
        request: Request, _: HTTPAuthorizationCredentials | None = Depends(_bearer)
    ) -> Principal:
        return await principal_of(request)

    dependency.admits_read_only = read_only  # type: ignore[attr-defined]
    return dependency


def require(*roles: Role | str, read_only: bool = False) -> Callable[..., Awaitable[Principal]]:
    """Dependency: a valid token holding at least one of `roles` (403 otherwise)."""
    wanted = [Role(r) for r in roles]
    if not wanted:
        raise ValueError("require() needs at least one role; use authenticated() for any caller")

    async def dependency(
        principal: Principal = Depends(authenticated(read_only=read_only)),
    ) -> Principal:
        if not principal.has_role(*wanted):
            raise forbidden(
                Msg("requires the role {roles}", roles=" or ".join(wanted)),
                required_roles=list(wanted),
            )
        return principal

    return dependency


def forbidden(detail: str, **extra: Any) -> Problem:
    """A 403 to raise from an object-level check, e.g.
    `if not p.may_act_for_unit(u): raise forbidden("not your unit")`."""
    return Problem(403, "Forbidden", detail, type="forbidden", **extra)


def token_first(
    handler: Callable[[Request, Exception], Awaitable[Response]],
) -> Callable[[Request, Exception], Awaitable[Response]]:
    """Wraps the handler of invalid requests so that a route needing a token answers 401 to a
    caller without a valid one before saying anything about the body: FastAPI parses the body
    before it runs the route's dependencies, so an anonymous caller could otherwise probe what
    the API accepts."""

    async def handle(request: Request, exc: Exception) -> Response:
        if _needs_token(request.scope.get("route")):
            try:
                await principal_of(request)
            except Problem as refused:
                return refused.answer(request)
        return await handler(request, exc)

    return handle


_TOKEN_ROUTES: dict[int, bool] = {}


def _needs_token(route: Any) -> bool:
    return _route_depends(route, _TOKEN_ROUTES, lambda call: call is _bearer)


def _route_depends(route: Any, cache: dict[int, bool], test: Callable[[Any], bool]) -> bool:
    """Whether any dependency of the route, at any depth, passes `test` (cached per route)."""
    dependant = getattr(route, "dependant", None)
    if dependant is None:
        return False
    known = cache.get(id(route))
    if known is None:
        known = cache[id(route)] = _any_dependency(dependant, test)
    return known


def _any_dependency(dependant: Any, test: Callable[[Any], bool]) -> bool:
    return any(test(d.call) or _any_dependency(d, test) for d in dependant.dependencies)
