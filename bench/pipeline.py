"""The latency benchmark's anchor: report → webhook written without the framework, as one process
(`python -m bench.pipeline PORT DSN BOOTSTRAP TOPIC HOOK_URL`):

- HTTP: a bare ASGI app under uvicorn (uvloop, httptools), no FastAPI, no auth, no middleware;
  `POST /reports` writes the report, the target's running total and the outbox row in one
  statement (its own transaction) and answers 201 with the report's id, as progress does;
- relay: woken in-process after each commit, reads the outbox in order, sends every row with
  `acks=all` and deletes what was acknowledged;
- consumer: aiokafka, each record POSTed (aiohttp, kept-alive) to HOOK_URL with the report id.

No spans, no inbox, no validation beyond `json.loads`: the physical floor of the same journey on
the same machine, to which the project's latency is compared (bench/latency.py).
"""

from __future__ import annotations

import asyncio
import json
import sys
import uuid

import aiohttp
import asyncpg
import uvicorn
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer

from bench.receiver import read_body

SCHEMA = """
CREATE TABLE IF NOT EXISTS p_reports (report_id uuid PRIMARY KEY, target_id uuid NOT NULL,
                                      value numeric NOT NULL, as_of date NOT NULL);
CREATE TABLE IF NOT EXISTS p_totals (target_id uuid PRIMARY KEY, total numeric NOT NULL,
                                     reports int NOT NULL);
CREATE TABLE IF NOT EXISTS p_outbox (seq bigserial PRIMARY KEY, key text NOT NULL,
                                     payload text NOT NULL);
"""
WRITE = """
WITH r AS (
    INSERT INTO p_reports VALUES ($1, $2, $3, $4)
), t AS (
    INSERT INTO p_totals VALUES ($2, $3, 1)
    ON CONFLICT (target_id) DO UPDATE
    SET total = p_totals.total + EXCLUDED.total, reports = p_totals.reports + 1
)
INSERT INTO p_outbox (key, payload) VALUES ($2::text, $5)
"""


class Pipeline:
    def __init__(self, dsn: str, bootstrap: str, topic: str, hook: str) -> None:
        self.dsn, self.bootstrap, self.topic, self.hook = dsn, bootstrap, topic, hook
        self.wake = asyncio.Event()

    async def start(self) -> None:
        self.pool = await asyncpg.create_pool(self.dsn, min_size=2, max_size=10)
        await self.pool.execute(SCHEMA)
        self.producer = AIOKafkaProducer(
            bootstrap_servers=self.bootstrap, acks="all", enable_idempotence=True, linger_ms=0
        )
        await self.producer.start()
        self.consumer = AIOKafkaConsumer(
            self.topic,
            bootstrap_servers=self.bootstrap,
            group_id=f"bench-pipeline-{uuid.uuid4().hex[:8]}",
            auto_offset_reset="latest",
        )
        await self.consumer.start()
        self.http = aiohttp.ClientSession()
        self.tasks = [asyncio.create_task(self.relay()), asyncio.create_task(self.deliver())]

    async def app(self, scope, receive, send) -> None:
        if scope["type"] == "lifespan":
            while (message := await receive())["type"] != "lifespan.shutdown":
                if message["type"] == "lifespan.startup":
                    await self.start()
                    await send({"type": "lifespan.startup.complete"})
            await send({"type": "lifespan.shutdown.complete"})
            return
        body = await read_body(receive)
        if scope["path"] != "/reports":  # the readiness probe
            await _answer(send, 200, b"{}")
            return
        item = json.loads(body)
        report_id = str(uuid.uuid4())
        payload = json.dumps({"report_id": report_id, **item})
        await self.pool.execute(
            WRITE,
            report_id,
            item["target_id"],
            str(item["value"]),
            _date(item["as_of"]),
            payload,
        )
        self.wake.set()
        await _answer(send, 201, json.dumps({"report": {"report_id": report_id}}).encode())

    async def relay(self) -> None:
        async with self.pool.acquire() as con:
            while True:
                await self.wake.wait()
                self.wake.clear()
                rows = await con.fetch("SELECT seq, key, payload FROM p_outbox ORDER BY seq")
                if not rows:
                    continue
                sent = [
                    await self.producer.send(self.topic, r["payload"].encode(), r["key"].encode())
                    for r in rows
                ]
                await asyncio.gather(*sent)
                await con.execute("DELETE FROM p_outbox WHERE seq <= $1", rows[-1]["seq"])

    async def deliver(self) -> None:
        async for record in self.consumer:
            async with self.http.post(self.hook, data=record.value) as answer:
                await answer.read()


def _date(text: str):
    from datetime import date

    return date.fromisoformat(text)


async def _answer(send, status: int, body: bytes) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", b"%d" % len(body))]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    port, dsn, bootstrap, topic, hook = sys.argv[1:6]
    pipeline = Pipeline(dsn, bootstrap, topic, hook)
    uvicorn.run(
        pipeline.app, host="127.0.0.1", port=int(port), log_level="warning", interface="asgi3"
    )
