"""End-to-end latency: HTTP report → progress (one transaction, outbox) → relay → Kafka →
notify (consumer: inbox, delivery row) → dispatcher → webhook received by a local receiver.

progress and notify run as processes (`python -m services.<name>`) on fresh databases and fresh
topics; the receiver (bench/receiver.py) is a process of its own that notes when each report's
webhook arrived. Reports are sent open-loop at fixed rates (report i is due at start + i/rate,
whatever happened to the others) for a bounded time, over kept-alive connections; latency runs
from a report's due time to its webhook's arrival.

Baseline: the same journey without the framework (bench/pipeline.py: one process, one statement
per report, an in-process relay, a consumer posting the webhook), at the same rates in the same
run; each rate's note also gives the first hop alone (the median time from a report's due time to
progress's 201). Tracing: the services run at the default sampling (servicekit.telemetry), and
200/s is run again with every trace recorded (`parentbased_always_on`, not exported). Each rate
also prints the CPU each part of the machine spent per accepted report (progress, notify, the
receiver, the load generator, every PostgreSQL backend, the Kafka broker): on two cores, their
sum times the rate says how close to saturation that rate is.
"""

from __future__ import annotations

import asyncio
import collections
import json
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from datetime import date

import httpx

from bench import data
from bench.harness import Context, CpuMeter, Result, free_port, mb, service
from bench.ingest import CONSUMED, PARTITIONS, REPORTS, prefill, progress_env
from infra.profile import ROOT

# BENCH_LATENCY_RATES="200" for one rate while experimenting
_RATES = os.environ.get("BENCH_LATENCY_RATES", "50,100,150,200,500")
RATES = tuple(int(r) for r in _RATES.split(","))
SECONDS = 10.0


class Receiver:
    """The webhook receiver process (bench/receiver.py) and what it noted so far."""

    def __init__(self, ctx: Context) -> None:
        self.port = free_port()
        self.path = ctx.state / f"webhooks-{uuid.uuid4().hex[:8]}.txt"
        self.arrived: dict[str, float] = {}
        self.proc: subprocess.Popen | None = None
        self._offset = 0

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError("the webhook receiver is not started")
        return self.proc.pid

    async def start(self) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self.path.touch()
        self.proc = subprocess.Popen(  # noqa: ASYNC220 - forking is instant
            [sys.executable, "-m", "bench.receiver", str(self.port), str(self.path)], cwd=ROOT
        )
        async with httpx.AsyncClient() as client:
            for _ in range(100):
                try:
                    await client.post(f"http://127.0.0.1:{self.port}/", content=b"{}")
                    return
                except httpx.TransportError:
                    await asyncio.sleep(0.1)
        raise RuntimeError("the webhook receiver did not start")

    def read(self) -> dict[str, float]:
        with open(self.path) as f:
            f.seek(self._offset)
            text = f.read()
        complete = text[: text.rfind("\n") + 1]
        self._offset += len(complete.encode())
        for line in complete.splitlines():
            report_id, at = line.split()
            self.arrived.setdefault(report_id, float(at))
        return self.arrived

    async def stop(self) -> None:
        if self.proc is not None:
            self.proc.terminate()
            await asyncio.to_thread(self.proc.wait)
        self.path.unlink(missing_ok=True)


def percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(q / 100 * (len(ordered) - 1)))]


ALL_TRACES = {"OTEL_TRACES_SAMPLER": "parentbased_always_on"}


async def run(ctx: Context) -> list[Result]:
    today = date.today()
    pv = data.province(units=50, targets_per_unit=20, bloc_size=25, year=today.year)
    seconds = max(2.0, SECONDS * min(1.0, ctx.scale * 10))
    receiver = Receiver(ctx)
    await receiver.start()
    try:
        results, peaks = await _measure(ctx, pv, seconds, receiver, RATES)
        traced, _ = await _measure(
            ctx, pv, seconds, receiver, (200,), ALL_TRACES, " (traces 100 %)"
        )
        anchor = await _pipeline(ctx, pv, seconds, receiver)
    finally:
        await receiver.stop()
    results = [*results, *traced]
    for r in results:
        _beside(r, anchor.get(r.extra["rate"]))
    results += _summary(results, anchor.get(200))
    for name, peak in peaks.items():
        results.append(
            Result(
                f"memory: {name} during latency",
                mb(peak),
                "MB",
                "≤ 150 MB",
                mb(peak) <= 150,
                lower_is_better=True,
                note="peak RSS of the service process while the rates ran",
            )
        )
    return results


