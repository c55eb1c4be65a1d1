"""Where a month of FertilityModel spends its time: wall, user and system seconds and minor page faults per phase.

scale, months → after a warm-up and the setup, ``months`` steps with timing wrappers on the model's phase
methods (the model code is not changed) → a table per phase, per month on average. System time and minor
page faults show the cost of fresh large temporaries (arrays above glibc's 32 MB mmap threshold are mapped
and zeroed by the kernel at each allocation, and unmapped when freed). ``--kernels`` also times every numba
kernel the model and its economy call (by name, all calls summed), so a phase can be split further.

    PYTHONPATH=. python benchmarks/profile_month.py --scale 1.0 --months 12 [--kernels] [--policy-config CFG]
    MALLOC_MMAP_MAX_=0 MALLOC_TRIM_THRESHOLD_=100000000000 PYTHONPATH=. python benchmarks/profile_month.py ...

The month is timed from its second month on (the first allocates the work arrays the later ones reuse).
"""

from __future__ import annotations

import argparse
import ctypes
import os
import resource
import time

from bench_engine import NESTED_PHASES, RUN_PHASES, install_timers

M_TRIM_THRESHOLD, M_MMAP_MAX = -1, -4       # glibc mallopt parameters (malloc.h)


class Meter:
    """Wall, user, system seconds and minor faults per wrapped name."""

    def __init__(self):
        self.totals: dict[str, list[float]] = {}

    def wrap(self, name, fn):
        tot = self.totals.setdefault(name, [0.0, 0.0, 0.0, 0, 0])     # wall, user, sys, faults, calls

        def measured(*args, **kwargs):
            r0, t0 = resource.getrusage(resource.RUSAGE_SELF), time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                r1 = resource.getrusage(resource.RUSAGE_SELF)
                tot[0] += time.perf_counter() - t0
                tot[1] += r1.ru_utime - r0.ru_utime
                tot[2] += r1.ru_stime - r0.ru_stime
                tot[3] += r1.ru_minflt - r0.ru_minflt
                tot[4] += 1
        return measured


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scale", type=float, default=0.1)
    ap.add_argument("--months", type=int, default=12)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--kernels", action="store_true", help="also time each numba kernel by name")
    ap.add_argument("--policy-config", help="run the --scenario of this experiment config (default: the pack's history)")
    ap.add_argument("--scenario", default="plan")
    ap.add_argument("--heap-after-setup", action="store_true",
                    help="after the setup, tell glibc to serve large arrays from its heap (mallopt M_MMAP_MAX=0, "
                         "M_TRIM_THRESHOLD=max), so freed temporaries are reused instead of unmapped")
    args = ap.parse_args(argv)

    from sim.model import FertilityModel
    spec = {}
    if args.policy_config:
        from experiments.config import load_config
        spec = load_config(args.policy_config).run_spec(args.scenario, args.seed)
    FertilityModel(**{**spec, "scale": 0.001, "years": 1, "seed": args.seed + 1}).run()     # load the numba cache
    t0 = time.perf_counter()
    m = FertilityModel(**{**spec, "scale": args.scale, "years": (args.months + 12) // 12 + 1, "seed": args.seed})
    print(f"scale {args.scale}: {m.pop.n:,} persons, setup {time.perf_counter() - t0:.1f} s, "
          f"rss {current_rss_mb():,.0f} MB, peak {peak_rss_mb():,.0f} MB")
    if args.heap_after_setup:
        libc = ctypes.CDLL("libc.so.6")
        if not (libc.mallopt(M_MMAP_MAX, 0) and libc.mallopt(M_TRIM_THRESHOLD, 2**31 - 1)):
            raise RuntimeError("mallopt failed")
    m.step()                        # the first month allocates the work arrays that later months reuse
    meter = Meter()
    install_timers(m, RUN_PHASES, meter)
    nested = install_timers(m, NESTED_PHASES, meter)
    kernels = time_kernels(meter) if args.kernels else []
    step = meter.wrap("month (step)", m.step)
    for _ in range(args.months):
        step()
    print(f"{'phase, per month':<28}{'wall s':>9}{'user s':>9}{'sys s':>9}{'minor faults':>14}")
    for name, (wall, user, sys_, flt, calls) in meter.totals.items():
        label = ("  " if name in nested else "    kernel " if name in kernels else "") + name.lstrip("_")
        k = max(args.months, 1)
        print(f"{label:<28}{wall / k:>9.3f}{user / k:>9.3f}{sys_ / k:>9.3f}{flt / k:>14,.0f}")
    print(f"rss at the end {current_rss_mb():,.0f} MB, peak {peak_rss_mb():,.0f} MB")


def time_kernels(meter) -> list[str]:
    """Wrap every numba kernel that sim.model and sim.economy call through a module-level name
    (and that the model's own methods reach) with ``meter`` → the names wrapped."""
    import numba

    from sim import economy, model
    names = []
    for module in (model, economy):
        for name, obj in list(vars(module).items()):
            if isinstance(obj, numba.core.registry.CPUDispatcher):
                setattr(module, name, meter.wrap(name, obj))
                names.append(name)
    return names


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


if __name__ == "__main__":
    main()
