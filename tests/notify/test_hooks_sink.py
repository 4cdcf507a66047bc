"""The demo webhook receiver (`infra/sinks/hooks.py`) deduplicates on ce-id as docs/webhooks.md
asks receivers to, and a restarted receiver still knows what it took (it reads its file back)."""

from __future__ import annotations

import json
import time

import httpx

from infra import traces as sink_lines
from infra.sinks.hooks import create
from services.notify.adapters.webhook import SIGNATURE_HEADER, sign

SECRET = "whsec-bo-nhan-mau-2020"
BODY = json.dumps({"n": 1}).encode()


async def post(app, path: str, ce_id: str) -> int:
    headers = {SIGNATURE_HEADER: sign(SECRET, int(time.time()), BODY), "ce-id": ce_id}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://hooks") as client:
        return (await client.post(path, content=BODY, headers=headers)).status_code


async def test_a_restarted_receiver_still_knows_the_events_it_took(tmp_path):
    out = tmp_path / "hooks.jsonl"
    first = create(SECRET, out)
    assert await post(first, "/hooks/a", "e-1") == 204
    restarted = create(SECRET, out)
    assert await post(restarted, "/hooks/a", "e-1") == 204  # acknowledged, not taken again
    assert await post(restarted, "/hooks/b", "e-1") == 204  # another subscriber's first
    lines = sink_lines.read(out)
    assert [(h["path"], h["duplicate"]) for h in lines] == [
        ("/hooks/a", False),
        ("/hooks/a", True),
        ("/hooks/b", False),
    ]
