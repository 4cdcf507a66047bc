"""A webhook receiver for the latency benchmark, run as its own process so the load generator
cannot delay it: `python -m bench.receiver PORT FILE` answers 204 to every POST and appends
`<report_id> <arrival, unix seconds>` to FILE for each webhook whose body names a report."""

from __future__ import annotations

import json
import sys
import time

import uvicorn


async def read_body(receive) -> bytes:
    body = b""
    while True:
        message = await receive()
        body += message.get("body", b"")
        if not message.get("more_body"):
            return body


def app_writing_to(path: str):
    out = open(path, "a", buffering=1)  # noqa: SIM115 - line-buffered for the reader, process-long

    async def app(scope, receive, send):
        if scope["type"] != "http":
            return
        body = await read_body(receive)
        at = time.time()
        try:
            report_id = json.loads(body).get("report_id")
        except (ValueError, AttributeError):
            report_id = None
        if report_id:
            out.write(f"{report_id} {at:.6f}\n")
        await send({"type": "http.response.start", "status": 204, "headers": []})
        await send({"type": "http.response.body", "body": b""})

    return app


if __name__ == "__main__":
    port, path = int(sys.argv[1]), sys.argv[2]
    uvicorn.run(app_writing_to(path), host="127.0.0.1", port=port, log_level="warning")
