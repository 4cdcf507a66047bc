"""What every benchmark shares: the test profile's broker and database, fresh databases and
topics, service processes with their peak memory, and the results table.

A benchmark is an async function `run(ctx) -> list[Result]`; each `Result` is one row of the
table: the project's figure, the baseline's measured in the same run (if any), their ratio, the
goal and whether it was met.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from infra import tokens
from infra.profile import ROOT, Profile
from schemas.envelope import Message


@dataclass
class Result:
    benchmark: str
    figure: float
    unit: str
    goal: str
    met: bool | None
    baseline: float | None = None
    baseline_name: str = ""
    note: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    lower_is_better: bool = False
    """A time or a size: then the ratio is baseline / project, so above 1 is always better."""

    @property
    def ratio(self) -> float | None:
        """How the project compares to the baseline: above 1, the project does better."""
        if self.baseline is None or not self.figure or not self.baseline:
            return None
        return self.baseline / self.figure if self.lower_is_better else self.figure / self.baseline


@dataclass
class Context:
    profile: Profile
    scale: float = 1.0
    """Multiplies every benchmark's data size (0.1 for a quick look)."""
    state: Path = field(default_factory=lambda: ROOT / ".state" / "bench")

    @property
    def bootstrap(self) -> str:
        return self.profile.kafka_bootstrap

    @property
    def admin_dsn(self) -> str:
        socket_dir = self.profile.postgres_dir / "socket"
        return (
            f"postgresql://postgres@/postgres?host={socket_dir}&port={self.profile.postgres_port}"
        )

    def n(self, default: int) -> int:
        return max(1, int(default * self.scale))

    def dsn(self, database: str) -> str:
        return self.admin_dsn.replace("/postgres?", f"/{database}?")

    @asynccontextmanager
    async def database(self) -> AsyncIterator[str]:
        """An empty database for one benchmark (dropped afterwards); yields its DSN."""
        name = f"bench_{uuid.uuid4().hex[:10]}"
        admin = await asyncpg.connect(self.admin_dsn)
        try:
            await admin.execute(f"CREATE DATABASE {name}")
            yield self.dsn(name)
        finally:
            await admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
            await admin.close()

    @asynccontextmanager
    async def topics(self, names: dict[str, int]) -> AsyncIterator[dict[str, str]]:
        """Fresh topics (and .dlq siblings) standing in for catalog names → partitions; deleted
        afterwards. Yields catalog name → fresh name."""
        admin = AIOKafkaAdminClient(bootstrap_servers=self.bootstrap)
        await admin.start()
        run = uuid.uuid4().hex[:8]
        mapping = {name: f"bench.{run}.{name}" for name in names}
        new = []
        for name, fresh in mapping.items():
            new += [NewTopic(fresh, names[name], 1), NewTopic(f"{fresh}.dlq", 1, 1)]
        try:
            await admin.create_topics(new)
            yield mapping
        finally:
            try:
                await admin.delete_topics([t.name for t in new])
            finally:
                await admin.close()

    def jwks(self) -> Path:
        tokens.ensure_keys(self.state)
        return tokens.jwks_file(self.state)

    def token(self, **claims: Any) -> str:
        return tokens.mint(self.state, **claims)


