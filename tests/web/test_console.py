"""The operators' console in chromium on the real stack: an operator sees every component's
state; a dead letter this test causes in progress (a unit the consumer fails on, through a
trigger the test puts on progress's read model and takes away again: the bug and its fix) is
found, redriven from the page and applied; a webhook to a receiver that is down is parked,
the receiver comes back, the delivery is redelivered from the page and delivered; a trace sent
with a report is shown as a tree; axe-core passes on each console page."""

from __future__ import annotations

import asyncio
import re
import secrets
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from uuid import uuid4

import asyncpg
import httpx
import pytest
from playwright.sync_api import Browser, Page, expect

from infra import balancer, browser, postgres
from infra.profile import ROOT, Profile
from tests.web.conftest import PHONE, bearer, campaign, guarded_page, screenshot, sign_in
from tests.web.test_accessibility import violations
from tests.web.test_browser import wait_until_progress_knows

pytestmark = [pytest.mark.infra, pytest.mark.timeout(420)]

POISON = """
CREATE OR REPLACE FUNCTION console_test_poison() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.code LIKE 'POISON.%' THEN
        RAISE EXCEPTION 'console test poison: unit %', NEW.code;
    END IF;
    RETURN NEW;
END $$;
DROP TRIGGER IF EXISTS console_test_poison ON units;
CREATE TRIGGER console_test_poison BEFORE INSERT OR UPDATE ON units
    FOR EACH ROW EXECUTE FUNCTION console_test_poison();
"""
CURE = "DROP TRIGGER IF EXISTS console_test_poison ON units"


def on_database(p: Profile, service: str, sql: str, *args: Any) -> Any:
    """One statement on a service's database, from a thread of its own (Playwright's sync API
    holds this thread's event loop)."""

    async def run() -> Any:
        con = await asyncpg.connect(postgres.dsn(p, service))
        try:
            return await con.fetch(sql, *args) if args else await con.execute(sql)
        finally:
            await con.close()

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, run()).result()


def eventually(check, what: str, timeout: float = 90) -> Any:
    deadline = time.monotonic() + timeout
    while not (found := check()):
        assert time.monotonic() < deadline, f"after {timeout:.0f}s: {what}"
        time.sleep(0.5)
    return found


class Receiver:
    """A webhook receiver on loopback answering `status` (503: down; 204: fixed)."""

    def __init__(self) -> None:
        self.status = 503
        self.received = 0
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("content-length") or 0))
                receiver.received += 1
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hooks"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture(scope="module")
def parked_webhook(platform: Profile) -> Iterator[dict[str, Any]]:
    """A campaign's TargetReported subscribed by a system whose receiver is down, and one report
    sent with a sampled trace of the test's own: its delivery is on its way to being parked (8
    attempts with backoff, a minute or two) while the other tests run."""
    p = platform
    receiver = Receiver()
    cid, unit, target = campaign(p)
    client = bearer(p, sub="console-client", roles=["integration_client"], client_id="qlvb-test")
    subscription = httpx.post(
        f"{p.service_url('notify')}/subscriptions",
        json={
            "url": receiver.url,
            "filter": {"event_types": ["TargetReported"], "campaign_ids": [cid]},
            "secret": "whsec-console-test-" + secrets.token_hex(8),
        },
        headers=client,
        timeout=30,
    )
    assert subscription.status_code == 201, subscription.text
    wait_until_progress_knows(p, target, unit)
    trace_id = secrets.token_hex(16)
    officer = bearer(p, sub="console-officer", roles=["unit_officer"], unit_id=unit)
    report = httpx.post(
        f"{p.service_url('progress')}/reports",
        json={"target_id": target, "value": 5300, "as_of": "2020-11-20", "evidence": ["BC-1"]},
        headers={**officer, "traceparent": f"00-{trace_id}-{secrets.token_hex(8)}-01"},
        timeout=30,
    )
    assert report.status_code == 201, report.text
    yield {"receiver": receiver, "subscription": subscription.json()["id"], "trace_id": trace_id}
    receiver.server.shutdown()


def operator_headers(p: Profile) -> dict[str, str]:
    return bearer(p, sub="console-api-test", roles=["operator"])


