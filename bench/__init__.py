"""Benchmarks of issue #9: each measures the project and a baseline in the same run. Run them
with `./thidua bench [names...]` (see bench/runner.py and docs/benchmarks.md)."""
