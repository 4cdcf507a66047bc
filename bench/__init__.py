"""Benchmarks: each measures the project and a baseline in the same run, against the goal it
states. Run them with `./thidua bench [names...]` (see bench/runner.py and docs/benchmarks.md)."""