def test_an_operator_sees_every_component_and_redrives_a_dead_letter(
    page: Page, platform: Profile, parked_webhook: dict[str, Any]
):
    p = platform
    code = f"POISON.{uuid4().hex[:8]}"
    on_database(p, "progress", POISON)
    try:
        admin = bearer(p, sub="console-admin", roles=["province_admin"])
        unit = {
            "code": code,
            "name": "Đơn vị thử thư lỗi",
            "kind": "department",
            "level": "province",
            "valid_from": "2015-01-01",
        }
        r = httpx.post(f"{p.service_url('registry')}/units", json=unit, headers=admin, timeout=30)
        assert r.status_code == 201, r.text
        letters = f"{p.service_url('progress')}/operations/dead-letters"

        def poisoned() -> dict | None:
            answer = httpx.get(letters, headers=operator_headers(p), timeout=30)
            assert answer.status_code == 200, answer.text
            return next((d for d in answer.json()["items"] if code in (d["error"] or "")), None)

        letter = eventually(poisoned, f"progress never dead-lettered unit {code}")
    finally:
        on_database(p, "progress", CURE)  # the bug is fixed
    assert letter["redriven_at"] is None and letter["consumer"] == "progress"
    assert letter["topic"] == "registry.units.v1" and letter["attempts"] >= 1

    sign_in(page, role="operator", name="van-hanh-1")
    expect(page).to_have_url(f"{p.service_url('web')}/van-hanh")
    for name in ("registry", "progress", "awards", "notify", "Kafka", "PostgreSQL", "web"):
        expect(page.locator(f"tr[data-component='{name}'] .badge")).to_have_text("ready")
    lag = page.get_by_role("region", name="Độ trễ tiêu thụ (consumer lag)")
    expect(lag.get_by_role("row").filter(has_text="registry.units.v1").first).to_be_visible()
    expect(page.locator("tr[data-outbox=progress] td").first).not_to_have_text("—")
    expect(page.get_by_text("registry.units.v1.dlq:")).to_be_visible()
    screenshot(page, "van-hanh")

    page.get_by_role("link", name="Thư lỗi (dead letters)").first.click()
    waiting = page.get_by_role("region", name="Thư lỗi chờ xử lý")
    row = waiting.get_by_role("row").filter(has_text=code)
    expect(row).to_contain_text("UnitRegistered")
    screenshot(page, "thu-loi")
    row.get_by_role("link").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("registry.units.v1.dlq")
    expect(page.locator(".facts")).to_contain_text(f"console test poison: unit {code}")
    expect(page.locator(".payload")).to_contain_text(code)
    screenshot(page, "thu-loi-mot")
    page.get_by_role("button", name="Gửi lại").click()
    expect(page.get_by_role("status")).to_contain_text("Đã gửi lại về registry.units.v1")
    expect(page.get_by_role("status")).to_contain_text("van-hanh-1")
    expect(page.get_by_role("button", name="Gửi lại")).to_have_count(0)

    # applied this time: progress has the unit, and no new letter of it was written
    eventually(
        lambda: on_database(p, "progress", "SELECT 1 FROM units WHERE code = $1", code),
        f"progress never applied unit {code} after the redrive",
    )
    page.goto("/van-hanh/thu-loi")
    expect(page.get_by_role("region", name="Thư lỗi chờ xử lý").get_by_text(code)).to_have_count(0)
    redriven = page.get_by_role("region", name="Thư lỗi đã gửi lại").get_by_role("row")
    expect(redriven.filter(has_text=code)).to_contain_text("van-hanh-1")

    # the API behind it: operators only, once per letter, audited
    one = f"{letters}/registry.units.v1/{letter['partition']}/{letter['offset']}"
    assert httpx.get(one, timeout=30).status_code == 401
    admin_get = httpx.get(one, headers=admin, timeout=30)
    assert admin_get.status_code == 403, admin_get.text
    again = httpx.post(f"{one}/redrive", headers=operator_headers(p), timeout=30)
    assert again.status_code == 409, again.text
    assert again.json()["type"].endswith("dead-letter-redriven")
    missing = httpx.get(f"{letters}/registry.units.v1/0/999999999", headers=operator_headers(p))
    assert missing.status_code == 404, missing.text
    audit = on_database(
        p,
        "progress",
        "SELECT actor, outcome FROM audit_log WHERE object = $1 ORDER BY at",
        f"dead-letter:registry.units.v1.dlq/{letter['partition']}/{letter['offset']}",
    )
    assert [(a["actor"], a["outcome"]) for a in audit] == [
        ("van-hanh-1", "ok"),
        ("console-api-test", "invalid"),
    ]