async def _measure(
    ctx: Context,
    pv: data.Province,
    seconds: float,
    receiver: Receiver,
    rates: tuple[int, ...],
    env: dict[str, str] | None = None,
    label: str = "",
):
    results: list[Result] = []
    catalog = {name: PARTITIONS[name] for name in CONSUMED}
    async with ctx.topics(catalog) as topics, ctx.database() as p_dsn, ctx.database() as n_dsn:
        await prefill(p_dsn, pv)
        group = uuid.uuid4().hex[:8]
        p_env = {
            **progress_env(topics, f"bench-progress-{group}"),
            "THIDUA_RELAY_ENABLED": "true",
            "THIDUA_PROGRESS_READ_OWN_TOPICS": "false",  # the live service, as deployed
            **(env or {}),
        }
        n_env = {
            "THIDUA_CONSUME_TOPICS": json.dumps([REPORTS]),
            "THIDUA_TOPIC_NAMES": json.dumps({REPORTS: topics[REPORTS]}),
            "THIDUA_CONSUMER_GROUP": f"bench-notify-{group}",
            "THIDUA_WEBHOOK_ALLOWED_NETWORKS": json.dumps(["127.0.0.0/8"]),
            **(env or {}),
        }
        async with (
            service(ctx, "progress", p_dsn, p_env) as progress,
            service(ctx, "notify", n_dsn, n_env) as notify,
        ):
            client_token = ctx.token(
                sub="bench-client", roles=["integration_client"], client_id="bench-client"
            )
            auth = {"Authorization": f"Bearer {client_token}"}
            limits = httpx.Limits(max_connections=200, max_keepalive_connections=200)
            async with httpx.AsyncClient(timeout=30, limits=limits) as http:
                r = await http.post(
                    f"{notify.url}/subscriptions",
                    headers=auth,
                    json={
                        "url": f"http://127.0.0.1:{receiver.port}/hook",
                        "filter": {"event_types": ["TargetReported"]},
                    },
                )
                if r.status_code != 201:
                    raise RuntimeError(f"subscription refused: {r.status_code} {r.text}")
                await _warm_up(http, progress.url, auth, pv, receiver)
                print("  warmed up", flush=True)
                for proc in (progress, notify):
                    if proc.rss:
                        proc.rss.reset()  # start-up is not what is measured
                for rate in rates:
                    meter = CpuMeter(
                        {
                            "progress": progress.pid,
                            "notify": notify.pid,
                            "receiver": receiver.pid,
                            "load": os.getpid(),
                        }
                    )
                    results.append(
                        await _at_rate(
                            progress.url, auth, pv, receiver, rate, seconds, meter, label
                        )
                    )
                    print(f"  {rate}/s: {results[-1].note}", flush=True)
            peaks = {p.name: (p.rss.peak if p.rss else 0) for p in (progress, notify)}
    return results, peaks


def _body(pv: data.Province, rnd: random.Random) -> dict:
    t = pv.targets[rnd.randrange(len(pv.targets))]
    return {
        "target_id": str(t.target_id),
        "value": round(t.target_value * rnd.uniform(0.05, 0.9), 2),
        "as_of": date.today().isoformat(),
    }


async def _post(
    http: httpx.AsyncClient, url: str, auth: dict, body: dict
) -> tuple[str | None, float, float]:
    """(report id, sent at, round trip)."""
    for attempt in (1, 2):
        sent = time.time()
        try:
            r = await http.post(f"{url}/reports", headers=auth, json=body)
            break
        except (httpx.ReadError, httpx.RemoteProtocolError):
            # the server closed an idle keep-alive connection as we reused it: not latency
            if attempt == 2:
                return None, sent, time.time() - sent
        except httpx.HTTPError:  # e.g. no free connection for 30 s: the service fell behind
            return None, sent, time.time() - sent
    rtt = time.time() - sent
    if r.status_code != 201:
        return None, sent, rtt
    return r.json()["report"]["report_id"], sent, rtt


async def _warm_up(http, url, auth, pv, receiver: Receiver) -> None:
    """Until a report's webhook arrives: consumer groups joined, connections open."""
    rnd = random.Random(0)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        report_id, _, _ = await _post(http, url, auth, _body(pv, rnd))
        for _ in range(20):
            if report_id in receiver.read():
                return
            await asyncio.sleep(0.1)
    raise TimeoutError("no webhook arrived within 90 s of warming up")


