"""Settings of the web application, read from the environment (THIDUA_* and THIDUA_WEB_*)."""

from __future__ import annotations

from pathlib import Path

from pydantic_settings import SettingsConfigDict

from servicekit.settings import ServiceSettings


class WebSettings(ServiceSettings):
    """The four services' base URLs, how people sign in, and the session cookie's key.

    Sign-in: with `web_oidc_issuer` set, people sign in at the province's identity provider
    (authorization code + PKCE, see services/web/signin.py: not built yet); without it and with
    `web_dev_state` (a local profile's state folder, whose development key `./thidua token`
    signs with), a development sign-in mints the same tokens. With neither, nobody signs in."""

    model_config = SettingsConfigDict(env_prefix="THIDUA_", extra="ignore")

    service: str = "web"
    http_port: int = 8105
    web_registry_url: str = "http://127.0.0.1:8101"
    web_progress_url: str = "http://127.0.0.1:8102"
    web_awards_url: str = "http://127.0.0.1:8103"
    web_notify_url: str = "http://127.0.0.1:8104"
    web_session_key: str = ""
    """HMAC key of the session cookie (32 random bytes, base64); required."""
    web_secure_cookies: bool = False
    """Mark the cookies Secure (behind TLS). A request that arrived over https gets them anyway."""
    web_session_seconds: int = 8 * 3600
    web_dev_state: Path | None = None
    web_oidc_issuer: str | None = None
    web_oidc_client_id: str = "thidua-web"
    web_oidc_client_secret: str | None = None
    """A confidential client's secret; a public client relies on PKCE alone."""
    web_oidc_redirect_url: str | None = None
    """This application's callback as the identity provider knows it
    (https://<host>/dang-nhap/oidc); by default built from the request."""
    web_oidc_scope: str = "openid profile"
    web_live_topic: str = "progress.reports.v1"
    web_api_timeout_s: float = 10.0
    web_traces_file: Path | None = None
    """The local traces sink's file (its spans, one JSON line each): the operators' console shows
    the latest traces and one as a tree from it."""
    web_balancer_stats_url: str | None = None
    """HAProxy's statistics (CSV) where the services run as replicas behind it (the local stack's
    `--replicas`): the console shows each replica's state."""
    web_jaeger_url: str | None = None
    """Jaeger's UI (a deployment's traces): the console links each trace there."""

    def service_urls(self) -> dict[str, str]:
        return {
            "registry": self.web_registry_url.rstrip("/"),
            "progress": self.web_progress_url.rstrip("/"),
            "awards": self.web_awards_url.rstrip("/"),
            "notify": self.web_notify_url.rstrip("/"),
        }
