"""Benchmarks: each `bench/bench_*.py` module has a `main() -> dict` that prints and returns its figures."""
