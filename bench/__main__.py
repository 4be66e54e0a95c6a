"""`python -m bench [NAME...]` runs the benchmarks and writes their figures to bench/results/."""

from __future__ import annotations

import importlib
import json
import platform
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def main(argv: list[str]) -> int:
    names = argv or sorted(p.stem.removeprefix("bench_") for p in HERE.glob("bench_*.py"))
    results_dir = HERE / "results"
    results_dir.mkdir(exist_ok=True)
    failed = 0
    for name in names:
        module = importlib.import_module(f"bench.bench_{name}")
        print(f"== {name} ==", flush=True)
        started = time.perf_counter()
        try:
            figures = module.main()
        except Exception as exc:  # one broken benchmark must not hide the others' figures
            print(f"{name} failed: {exc}", file=sys.stderr)
            failed += 1
            continue
        record = {
            "benchmark": name,
            "machine": {"python": platform.python_version(), "platform": platform.platform()},
            "seconds": round(time.perf_counter() - started, 2),
            "figures": figures,
        }
        (results_dir / f"{name}.json").write_text(json.dumps(record, indent=2) + "\n")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
