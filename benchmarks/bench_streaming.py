"""The driver's memory over a many-run experiment (issue #4): resident MB after 10, 50, 100, 200 runs.

One scenario (the baseline) x RUNS seeds at the smallest scale, into a fresh SQLite file (or
--db URL), each run stored as it finishes. If the driver kept finished runs, its resident
memory would grow with the runs; it should stay flat.

    PYTHONPATH=. python benchmarks/bench_streaming.py [--runs 200] [--years 1] [--workers N] [--db URL]
"""

from __future__ import annotations

import argparse
import resource
import tempfile
import time
from pathlib import Path

from experiments.config import SCALE_RANGE, config_from_dict
from experiments.executors import ProcessExecutor
from experiments.runner import run_experiment
from experiments.store import Store

CHECKPOINTS = (10, 50, 100, 200, 400, 1000)


def resident_mb() -> float:
    """This process's resident set size now (VmRSS), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS in /proc/self/status")


def peak_mb() -> float:
    """This process's peak resident set size so far, in MB."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--years", type=int, default=1)
    parser.add_argument("--workers", type=int, default=1, help="1: runs in the driver; N > 1: N worker processes")
    parser.add_argument("--db", help="database URL (default: a SQLite file in a temporary directory)")
    args = parser.parse_args()
    config = config_from_dict({"name": "bench-streaming", "scale": SCALE_RANGE[0], "years": args.years,
                               "seeds": list(range(1, args.runs + 1))})
    checkpoints = [n for n in CHECKPOINTS if n <= args.runs] or [args.runs]
    executor = ProcessExecutor(args.workers) if args.workers > 1 else None
    started = time.perf_counter()
    done = 0
    print(f"{args.runs} runs, scale {SCALE_RANGE[0]}, {args.years} year(s), workers {args.workers}; "
          f"driver memory at start {resident_mb():.0f} MB")
    print(f"{'runs':>6} {'driver RSS MB':>14} {'driver peak MB':>15} {'elapsed s':>10}")

    def on_run(run_id: int, scenario: str, seed: int) -> None:
        nonlocal done
        done += 1
        if done in checkpoints:
            print(f"{done:>6} {resident_mb():>14.0f} {peak_mb():>15.0f} {time.perf_counter() - started:>10.1f}",
                  flush=True)

    with tempfile.TemporaryDirectory() as tmp, Store(args.db or f"sqlite:///{tmp}/bench.db") as store:
        try:
            run_experiment(config, store, progress=False, on_run=on_run, executor=executor)
        finally:
            if executor is not None:
                executor.close()
        rows = len(store.export(config.name))
    print(f"stored {rows} indicator rows of {done} runs")


if __name__ == "__main__":
    main()
