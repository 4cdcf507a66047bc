"""An OTLP/HTTP receiver for a local stack: `POST /v1/traces` (protobuf, as the services'
exporters send it; gzip accepted) is decoded with `opentelemetry-proto` and each span appended
to the output file as one JSON line:

    {"trace_id", "span_id", "parent_span_id" (hex; null for a root), "name", "kind",
     "service", "start_ns", "end_ns", "attributes", "links": [{"trace_id", "span_id",
     "attributes"}], "status": {"code", "message"} (only when set)}

Not written: root spans that are a lone database statement (db.system set, no parent, no links):
the background polling of the relays, dispatchers and schedulers, several per second, part of no
journey; they would be most of the file. `/v1/metrics` and `/v1/logs` are accepted and dropped.
With `--forward URL` (an OTLP/HTTP base such as Jaeger's) each trace export is also passed on as
received; a failure there is logged, never refused to the sender. `./thidua trace` reads the
file (infra/traces.py).

    python -m infra.sinks.traces --port 8113 --out .state/dev/sinks/spans.jsonl
"""

from __future__ import annotations

import argparse
import contextlib
import gzip
import logging
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import uvicorn
from google.protobuf.message import DecodeError
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import (
    ExportTraceServiceRequest,
    ExportTraceServiceResponse,
)
from opentelemetry.proto.common.v1.common_pb2 import AnyValue, KeyValue
from opentelemetry.proto.trace.v1.trace_pb2 import Span, Status
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from infra.sinks import append_lines

log = logging.getLogger("traces-sink")
PROTOBUF = "application/x-protobuf"


def value(v: AnyValue) -> Any:
    which = v.WhichOneof("value")
    if which == "array_value":
        return [value(x) for x in v.array_value.values]
    if which == "kvlist_value":
        return attributes(v.kvlist_value.values)
    if which == "bytes_value":
        return v.bytes_value.hex()
    return None if which is None else getattr(v, which)


def attributes(kvs: list[KeyValue]) -> dict[str, Any]:
    return {kv.key: value(kv.value) for kv in kvs}


def _hex(b: bytes) -> str | None:
    return b.hex() if b else None


def background_statement(record: dict[str, Any]) -> bool:
    return (
        record["parent_span_id"] is None
        and not record["links"]
        and "db.system" in record["attributes"]
    )


def span_records(request: ExportTraceServiceRequest) -> list[dict[str, Any]]:
    """One JSON-ready record per span of an export request (background statements left out)."""
    out = []
    for resource_spans in request.resource_spans:
        service = attributes(resource_spans.resource.attributes).get("service.name")
        for scope_spans in resource_spans.scope_spans:
            for s in scope_spans.spans:
                record: dict[str, Any] = {
                    "trace_id": s.trace_id.hex(),
                    "span_id": s.span_id.hex(),
                    "parent_span_id": _hex(s.parent_span_id),
                    "name": s.name,
                    "kind": Span.SpanKind.Name(s.kind).removeprefix("SPAN_KIND_"),
                    "service": service,
                    "start_ns": s.start_time_unix_nano,
                    "end_ns": s.end_time_unix_nano,
                    "attributes": attributes(s.attributes),
                    "links": [
                        {
                            "trace_id": link.trace_id.hex(),
                            "span_id": link.span_id.hex(),
                            "attributes": attributes(link.attributes),
                        }
                        for link in s.links
                    ],
                }
                if s.status.code != Status.STATUS_CODE_UNSET:
                    record["status"] = {
                        "code": Status.StatusCode.Name(s.status.code).removeprefix("STATUS_CODE_"),
                        "message": s.status.message,
                    }
                if not background_statement(record):
                    out.append(record)
    return out


def decode(body: bytes, encoding: str) -> ExportTraceServiceRequest:
    if encoding == "gzip":
        body = gzip.decompress(body)
    request = ExportTraceServiceRequest()
    request.ParseFromString(body)
    return request


def create(out: Path, forward: str | None = None) -> Starlette:
    out.parent.mkdir(parents=True, exist_ok=True)
    client = httpx.AsyncClient(timeout=5) if forward else None

    async def traces(request: Request) -> Response:
        body = await request.body()
        if request.headers.get("content-type", PROTOBUF) != PROTOBUF:
            return PlainTextResponse(f"only {PROTOBUF} is accepted", status_code=415)
        try:
            export = decode(body, request.headers.get("content-encoding", ""))
        except (DecodeError, OSError, EOFError) as e:
            return PlainTextResponse(f"not an OTLP trace export: {e}", status_code=400)
        append_lines(out, span_records(export))
        if client is not None:
            await _forward(client, f"{forward}/v1/traces", body, request)
        return Response(ExportTraceServiceResponse().SerializeToString(), media_type=PROTOBUF)

    async def dropped(request: Request) -> Response:
        await request.body()
        return Response(b"", media_type=PROTOBUF)  # an empty Export*ServiceResponse

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        yield
        if client is not None:
            await client.aclose()

    routes = [
        Route("/v1/traces", traces, methods=["POST"]),
        Route("/v1/metrics", dropped, methods=["POST"]),
        Route("/v1/logs", dropped, methods=["POST"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)


async def _forward(client: httpx.AsyncClient, url: str, body: bytes, request: Request) -> None:
    headers = {
        k: v for k, v in request.headers.items() if k in ("content-type", "content-encoding")
    }
    try:
        r = await client.post(url, content=body, headers=headers)
        if r.status_code >= 300:
            log.warning("forwarding to %s: HTTP %s", url, r.status_code)
    except httpx.HTTPError as e:
        log.warning("forwarding to %s failed: %s", url, type(e).__name__)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m infra.sinks.traces", description=__doc__)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--out", type=Path, required=True, help="the JSON lines file")
    parser.add_argument("--forward", help="an OTLP/HTTP base URL to pass trace exports on to")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    app = create(args.out, args.forward)
    print(f"traces sink: OTLP/HTTP on 127.0.0.1:{args.port}, spans to {args.out}", flush=True)
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning")


if __name__ == "__main__":
    main()
