"""The demo webhook receiver: takes notify's POSTs on `/hooks` (and any path under it, so each
subscription can have its own), verifies the `Thidua-Signature` with notify's own recipe
(`services.notify.webhook.verify`) and the receiver's secret, answers 204 when it holds and 401
when not, and appends one JSON line per request to the output file:

    {"time", "path", "verified", "ce-type", "ce-id", "ce-subject", "traceparent", "body"}

`body` is the parsed JSON payload (the raw text if it is not JSON).

    python -m infra.sinks.hooks --port 8112 --out .state/dev/sinks/hooks.jsonl \\
        --secret-file .state/dev/secrets/webhook-receiver-secret
"""

from __future__ import annotations

import argparse
import json
from datetime import UTC, datetime
from pathlib import Path

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from infra.sinks import append_lines
from services.notify.webhook import SIGNATURE_HEADER, verify

RECORDED_HEADERS = ("ce-type", "ce-id", "ce-subject", "traceparent")


def create(secret: str, out: Path) -> Starlette:
    out.parent.mkdir(parents=True, exist_ok=True)

    async def receive(request: Request) -> Response:
        raw = await request.body()
        verified = verify(secret, request.headers.get(SIGNATURE_HEADER, ""), raw)
        try:
            body = json.loads(raw)
        except ValueError:
            body = raw.decode("utf-8", "replace")
        record = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "path": request.url.path,
            "verified": verified,
            **{name: request.headers.get(name) for name in RECORDED_HEADERS},
            "body": body,
        }
        append_lines(out, [record])
        return Response(status_code=204 if verified else 401)

    routes = [
        Route("/hooks", receive, methods=["POST"]),
        Route("/hooks/{rest:path}", receive, methods=["POST"]),
    ]
    return Starlette(routes=routes)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.sinks.hooks", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="the JSON lines file")
    parser.add_argument("--secret-file", type=Path, required=True, help="the receiver's secret")
    args = parser.parse_args(argv)
    app = create(args.secret_file.read_text().strip(), args.out)
    print(f"hooks sink: http://127.0.0.1:{args.port}/hooks, requests to {args.out}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