async def produce(bootstrap: str, messages: list[Message], chunk: int = 20_000) -> float:
    """Send `messages` (acks=all, idempotent, batched); returns messages per second."""
    producer = AIOKafkaProducer(
        bootstrap_servers=bootstrap,
        acks="all",
        enable_idempotence=True,
        linger_ms=20,
        max_batch_size=256 * 1024,
        max_request_size=4 * 1024 * 1024,
    )
    await producer.start()
    started = time.perf_counter()
    try:
        for i in range(0, len(messages), chunk):
            futures = [
                await producer.send(m.topic, value=m.value, key=m.key, headers=m.headers)
                for m in messages[i : i + chunk]
            ]
            await asyncio.gather(*futures)
    finally:
        await producer.stop()
    return len(messages) / (time.perf_counter() - started)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_bytes(pid: int) -> int:
    """Resident set size of a process, from /proc (psutil is not a dependency)."""
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process so far, from /proc."""
    with open(f"/proc/{pid}/stat") as f:
        fields = f.read().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _cmdline(pid: str) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return ""


def _parent(pid: str) -> int | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            return int(f.read().rsplit(")", 1)[1].split()[1])
    except (OSError, IndexError, ValueError):
        return None


class CpuMeter:
    """CPU time spent between `start()` and `stop()` by named parts of the machine: the given
    processes, and every PostgreSQL backend and Kafka broker process (found by command line). A
    figure per unit of work says which part a rate is limited by. Counted per process: one that
    started meanwhile counts from zero, one that exited meanwhile is lost (a backend's last
    moments), never subtracted from the others."""

    def __init__(self, pids: dict[str, int], profile: Profile | None = None) -> None:
        self.pids = pids
        self.profile = profile
        """Given, only its PostgreSQL cluster and its broker count: on a machine shared with
        other checkouts' stacks, theirs would count too."""
        self._start: dict[int, tuple[str, float]] = {}
        self.used: dict[str, float] = {}

    def _now(self) -> dict[int, tuple[str, float]]:
        """pid → (part, CPU seconds so far) of every process measured."""
        parts = {pid: name for name, pid in self.pids.items()}
        postmaster, broker = None, None
        if self.profile is not None:
            pid_file = self.profile.postgres_dir / "data" / "postmaster.pid"
            with contextlib.suppress(OSError, ValueError):
                postmaster = int(pid_file.read_text().split()[0])
            broker = str(self.profile.kafka_dir.resolve())
        for entry in filter(str.isdigit, os.listdir("/proc")):
            command = _cmdline(entry)
            if command.startswith("postgres"):
                if postmaster is None or _parent(entry) == postmaster:
                    parts.setdefault(int(entry), "postgres")
            elif ("kafka.Kafka" in command or "kafka_2.13" in command) and (
                broker is None or broker in command
            ):
                parts.setdefault(int(entry), "kafka")
        out: dict[int, tuple[str, float]] = {}
        for pid, part in parts.items():
            with contextlib.suppress(OSError):
                out[pid] = (part, cpu_seconds(pid))
        return out

    def start(self) -> None:
        self._start = self._now()

    def stop(self) -> dict[str, float]:
        """Seconds of CPU per part since `start()`."""
        self.used = dict.fromkeys([*self.pids, "postgres", "kafka"], 0.0)
        for pid, (part, seconds) in self._now().items():
            before = self._start.get(pid)
            self.used[part] += seconds - (before[1] if before and before[0] == part else 0.0)
        return self.used


class PeakRss:
    """Samples a process's RSS every `interval` seconds in a thread; `peak` in bytes."""

    def __init__(self, pid: int, interval: float = 0.1) -> None:
        self.pid, self.interval, self.peak = pid, interval, 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                self.peak = max(self.peak, rss_bytes(self.pid))
            except (FileNotFoundError, ProcessLookupError):
                return
            self._stop.wait(self.interval)

    def reset(self) -> None:
        """Forget the peak so far (e.g. the start-up's) and measure from now."""
        self.peak = 0

    def stop(self) -> int:
        self._stop.set()
        self._thread.join()
        return self.peak


