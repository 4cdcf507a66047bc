"""Runs the chosen benchmarks on the test profile's Kafka and PostgreSQL, prints the table and
writes the results as JSON under .state/bench/."""

from __future__ import annotations

import asyncio
import importlib
import logging
import time
from pathlib import Path

from bench.harness import Context, Result, print_table, write_json
from infra import stack
from infra.profile import load

# name → module (each has `async def run(ctx) -> list[Result]`), in the order they run
BENCHMARKS = {
    "ingest": "bench.ingest",
    "latency": "bench.latency",
    "annual": "bench.annual",
    "replay": "bench.replay",
}


def run(names: list[str], scale: float = 1.0) -> tuple[list[Result], Path]:
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        raise SystemExit(f"unknown benchmark(s) {unknown}: choose from {list(BENCHMARKS)}")
    logging.basicConfig(level=logging.WARNING)
    profile = load("test")
    stack.start_infra(profile)
    ctx = Context(profile, scale=scale)
    started = time.time()
    results: list[Result] = []
    path = None
    for name in names or list(BENCHMARKS):
        module = importlib.import_module(BENCHMARKS[name])
        t0 = time.perf_counter()
        print(f"running {name}…", flush=True)
        results += asyncio.run(module.run(ctx))
        print(f"{name} done in {time.perf_counter() - t0:.0f}s", flush=True)
        path = write_json(ctx, results, started)  # after each: a later failure keeps these
    print_table(results)
    assert path is not None
    return results, path