class Poster:
    """POSTs reports over `size` kept-alive HTTP/1.1 connections written by hand: httpx costs
    about a millisecond of this process's CPU per request, and at 500/s the load generator
    itself became the bottleneck. Each connection takes the next report off a queue."""

    def __init__(self, url: str, auth: dict, size: int = 64) -> None:
        self.host, port = url.removeprefix("http://").split(":")
        self.port = int(port)
        self.head = (
            f"POST /reports HTTP/1.1\r\nhost: {self.host}:{self.port}\r\n"
            f"authorization: {auth['Authorization']}\r\ncontent-type: application/json\r\n"
        ).encode()
        self.size = size
        self.failures: collections.Counter[str] = collections.Counter()  # why a report failed

    async def run(self, jobs: asyncio.Queue) -> list[tuple[str | None, float, float]]:
        done: list[tuple[str | None, float, float]] = []
        await asyncio.gather(*(self._worker(jobs, done) for _ in range(self.size)))
        return done

    async def _worker(self, jobs: asyncio.Queue, done: list) -> None:
        conn = None
        while (job := await jobs.get()) is not None:
            body, scheduled = job
            for _attempt in (1, 2):
                try:
                    if conn is None:
                        conn = await asyncio.open_connection(self.host, self.port)
                    report_id = await self._post(*conn, body)
                    break
                except (OSError, asyncio.IncompleteReadError, ValueError) as e:
                    conn = None  # closed while idle: open another and send again
                    report_id = None
                    if _attempt == 2:
                        self.failures[type(e).__name__] += 1
            done.append((report_id, scheduled, time.time() - scheduled))
        if conn is not None:
            conn[1].close()

    async def _post(self, reader, writer, body: bytes) -> str | None:
        writer.write(self.head + b"content-length: %d\r\n\r\n" % len(body) + body)
        head = await reader.readuntil(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        length = 0
        for line in head.split(b"\r\n"):
            if line[:15].lower() == b"content-length:":
                length = int(line[15:])
        payload = await reader.readexactly(length)
        if status == 201:
            return json.loads(payload)["report"]["report_id"]
        self.failures[f"HTTP {status} {json.loads(payload).get('title', '')}".strip()] += 1
        return None


async def _at_rate(
    url, auth, pv, receiver: Receiver, rate: int, seconds: float, meter: CpuMeter, label=""
) -> Result:
    """Open loop: report i is due at start + i/rate; its latency counts from then, so a service
    that falls behind shows it (no coordinated omission). `meter` measures the CPU each part of
    the machine spent from the first report to the last webhook."""
    rnd = random.Random(rate)
    count = int(rate * seconds)
    poster = Poster(url, auth)
    jobs: asyncio.Queue = asyncio.Queue()
    meter.start()
    sending = asyncio.create_task(poster.run(jobs))
    start = time.time()
    for i in range(count):
        due = start + i / rate
        delay = due - time.time()
        if delay > 0:
            await asyncio.sleep(delay)
        jobs.put_nowait((json.dumps(_body(pv, rnd)).encode(), due))
    for _ in range(poster.size):
        jobs.put_nowait(None)
    sent = await sending
    accepted = [(rid, at) for rid, at, _ in sent if rid]
    deadline = time.time() + 30
    while time.time() < deadline:
        arrived = receiver.read()
        if all(r in arrived for r, _ in accepted):
            break
        await asyncio.sleep(0.2)
    used = meter.stop()
    per_report = {part: 1e3 * t / max(1, len(accepted)) for part, t in used.items()}
    latencies = [
        (receiver.arrived[rid] - at) * 1e3 for rid, at in accepted if rid in receiver.arrived
    ]
    rtts = [rtt * 1e3 for _, _, rtt in sent]
    lost = len(accepted) - len(latencies)
    p50, p95, p99 = (percentile(latencies, q) for q in (50, 95, 99))
    worst = max(latencies, default=float("nan"))
    judged = rate == 200 and not label
    return Result(
        f"latency at {rate}/s{label}: p50",
        p50,
        "ms",
        "p50 ≤ 20 ms, p99 ≤ 100 ms (at 200/s)" if judged else "(reference)",
        (p50 <= 20 and p99 <= 100 and lost == 0) if judged else None,
        lower_is_better=True,
        note=f"{count} reports sent in {seconds:.0f} s, {len(accepted)} accepted, "
        f"{len(latencies)} webhooks received ({lost} missing); "
        + (f"not accepted: {dict(poster.failures)}; " if poster.failures else "")
        + f"p95 {p95:.1f} ms, p99 {p99:.1f} ms, max {worst:.1f} ms; "
        + (f"201 answered after {statistics.median(rtts):.1f} ms (median); " if rtts else "")
        + "CPU per report: "
        + ", ".join(f"{part} {ms:.2f} ms" for part, ms in per_report.items()),
        extra={
            "rate": rate,
            "p50": p50,
            "p95": p95,
            "p99": p99,
            "max": worst,
            "sent": count,
            "lost": lost,
            "cpu_ms_per_report": per_report,
        },
    )


async def _pipeline(
    ctx: Context, pv: data.Province, seconds: float, receiver: Receiver
) -> dict[int, Result]:
    """The anchor (bench/pipeline.py) at the same rates, on a fresh database and topic."""
    port = free_port()
    out: dict[int, Result] = {}
    async with ctx.topics({"bench.pipeline.v1": 4}) as topics, ctx.database() as dsn:
        hook = f"http://127.0.0.1:{receiver.port}/hook"
        args = [str(port), dsn, ctx.bootstrap, topics["bench.pipeline.v1"], hook]
        proc = subprocess.Popen(  # noqa: ASYNC220 - forking is instant
            [sys.executable, "-m", "bench.pipeline", *args], cwd=ROOT
        )
        try:
            url = f"http://127.0.0.1:{port}"
            async with httpx.AsyncClient(timeout=30) as http:
                for _ in range(300):
                    try:
                        await http.get(f"{url}/ready")
                        break
                    except httpx.TransportError:
                        await asyncio.sleep(0.1)
                await _warm_up(http, url, {"Authorization": "Bearer -"}, pv, receiver)
            for rate in RATES:
                meter = CpuMeter(
                    {"pipeline": proc.pid, "receiver": receiver.pid, "load": os.getpid()}
                )
                r = await _at_rate(
                    url, {"Authorization": "Bearer -"}, pv, receiver, rate, seconds, meter
                )
                print(f"  minimal pipeline {rate}/s: {r.note}", flush=True)
                out[rate] = r
        finally:
            proc.terminate()
            await asyncio.to_thread(proc.wait)
    return out


def _beside(r: Result, anchor: Result | None) -> None:
    """The anchor's p50 as the row's baseline; the p99 ratio in its note."""
    if anchor is None:
        return
    r.baseline, r.baseline_name = anchor.figure, "minimal pipeline, p50"
    mine, floor = r.extra["p99"], anchor.extra["p99"]
    r.note += f"; minimal pipeline p99 {floor:.1f} ms (p99 ratio {floor / mine:.2f}×)"
    r.extra["anchor"] = anchor.extra


def _summary(results: list[Result], anchor: Result | None) -> list[Result]:
    """The goal rows: CPU per report at 200/s against its goal, and the highest rate whose
    p99 stayed within 100 ms."""
    rows = []
    plain = [r for r in results if "traces" not in r.benchmark]
    at200 = [r for r in plain if r.extra["rate"] == 200]
    if at200:
        cpu = at200[0].extra["cpu_ms_per_report"]
        parts = {k: cpu.get(k, 0.0) for k in ("progress", "notify", "postgres")}
        total = sum(cpu.values())
        floor = sum(anchor.extra["cpu_ms_per_report"].values()) if anchor else None
        rows.append(
            Result(
                "CPU per report at 200/s, whole machine",
                total,
                "ms",
                "≤ 5 ms (progress ≤ 1.5, notify ≤ 1.0, PostgreSQL ≤ 1.5)",
                total <= 5
                and parts["progress"] <= 1.5
                and parts["notify"] <= 1.0
                and parts["postgres"] <= 1.5,
                lower_is_better=True,
                baseline=floor,
                baseline_name="minimal pipeline",
                note=", ".join(f"{k} {v:.2f} ms" for k, v in cpu.items()),
            )
        )
    good = [r.extra["rate"] for r in plain if r.extra["p99"] <= 100 and not r.extra["lost"]]
    rows.append(
        Result(
            "latency: highest rate with p99 ≤ 100 ms",
            max(good, default=0),
            "reports/s",
            "report it (≥ 200/s)",
            max(good, default=0) >= 200,
            note="of the rates run: " + ", ".join(str(r.extra["rate"]) for r in plain),
        )
    )
    return rows