class ServiceProcess:
    """A service run as `python -m services.<name>` with the given environment, its log under
    .state/bench/logs, and its RSS sampled from start to stop."""

    def __init__(self, ctx: Context, name: str, dsn: str, env: dict[str, str]) -> None:
        self.ctx, self.name = ctx, name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        logs = ctx.state / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        self.log_path = logs / f"{name}-{time.strftime('%Y%m%d-%H%M%S')}.log"
        self.env = {
            **os.environ,
            "THIDUA_SERVICE": name,
            "THIDUA_HTTP_PORT": str(self.port),
            "THIDUA_DATABASE_URL": dsn,
            "THIDUA_KAFKA_BOOTSTRAP": ctx.bootstrap,
            "THIDUA_JWKS_FILE": str(ctx.jwks()),
            "THIDUA_LOG_LEVEL": "WARNING",
            "OTEL_SERVICE_NAME": f"thidua-{name}",
            **env,
        }
        self.proc: subprocess.Popen | None = None
        self.rss: PeakRss | None = None
        self.profiler: subprocess.Popen | None = None

    @property
    def pid(self) -> int:
        if self.proc is None:
            raise RuntimeError(f"{self.name} is not started")
        return self.proc.pid

    async def start(self, limit: float = 60.0) -> None:
        # opening a log and forking are instant: no need for a thread
        log = open(self.log_path, "ab")  # noqa: SIM115, ASYNC230 - the child keeps it
        self.proc = subprocess.Popen(  # noqa: ASYNC220
            [sys.executable, "-m", f"services.{self.name}"],
            cwd=ROOT,
            env=self.env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        self.rss = PeakRss(self.proc.pid)
        deadline = time.monotonic() + limit
        async with httpx.AsyncClient(timeout=2) as client:
            while True:
                if self.proc.poll() is not None:
                    raise RuntimeError(f"{self.name} exited: see {self.log_path}")
                try:
                    if (await client.get(f"{self.url}/ready")).status_code == 200:
                        self._profile()
                        return
                except httpx.HTTPError:
                    pass
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{self.name} not ready after {limit:.0f}s")
                await asyncio.sleep(0.2)

    def _profile(self) -> None:
        """With BENCH_PROFILE naming this service (comma-separated names), py-spy samples it
        from ready to exit into .state/bench/profiles/<name>-<time>.txt (collapsed stacks:
        one line per stack with its sample count, for grep and flame graph tools)."""
        if self.name not in os.environ.get("BENCH_PROFILE", "").split(","):
            return
        out = self.ctx.state / "profiles" / f"{self.name}-{time.strftime('%Y%m%d-%H%M%S')}.txt"
        out.parent.mkdir(parents=True, exist_ok=True)
        spy = Path(sys.executable).with_name("py-spy")
        command = [str(spy), "record", "--pid", str(self.pid), "--format", "raw"]
        extra = os.environ.get("BENCH_PROFILE_ARGS", "").split()  # e.g. "--threads --idle"
        self.profiler = subprocess.Popen(
            [*command, "--rate", "100", "--output", str(out), *extra],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        print(f"  profiling {self.name} into {out}", flush=True)

    async def stop(self) -> int:
        """Stop it (SIGTERM, by pid); returns the peak RSS in bytes."""
        peak = self.rss.stop() if self.rss else 0
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                await asyncio.to_thread(self.proc.wait, 15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                await asyncio.to_thread(self.proc.wait)
        if self.profiler is not None:  # it writes its file when the process exits
            await asyncio.to_thread(self.profiler.wait, 30)
        return peak


@asynccontextmanager
async def service(ctx: Context, name: str, dsn: str, env: dict[str, str]):
    proc = ServiceProcess(ctx, name, dsn, env)
    try:
        await proc.start()
        yield proc
    finally:
        await proc.stop()


async def wait_for(
    check: Callable[[], Any], *, limit: float, what: str, interval: float = 0.1
) -> None:
    deadline = time.monotonic() + limit
    while not await check():
        if time.monotonic() > deadline:
            raise TimeoutError(f"gave up waiting for {what} after {limit:.0f}s")
        await asyncio.sleep(interval)


@dataclass
class Followed:
    events: int
    rate: float
    """events/s from the first poll that saw a commit to the one that saw them all"""
    cpu_us: dict[str, float]
    """CPU per event of each part of the machine over the same window (µs)"""


async def follow_group(
    bootstrap: str, group: str, n: int, meter: CpuMeter | None = None, *, limit: float
) -> Followed:
    """Poll a consumer group's committed offsets (summed over its partitions) every 0.1 s until
    they reach `n`. A consumer commits a batch's offsets after its database commit, so this counts
    the events applied whether or not each leaves an inbox row (progress's reports leave none)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        deadline = time.monotonic() + limit
        first: tuple[int, float] | None = None
        while True:
            offsets = await admin.list_consumer_group_offsets(group)
            done = sum(max(0, om.offset) for om in offsets.values())
            now = time.perf_counter()
            if done and first is None:
                first = done, now
                if meter:
                    meter.start()
            if done >= n:
                break
            if time.monotonic() > deadline:
                raise TimeoutError(f"gave up waiting for {n} events committed by {group}")
            await asyncio.sleep(0.1)
    finally:
        await admin.close()
    assert first is not None
    if done == first[0]:  # all of them committed before the first look
        return Followed(done, float("nan"), {})
    used = meter.stop() if meter else {}
    count = done - first[0]
    return Followed(
        done,
        count / (now - first[1]),
        {part: seconds / count * 1e6 for part, seconds in used.items()},
    )


async def inbox_rate(dsn: str, consumer: str | None = None) -> tuple[int, float]:
    """(events, events/s) of a consumer from its inbox rows: every batch is one transaction, so
    its rows share `processed_at` (the transaction's start). From the first batch's start to the
    last's, every batch but the last was applied."""
    con = await asyncpg.connect(dsn)
    try:
        rows = await con.fetch(
            "SELECT processed_at, count(*) AS n FROM inbox"
            " WHERE $1::text IS NULL OR consumer = $1 GROUP BY 1 ORDER BY 1",
            consumer,
        )
    finally:
        await con.close()
    total = sum(r["n"] for r in rows)
    if len(rows) < 2:
        return total, float("nan")
    span = (rows[-1]["processed_at"] - rows[0]["processed_at"]).total_seconds()
    return total, (total - rows[-1]["n"]) / span


def mb(n: int) -> float:
    return round(n / 2**20, 1)


# ---- output ------------------------------------------------------------------------------------


def print_table(results: list[Result]) -> None:
    from rich.console import Console
    from rich.table import Table

    table = Table(title="thidua benchmarks (project vs baseline, same machine, same run)")
    for col in ("benchmark", "project", "baseline", "ratio (>1: project better)", "goal", "met?"):
        table.add_column(col, justify="right" if col.startswith(("project", "ratio")) else "left")
    for r in results:
        baseline = "" if r.baseline is None else f"{_fmt(r.baseline)} {r.unit} ({r.baseline_name})"
        ratio = "" if r.ratio is None else f"{r.ratio:.2f}×"
        met = {True: "[green]yes[/]", False: "[red]no[/]", None: "–"}[r.met]
        table.add_row(r.benchmark, f"{_fmt(r.figure)} {r.unit}", baseline, ratio, r.goal, met)
    console = Console(width=max(Console().width, 150))
    console.print(table)
    for r in results:
        if r.note:
            console.print(f"[dim]{r.benchmark}: {r.note}[/]")


def _fmt(x: float) -> str:
    if x != x:  # nan
        return "n/a"
    if abs(x) >= 100:
        return f"{x:,.0f}"
    return f"{x:,.1f}" if abs(x) >= 10 else f"{x:,.2f}"


def machine() -> dict[str, Any]:
    cpu = ""
    with open("/proc/cpuinfo") as f:
        for line in f:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    with open("/proc/meminfo") as f:
        mem_kb = int(f.readline().split()[1])
    return {"nproc": os.cpu_count(), "memory_gb": round(mem_kb / 2**20, 1), "cpu": cpu}


def write_json(ctx: Context, results: list[Result], started: float) -> Path:
    out = ctx.state
    out.mkdir(parents=True, exist_ok=True)
    path = out / f"results-{time.strftime('%Y%m%d-%H%M%S', time.localtime(started))}.json"
    doc = {
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z", time.localtime(started)),
        "seconds": round(time.time() - started, 1),
        "scale": ctx.scale,
        "machine": machine(),
        "results": [{**asdict(r), "ratio": r.ratio} for r in results],
    }
    path.write_text(json.dumps(doc, indent=2, ensure_ascii=False, default=str))
    return path
