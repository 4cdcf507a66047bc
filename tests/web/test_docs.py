"""The four APIs' documentation in chromium: Swagger UI at /docs and ReDoc at /redoc render with
every asset served by the service itself (servicekit/http.py, from the fastapi-offline package);
a request to any other host (a CDN) fails the test, as on the web application's pages."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, expect

from infra.profile import SERVICES, Profile
from tests.web.conftest import guarded_page

pytestmark = [pytest.mark.infra, pytest.mark.timeout(300)]


@pytest.mark.parametrize("service", SERVICES)
def test_the_api_docs_load_nothing_from_another_host(
    chromium: Browser, platform: Profile, service: str
):
    page, guard = guarded_page(chromium, platform.service_url(service))
    loaded: list[str] = []
    page.on("requestfinished", lambda request: loaded.append(request.url))
    try:
        page.goto("/docs")
        # the larger documents (awards') take ReDoc seconds to render on a loaded machine
        title = page.locator(".swagger-ui .info .title")
        expect(title).to_contain_text(f"thidua {service}", timeout=60_000)
        expect(page.locator(".swagger-ui .opblock").first).to_be_visible()
        page.goto("/redoc")
        heading = page.get_by_role("heading", level=1)
        expect(heading).to_contain_text(f"thidua {service}", timeout=60_000)
    finally:
        page.context.close()
    assert guard.foreign == []
    # the assets did come from the service (not skipped): its scripts and the document
    assert any("/docs-assets/" in url for url in loaded), loaded
    assert any(url.endswith("/openapi.json") for url in loaded), loaded
