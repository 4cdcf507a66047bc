"""The web application in a real browser, on the real stack: the test profile's Kafka,
PostgreSQL, four services and web application started as processes by the same code as
`./thidua up` (infra.stack), and Debian's chromium (installed by infra/browser.py when missing)
driven by Playwright through its `executable_path` (Playwright's own browser download is not
used).

Every page a test opens is watched: a request to any host but the web application's own fails
the test (`page` below), and is aborted before it leaves the machine."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from infra import browser, procs, stack
from infra.profile import ROOT, WEB, Profile, load
from tests.e2e.test_trace import bearer, launch_campaign

SCREENSHOTS = ROOT / ".state" / "screenshots"
PHONE = {"width": 360, "height": 740}


@pytest.fixture(scope="session")
def platform() -> Profile:
    p = load("test")
    stack.start_infra(p)
    # the test stack outlives a run: the services and the web application are started afresh so
    # that what is tested is this checkout's code (a service left by an earlier run of older code
    # answered these pages without a field they read)
    for name in [*(name for name, _, _ in stack.processes(p)), WEB]:
        procs.stop(p.pids, name)
    try:
        stack.start_services(p, timeout=180)
    except SystemExit as e:
        pytest.fail(f"the test stack's services did not start: {e}")
    return p


@pytest.fixture(scope="session")
def web_url(platform: Profile) -> str:
    return platform.service_url(WEB)


@pytest.fixture(scope="package")
def chromium(platform: Profile) -> Iterator[Browser]:
    # after the platform: Playwright's sync API keeps an event loop running in this thread,
    # where infra.stack's asyncio.run would then refuse to start; and for this package only,
    # so that the other folders' tests find no loop of Playwright's running when they start
    executable = browser.ensure_chromium()
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=str(executable), args=["--no-sandbox"])
        try:
            yield b
        finally:
            b.close()


class Guard:
    """The requests of a page to another host than the web application's."""

    def __init__(self, own: str) -> None:
        self.own = urlsplit(own).netloc
        self.foreign: list[str] = []

    def check(self, url: str) -> bool:
        parts = urlsplit(url)
        if parts.scheme in ("data", "blob", "about") or parts.netloc == self.own:
            return True
        self.foreign.append(url)
        return False


def guarded_page(b: Browser, web_url: str, **context: Any) -> tuple[Page, Guard]:
    ctx = b.new_context(base_url=web_url, locale="vi-VN", **context)
    guard = Guard(web_url)
    # every request, the page's own included, passes here: a foreign one is noted and aborted
    ctx.route(
        "**/*", lambda route: route.continue_() if guard.check(route.request.url) else route.abort()
    )
    return ctx.new_page(), guard


@pytest.fixture
def page(chromium: Browser, web_url: str) -> Iterator[Page]:
    pg, guard = guarded_page(chromium, web_url)
    yield pg
    pg.context.close()
    assert not guard.foreign, f"pages requested other hosts: {guard.foreign}"


def screenshot(page: Page, name: str) -> Path:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=True)
    return path


def campaign(p: Profile) -> tuple[str, str, str]:
    """A launched 2020 campaign with one department and one target (5.250 tỷ đồng by
    31/12/2020), set up through the public APIs. Returns (campaign, unit, target)."""
    import httpx

    async def run() -> tuple[str, str, str]:
        async with httpx.AsyncClient(timeout=30) as client:
            return await launch_campaign(client, p)

    # in a thread of its own: Playwright's sync API holds this thread's event loop
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def nominate(p: Profile, unit: str) -> str:
    """The unit's nomination of itself for Tập thể lao động tiên tiến 2020, its dossier
    complete, sent by its officer through the API. Returns its id."""
    import time

    import httpx

    officer = bearer(p, sub="web-test", roles=["unit_officer"], unit_id=unit)
    body = {
        "nominee": {"kind": "collective", "id": unit},
        "award_code": "TTLDTT",
        "year": 2020,
        "proposer_unit_id": unit,
        "documents": [
            {"type": kind, "ref": f"urn:stc:ttldtt-2020:{kind}"}
            for kind in ("submission", "achievement_report", "review_minutes")
        ],
    }
    url = f"{p.service_url('awards')}/nominations"
    deadline = time.monotonic() + 60
    # awards learns the unit from the registry's events on Kafka
    while (r := httpx.post(url, json=body, headers=officer)).status_code != 201:
        assert time.monotonic() < deadline, f"awards never took the nomination: {r.text}"
        time.sleep(0.5)
    return r.json()["nomination_id"]


__all__ = ["bearer", "campaign", "guarded_page", "nominate", "screenshot", "sign_in"]


def sign_in(page: Page, *, role: str, name: str, unit_id: str | None = None) -> None:
    """Through the development sign-in form, with the keyboard's labels as a person sees them."""
    page.goto("/dang-nhap")
    page.check(f"input[name=role][value={role}]")
    page.get_by_label("Tên đăng nhập").fill(name)
    if unit_id:
        page.get_by_label("Đơn vị (với cán bộ thi đua)").select_option(unit_id)
    page.get_by_role("button", name="Đăng nhập").click()
    page.wait_for_load_state()
