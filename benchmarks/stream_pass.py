"""The physical limit of a month: one streaming pass that reads every state array of the population
and writes one array back.

population → seconds of the best of ``repeats`` passes: every person field (agents/state.py
PERSON_FIELDS) and every household field read once, in blocks of rows that stay in the L1 cache,
summed into one float64 per row (persons) and per household, written once. Nothing the model does
in a month can touch its state in less time on one core; ``bench_engine.py`` reports the model's
seconds per month as a multiple of it.

    PYTHONPATH=. python benchmarks/stream_pass.py --scale 1.0        # after the setup of that scale
"""

from __future__ import annotations

import argparse
import time

import numba
from numba import literal_unroll
import numpy as np

_BLOCK = 2048


@numba.njit(nogil=True)
def _stream(arrays, out):
    """out[i] = sum over the arrays of array[i] (as float64), reading each array once, block by block."""
    n = out.shape[0]
    acc = np.empty(_BLOCK)
    for start in range(0, n, _BLOCK):
        m = min(_BLOCK, n - start)
        for j in range(m):
            acc[j] = 0.0
        for a in literal_unroll(arrays):
            block = a[start:start + m]
            for j in range(m):
                acc[j] += block[j]
        out[start:start + m] = acc[:m]


def stream_pass_seconds(pop, repeats: int = 5) -> dict:
    """Best-of-``repeats`` seconds of one read-and-write pass over ``pop``'s person arrays and over its
    household arrays, and the bytes each moves."""
    p, h = pop.p, pop.h
    persons = tuple(p[k] for k in p)
    households = tuple(h[k] for k in h)
    out_p, out_h = np.empty(pop.n), np.empty(pop.n_households)
    _stream(persons, out_p)              # compile / warm
    _stream(households, out_h)
    best_p = best_h = float("inf")
    for _ in range(repeats):
        t0 = time.perf_counter()
        _stream(persons, out_p)
        t1 = time.perf_counter()
        _stream(households, out_h)
        t2 = time.perf_counter()
        best_p, best_h = min(best_p, t1 - t0), min(best_h, t2 - t1)
    bytes_p = sum(a.nbytes for a in persons) + out_p.nbytes
    bytes_h = sum(a.nbytes for a in households) + out_h.nbytes
    return {"seconds": best_p + best_h, "person_seconds": best_p, "household_seconds": best_h,
            "bytes": bytes_p + bytes_h, "gb_per_s": (bytes_p + bytes_h) / (best_p + best_h) / 1e9}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    from sim.model import FertilityModel
    m = FertilityModel(scale=args.scale, years=1, seed=args.seed)
    r = stream_pass_seconds(m.pop)
    print(f"scale {args.scale}: {m.pop.n:,} persons, {m.pop.n_households:,} households, "
          f"{r['bytes'] / 2**20:,.0f} MB read and written in {r['seconds'] * 1000:,.1f} ms "
          f"({r['gb_per_s']:.1f} GB/s; persons {r['person_seconds'] * 1000:.1f} ms, "
          f"households {r['household_seconds'] * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
