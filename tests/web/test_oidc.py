"""Signing in at an identity provider (OpenID Connect, authorization code + PKCE): the web
application in process, the provider a real HTTP server (identity_provider.py), the services
those of the test stack, which accept the provider's access token."""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import httpx
import pytest
from fastapi.testclient import TestClient

from infra import tokens
from infra.profile import SERVICES, Profile
from services.web.app import create
from services.web.config import WebSettings
from tests.web.identity_provider import CLIENT_ID, IdentityProvider

pytestmark = pytest.mark.infra


@pytest.fixture
def idp(platform: Profile) -> Iterator[IdentityProvider]:
    with IdentityProvider(platform.state) as provider:
        yield provider


def web(p: Profile, idp: IdentityProvider) -> TestClient:
    settings = WebSettings(
        web_session_key="s" * 40,
        web_oidc_issuer=idp.url,
        web_oidc_client_id=CLIENT_ID,
        jwks_file=tokens.jwks_file(p.state),
        kafka_bootstrap=p.kafka_bootstrap,
        **{f"web_{s}_url": p.service_url(s) for s in SERVICES},
    )
    return TestClient(create(settings), follow_redirects=False)


def at_provider(location: str) -> str:
    """The browser at the provider, which signs the user in and sends it back: the callback's
    path and query on the web application."""
    back = httpx.get(location, follow_redirects=False)
    assert back.status_code == 302, back.text
    parts = urlsplit(back.headers["location"])
    return f"{parts.path}?{parts.query}"


def test_a_person_signs_in_at_the_provider(platform: Profile, idp: IdentityProvider):
    with web(platform, idp) as client:
        assert "Đăng nhập qua cổng định danh" in client.get("/dang-nhap").text
        start = client.get("/dang-nhap/oidc/bat-dau", params={"next": "/chien-dich"})
        assert start.status_code == 303
        query = parse_qs(urlsplit(start.headers["location"]).query)
        assert query["code_challenge_method"] == ["S256"] and query["client_id"] == [CLIENT_ID]
        assert "code_verifier" not in query  # the verifier never leaves the session

        back = client.get(at_provider(start.headers["location"]))
        assert back.status_code == 303 and back.headers["location"] == "/chien-dich"
        page = client.get("/chien-dich")  # read from the registry with the provider's token
        assert page.status_code == 200 and "Phong trào thi đua" in page.text
        assert "oidc-user" in page.text


def test_a_callback_of_another_sign_in_is_refused(platform: Profile, idp: IdentityProvider):
    with web(platform, idp) as client:
        start = client.get("/dang-nhap/oidc/bat-dau")
        callback = at_provider(start.headers["location"])
        forged = callback.replace("state=", "state=x")
        r = client.get(forged)
        assert r.status_code == 400 and "không khớp" in r.text
        assert client.get("/chien-dich").status_code == 303  # not signed in
        # the start's pending sign-in is spent: the genuine callback does not work afterwards
        assert client.get(callback).status_code == 400


def test_a_stolen_code_is_useless_without_its_verifier(platform: Profile, idp: IdentityProvider):
    """PKCE: a code issued to one browser's sign-in, replayed in another's, is refused by the
    provider (the other browser's verifier does not match the challenge)."""
    with web(platform, idp) as victim, web(platform, idp) as attacker:
        stolen = at_provider(victim.get("/dang-nhap/oidc/bat-dau").headers["location"])
        own = at_provider(attacker.get("/dang-nhap/oidc/bat-dau").headers["location"])
        code = parse_qs(urlsplit(stolen).query)["code"][0]
        state = parse_qs(urlsplit(own).query)["state"][0]
        r = attacker.get("/dang-nhap/oidc", params={"code": code, "state": state})
        assert r.status_code == 400 and "từ chối" in r.text
        assert attacker.get("/chien-dich").status_code == 303


def test_an_id_token_of_another_sign_in_is_refused(platform: Profile, idp: IdentityProvider):
    idp.wrong_nonce = True
    with web(platform, idp) as client:
        start = client.get("/dang-nhap/oidc/bat-dau")
        r = client.get(at_provider(start.headers["location"]))
        assert r.status_code == 400 and "nonce" in r.text
        assert client.get("/chien-dich").status_code == 303
