"""Stopping the web application (SIGTERM, as `./thidua down` does) while a dashboard is open:
its event stream ends at once instead of holding the stop until the server's graceful timeout."""

from __future__ import annotations

import re
import subprocess
import time

import httpx
import pytest

from infra import procs, stack
from infra.profile import WEB, Profile
from services.web.session import COOKIE
from tests.web.conftest import campaign

pytestmark = [pytest.mark.infra, pytest.mark.timeout(120)]


def test_an_open_dashboard_does_not_hold_the_stop(platform: Profile, web_url: str):
    cid, _, _ = campaign(platform)
    log = platform.logs / f"{WEB}.log"
    with httpx.Client(base_url=web_url, timeout=30) as browser:
        csrf = re.search(r'name="csrf" value="([^"]+)"', browser.get("/dang-nhap").text)[1]
        form = {"role": "province_admin", "name": "ban-tdkt", "csrf": csrf}
        assert browser.post("/dang-nhap", data=form).status_code == 303
        # progress learns of the campaign from registry's events: on a busy machine a moment
        # after its launch, and the stream is refused (an error page) until then
        deadline = time.monotonic() + 60
        while browser.get(f"/chien-dich/{cid}").status_code != 200:
            assert time.monotonic() < deadline, "progress never served the campaign's dashboard"
            time.sleep(0.5)
        # a browser's EventSource, as curl: connected, reading, never ending the request itself
        cookie = f"{COOKIE}={browser.cookies[COOKIE]}"
        url = f"{web_url}/chien-dich/{cid}/truc-tiep"
        reader = subprocess.Popen(["curl", "-sN", "-b", cookie, url], stdout=subprocess.PIPE)
        try:
            assert reader.stdout is not None and reader.stdout.readline() == b": connected\n"
            time.sleep(1)
            logged = log.stat().st_size
            t0 = time.monotonic()
            assert procs.stop(platform.pids, WEB)
            took = time.monotonic() - t0
        finally:
            reader.kill()
    try:
        assert took < 5, f"the stop took {took:.1f}s with a dashboard open"
        with open(log) as f:
            f.seek(logged)
            assert "timeout graceful shutdown exceeded" not in f.read()
    finally:
        stack.start_services(platform)  # the next tests' web application
