"""The demo webhook receiver: takes notify's POSTs on `/hooks` (and any path under it, so each
subscription can have its own), verifies the `Thidua-Signature` with notify's own recipe
(`services.notify.adapters.webhook.verify`) and the receiver's secret, answers 204 when it holds
and 401 when not, and appends one JSON line per request to the output file:

    {"time", "path", "verified", "duplicate", "ce-type", "ce-id", "ce-subject", "traceparent",
     "body"}

`body` is the parsed JSON payload (the raw text if it is not JSON).

It deduplicates as notify's documentation asks every receiver to (`docs/webhooks.md`): notify
sends at least once, so a verified request whose `ce-id` this path already took (a retry after
a lost answer, a re-send after a crash, an operator's redelivery) is answered 204 like the first
and recorded with `"duplicate": true`, not as a new delivery. Each path stands for a subscriber
of its own; the ids taken are read back from the output file at start, so a restart of the sink
forgets nothing.

`--delay S` answers S seconds after recording (a slow receiver, for fault drills).

    python -m infra.sinks.hooks --port 8112 --out .state/dev/sinks/hooks.jsonl \\
        --secret-file .state/dev/secrets/webhook-receiver-secret
"""

from __future__ import annotations

import argparse
import asyncio
import json
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from infra.sinks import append_lines
from services.notify.adapters.webhook import SIGNATURE_HEADER, verify

RECORDED_HEADERS = ("ce-type", "ce-id", "ce-subject", "traceparent")


def create(secret: str, out: Path, delay_s: float = 0.0) -> Starlette:
    out.parent.mkdir(parents=True, exist_ok=True)
    taken = _taken(out)

    async def receive(request: Request) -> Response:
        raw = await request.body()
        verified = verify(secret, request.headers.get(SIGNATURE_HEADER, ""), raw)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        ce_id = request.headers.get("ce-id")
        key = (request.url.path, ce_id or "")
        duplicate = verified and ce_id is not None and key in taken
        if verified and ce_id is not None:
            taken.add(key)
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "path": request.url.path,
            "verified": verified,
            "duplicate": duplicate,
            **{name: request.headers.get(name) for name in RECORDED_HEADERS},
            "body": body,
        }
        append_lines(out, [record])
        if delay_s:
            await asyncio.sleep(delay_s)
        return Response(status_code=204 if verified else 401)

    routes = [
        Route("/hooks", receive, methods=["POST"]),
        Route("/hooks/{rest:path}", receive, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def _taken(out: Path) -> set[tuple[str, str]]:
    """(path, ce-id) of the verified requests the output file holds."""
    taken: set[tuple[str, str]] = set()
    if out.exists():
        for line in out.read_text(encoding="utf-8").splitlines():
            try:
                record = json.loads(line)
            except ValueError:
                continue  # a line cut short by a crash
            if record.get("verified") and record.get("ce-id"):
                taken.add((record["path"], record["ce-id"]))
    return taken


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.sinks.hooks", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="the JSON lines file")
    parser.add_argument("--secret-file", type=Path, required=True, help="the receiver's secret")
    parser.add_argument("--delay", type=float, default=0.0, help="seconds before each answer")
    args = parser.parse_args(argv)
    app = create(args.secret_file.read_text().strip(), args.out, args.delay)
    print(f"hooks sink: http://127.0.0.1:{args.port}/hooks, requests to {args.out}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
