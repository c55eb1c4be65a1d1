"""Common random numbers: the standard error of Δbirths (scenario − baseline) with paired seeds
and with independent seeds, and their ratio (issue #4, point 8).

    PYTHONPATH=. python benchmarks/bench_crn.py [--scale 0.003] [--years 6] [--seeds 10]

Paired: scenario and baseline run on the same seed (same random streams), Δ_i = S(i) − B(i).
Independent: the baseline runs on other seeds, Δ_i = S(i) − B(i + 1000). Both over the same
scenario runs; SE = sd(Δ) / sqrt(n). The scenario is a birth grant of 0 / 10,000 / 20,000
yuan from the second simulated year, a typical small lever.
"""

from __future__ import annotations

import argparse
import math
import statistics

from sim.model import FertilityModel

OTHER_SEEDS = 1000


def cumulative_births(seed: int, scale: float, years: int, policy: dict) -> float:
    frame = FertilityModel(scale=scale, years=years, seed=seed, policy=policy).run().indicator_frame()
    return float(frame[(frame.indicator == "births") & (frame.group == "")]["value"].sum())


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", type=float, default=0.003)
    ap.add_argument("--years", type=int, default=6)
    ap.add_argument("--seeds", type=int, default=10)
    args = ap.parse_args(argv)
    grant = {"birth_grant": {"schedule": {str(2021 + 1): [0, 10000, 20000]}}}
    seeds = range(1, args.seeds + 1)
    scenario = [cumulative_births(s, args.scale, args.years, grant) for s in seeds]
    paired_base = [cumulative_births(s, args.scale, args.years, {}) for s in seeds]
    other_base = [cumulative_births(s + OTHER_SEEDS, args.scale, args.years, {}) for s in seeds]
    n = len(scenario)
    paired = [a - b for a, b in zip(scenario, paired_base)]
    independent = [a - b for a, b in zip(scenario, other_base)]
    se_paired = statistics.stdev(paired) / math.sqrt(n)
    se_indep = statistics.stdev(independent) / math.sqrt(n)
    print(f"scale {args.scale}, {args.years} years, {n} seeds; Δ cumulative births (real population size)")
    print(f"{'design':<12} {'mean Δ':>12} {'SE':>10}")
    print(f"{'paired':<12} {statistics.mean(paired):>12,.0f} {se_paired:>10,.0f}")
    print(f"{'independent':<12} {statistics.mean(independent):>12,.0f} {se_indep:>10,.0f}")
    print(f"SE ratio independent / paired: {se_indep / se_paired:.1f} "
          f"(the same precision needs {(se_indep / se_paired) ** 2:.0f}× the runs without pairing)")


if __name__ == "__main__":
    main()
