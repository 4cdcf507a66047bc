"""How the demo talks to the platform: the public HTTP APIs with development tokens of the actors
(the province's administrator, unit officers, bloc heads, council members, integration clients),
problems shown as the service explained them, and polling with a deadline for what happens
asynchronously (the services learn each other's facts through Kafka)."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx

from infra import tokens
from infra.profile import Profile

T = TypeVar("T")
ADMIN = "ubnd-camau-admin"


class DemoError(RuntimeError):
    pass


def problem_text(r: httpx.Response) -> str:
    try:
        body = r.json()
    except ValueError:
        return r.text[:500]
    detail = body.get("detail") or body.get("title") or ""
    errors = body.get("errors") or []
    lines = [f"{e.get('pointer') or e.get('row', '')} {e.get('detail', '')}" for e in errors[:8]]
    return "; ".join([str(detail), *lines])


@dataclass
class Platform:
    """The four services of a profile, and tokens minted for whoever acts."""

    profile: Profile
    http: httpx.Client = field(default_factory=lambda: httpx.Client(timeout=30))
    _tokens: dict[tuple, str] = field(default_factory=dict)

    def token(
        self,
        sub: str,
        *roles: str,
        unit_id: str | None = None,
        council_id: str | None = None,
        client_id: str | None = None,
    ) -> dict[str, str]:
        key = (sub, roles, unit_id, council_id, client_id)
        if key not in self._tokens:
            self._tokens[key] = tokens.mint(
                self.profile.state,
                sub=sub,
                roles=roles,
                unit_id=unit_id,
                council_id=council_id,
                client_id=client_id,
                ttl=4 * 3600,
            )
        return {"authorization": f"Bearer {self._tokens[key]}"}

    # the actors
    @property
    def admin(self) -> dict[str, str]:
        return self.token(ADMIN, "province_admin")

    def officer(self, unit_code: str, unit_id: str) -> dict[str, str]:
        return self.token(f"vanthu-{unit_code.lower()}", "unit_officer", unit_id=unit_id)

    def client(self, client_id: str) -> dict[str, str]:
        return self.token(client_id, "integration_client", client_id=client_id)

    @property
    def operator(self) -> dict[str, str]:
        return self.token("demo-operator", "operator")

    def call(
        self,
        service: str,
        method: str,
        path: str,
        *,
        who: dict[str, str],
        json: Any = None,
        content: bytes | None = None,
        params: dict | None = None,
        headers: dict[str, str] | None = None,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> httpx.Response:
        r = self.http.request(
            method,
            self.profile.service_url(service) + path,
            json=json,
            content=content,
            params=params,
            headers={**who, **(headers or {})},
        )
        if r.status_code not in ok:
            raise DemoError(f"{service} {method} {path} → {r.status_code}: {problem_text(r)}")
        return r

    def get(self, service: str, path: str, who: dict[str, str], **params: Any) -> Any:
        return self.call(service, "GET", path, who=who, params=params or None).json()

    def post(self, service: str, path: str, body: Any, who: dict[str, str], **kw: Any) -> Any:
        r = self.call(service, "POST", path, who=who, json=body, **kw)
        return r.json() if r.content else None

    def put(self, service: str, path: str, body: Any, who: dict[str, str]) -> Any:
        r = self.call(service, "PUT", path, who=who, json=body)
        return r.json() if r.content else None

    def pages(self, service: str, path: str, who: dict[str, str], **params: Any) -> list[dict]:
        """Every item of a paginated list (`items`, `next_cursor`)."""
        items: list[dict] = []
        cursor = None
        while True:
            page = self.get(service, path, who, **params, **({"cursor": cursor} if cursor else {}))
            items += page["items"]
            cursor = page.get("next_cursor")
            if not cursor:
                return items


def event_name(item: dict) -> str:
    """An inbox item's event name from its CloudEvents type (vn.thidua.x.ReportOverdue.v1)."""
    t = item.get("event_type") or ""
    return t.split(".")[-2] if t.count(".") >= 2 else t


def poll(what: str, probe: Callable[[], T | None], timeout: float = 120.0, every: float = 0.5) -> T:
    """`probe()` until it returns something other than None (or False), or fail after `timeout`
    seconds naming what was awaited: asynchronous outcomes are awaited, never slept for."""
    deadline = time.monotonic() + timeout
    last: Exception | None = None
    while True:
        try:
            found = probe()
            if found is not None and found is not False:
                return found
        except DemoError as e:  # e.g. a fact the service has not consumed yet
            last = e
        if time.monotonic() > deadline:
            raise DemoError(
                f"gave up waiting for {what} after {timeout:.0f}s"
                + (f" (last: {last})" if last else "")
            )
        time.sleep(every)