def test_an_operator_redelivers_a_parked_delivery(
    page: Page, platform: Profile, parked_webhook: dict[str, Any]
):
    p, receiver = platform, parked_webhook["receiver"]
    deliveries = f"{p.service_url('notify')}/deliveries"

    def parked() -> dict | None:
        answer = httpx.get(
            deliveries,
            params={"status": "parked", "subscription_id": parked_webhook["subscription"]},
            headers=operator_headers(p),
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        return next(iter(answer.json()["items"]), None)

    delivery = eventually(parked, "the webhook delivery was never parked", timeout=240)
    assert receiver.received >= 1

    receiver.status = 204  # the receiving system is back
    sign_in(page, role="operator", name="van-hanh-2")
    page.get_by_role("link", name="Gửi tin bị dừng").click()
    row = page.locator(f"tr[data-delivery='{delivery['id']}']")
    expect(row).to_contain_text("TargetReported")
    expect(row).to_contain_text("webhook")
    screenshot(page, "gui-tin")
    row.get_by_role("link").click()
    expect(page.get_by_role("status")).to_contain_text("bị dừng")
    page.get_by_role("button", name="Gửi lại").click()
    # queued again, or already sent: the dispatcher, woken by the redelivery, may beat the page
    expect(page.get_by_role("status")).to_contain_text(re.compile("đang chờ gửi|đã gửi được"))
    for _ in range(60):  # the dispatcher sends it within seconds
        page.reload()
        if "đã gửi được" in (page.get_by_role("status").text_content() or ""):
            break
        time.sleep(1)
    expect(page.get_by_role("status")).to_contain_text("đã gửi được")
    expect(page.get_by_role("row").filter(has_text="delivered")).to_have_count(1)
    screenshot(page, "gui-tin-mot")


def test_an_operator_reads_a_trace_as_a_tree(
    page: Page, platform: Profile, parked_webhook: dict[str, Any]
):
    trace_id = parked_webhook["trace_id"]
    spans = platform.sinks_dir / "spans.jsonl"
    eventually(lambda: spans.exists() and trace_id in spans.read_text(), "the trace's spans")
    sign_in(page, role="operator", name="van-hanh-3")
    page.get_by_role("link", name="Vết (traces)").click()
    latest = page.get_by_role("region", name="Vết mới nhất").locator("a[href^='/van-hanh/vet/']")
    expect(latest.first).to_be_visible()
    page.goto(f"/van-hanh/vet/{trace_id}")
    expect(page.get_by_role("heading", level=1)).to_contain_text(trace_id)
    tree = page.get_by_role("region", name="Cây span của vết")
    root = tree.locator("tr[data-depth='0']").first
    expect(root).to_contain_text("POST /reports")
    expect(root).to_contain_text("progress")
    expect(tree.locator("tr[data-depth='1']").first).to_be_visible()
    expect(tree.locator("svg rect").first).to_have_attribute("x", "0.0")
    screenshot(page, "vet")
    page.goto(f"/van-hanh/vet/{'0' * 32}")
    expect(page.get_by_role("alert")).to_contain_text("Không có vết")


def test_the_console_pages_pass_axe(
    chromium: Browser, web_url: str, platform: Profile, parked_webhook: dict[str, Any]
):
    """Each page with content: after the tests above, a redriven letter, the delivered delivery
    and the report's trace are there to show."""
    axe = str(browser.ensure_axe(ROOT / ".state" / "vendor"))
    page, guard = guarded_page(chromium, web_url, bypass_csp=True)
    found: dict[str, list[str]] = {}
    try:
        sign_in(page, role="operator", name="axe-van-hanh")
        found["tổng quan"] = violations(page, axe)
        for path in ("/van-hanh/thu-loi", "/van-hanh/gui-tin", "/van-hanh/vet"):
            page.goto(path)
            found[path] = violations(page, axe)
        page.goto(f"/van-hanh/vet/{parked_webhook['trace_id']}")
        found["một vết"] = violations(page, axe)
        page.goto("/van-hanh/thu-loi")
        page.locator("table a[href^='/van-hanh/thu-loi/']").first.click()
        expect(page.get_by_role("heading", level=1)).to_contain_text(".dlq")
        found["một thư lỗi"] = violations(page, axe)
        answer = httpx.get(
            f"{platform.service_url('notify')}/deliveries",
            params={"subscription_id": parked_webhook["subscription"]},
            headers=operator_headers(platform),
            timeout=30,
        )
        page.goto(f"/van-hanh/gui-tin/{answer.json()['items'][0]['id']}")
        found["một tin"] = violations(page, axe)
    finally:
        page.context.close()
    assert guard.foreign == []
    assert {name: v for name, v in found.items() if v} == {}


def test_a_unit_officer_is_refused_the_console(page: Page, platform: Profile):
    _, unit, _ = campaign(platform)
    sign_in(page, role="unit_officer", name="can-bo-khong-van-hanh", unit_id=unit)
    page.goto("/van-hanh")
    expect(page.get_by_role("alert")).to_have_text("Trang này dành cho cán bộ vận hành hệ thống.")


def test_the_console_shows_the_replicas_behind_the_balancer(page: Page, platform: Profile):
    """A real HAProxy on the profile's statistics port with two registry replicas, one the
    running registry and one a closed port: the console says 1/2 and which is down."""
    p = platform
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed = s.getsockname()[1]
    config = p.state / "console-test-haproxy.cfg"
    config.write_text(
        "\n".join(
            [
                "defaults",
                "    mode http",
                "    timeout connect 2s",
                "    timeout client 10s",
                "    timeout server 10s",
                "    option httpchk GET /ready",
                "    http-check expect status 200",
                "    default-server inter 300 fall 2 rise 1",
                "listen stats",
                f"    bind 127.0.0.1:{p.balancer_stats_port}",
                "    stats enable",
                "    stats uri /stats",
                "backend registry_replicas",
                f"    server registry-1 127.0.0.1:{p.http_ports['registry']} check",
                f"    server registry-2 127.0.0.1:{closed} check",
                "",
            ]
        )
    )
    haproxy = subprocess.Popen([balancer.ensure_binary(), "-db", "-f", str(config)])
    try:
        eventually(
            lambda: (
                (found := balancer.replicas(p)) is not None
                and [r.status.split(" ")[0] for r in found] == ["UP", "DOWN"]
            ),
            "HAProxy's checks",
            timeout=30,
        )
        sign_in(page, role="operator", name="van-hanh-4")
        replicas = page.locator("tr[data-component='registry'] [data-replicas]")
        expect(replicas).to_contain_text("1/2 bản sao sẵn sàng")
        expect(replicas).to_contain_text("registry-2 DOWN")
        expect(page.locator("tr[data-component='progress'] [data-replicas]")).to_have_count(0)
    finally:
        haproxy.terminate()
        haproxy.wait(10)


def test_the_console_fits_a_phone(chromium: Browser, web_url: str, platform: Profile):
    """Nothing wider than the screen but the tables' own scrolling boxes, on each console page."""
    page, guard = guarded_page(chromium, web_url, viewport=PHONE, is_mobile=True)
    wide = {}
    try:
        sign_in(page, role="operator", name="van-hanh-dien-thoai")
        expect(page.get_by_role("heading", level=1)).to_have_text("Vận hành hệ thống")
        screenshot(page, "van-hanh-dien-thoai")
        for path in ("/van-hanh", "/van-hanh/thu-loi", "/van-hanh/gui-tin", "/van-hanh/vet"):
            page.goto(path)
            width = page.evaluate("document.documentElement.scrollWidth")
            if width > PHONE["width"]:
                wide[path] = width
    finally:
        page.context.close()
    assert not guard.foreign, guard.foreign
    assert wide == {}, f"wider than a {PHONE['width']}px phone: {wide}"
