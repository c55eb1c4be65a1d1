"""Engine benchmark: FertilityModel at several scales, the per-object Mesa version at a small one, and
the streaming pass that bounds a month.

config + scenario (default: the plan scenario of experiments/configs/beijing-2022-plan.toml), scales,
years (default 30: 2021-2050), seed → one fresh subprocess per measurement (so ru_maxrss is that
measurement's peak) → an aligned text table (and ``--json FILE``) of wall time of setup and run,
person-months per second, seconds per month, peak memory and bytes per person, the time of one
read-and-write streaming pass over the model's state arrays and the month's multiple of it, the
numba model's time by phase, and the speed ratio numba ÷ per-object measured in the same run.

    PYTHONPATH=. python benchmarks/bench_engine.py --scales 0.01,0.1                      # ~5 min
    PYTHONPATH=. python benchmarks/bench_engine.py --scales 1.0 --no-per-object --json scale1.json

Person-months = the sum over simulated months of the persons alive at that month's tally (the
indicators' exposure), so it counts births, deaths and migrants as they happen. The model code is
not changed: phase times come from timing wrappers set on the model instance in the worker process.
The 1-minute load average is recorded at the start and end of each measurement (the machine may be
shared).
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import re
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
DEFAULT_CONFIG = REPO / "experiments" / "configs" / "beijing-2022-plan.toml"
DEFAULT_SCENARIO = "plan"
WARM_SCALE = 0.001            # the tiny run that loads (or compiles) the numba cache before timing
MEMORY_ENV_PREFIXES = ("MALLOC_", "NUMPY_MADVISE_HUGEPAGE")   # recorded: they change the large-array costs
# Timed methods: (owner, method). "model" is the FertilityModel, "economy" its HouseholdEconomy. Methods the
# model does not have (yet, or any more) are skipped, so the benchmark follows the model as it changes.
RUN_PHASES = (("model", "_age_and_die"), ("model", "_migrate"), ("model", "_marriage_market"), ("model", "_divorce"),
              ("economy", "drift_desired"), ("model", "_conception_and_birth"),
              ("economy", "leave_and_childcare"), ("economy", "employment"), ("economy", "income_and_costs"),
              ("model", "_tally_month"))
NESTED_PHASES = (("model", "_remove"), ("model", "_immigrate"), ("model", "_marry"), ("model", "_set_grandparents"),
                 ("model", "_give_birth"), ("economy", "on_births"), ("model", "_conceive"), ("model", "_parity_cap"),
                 ("economy", "birth_logit"), ("economy", "art_conceptions"), ("economy", "provisional_income"),
                 ("model", "census"), ("model", "_compact"))
# the economy's share of the month (issue #3): its phases 5-8, and its calls from inside the demographic phases
ECONOMY_TIME = ("drift_desired", "leave_and_childcare", "employment", "income_and_costs",
                "_set_grandparents", "on_births", "birth_logit", "art_conceptions", "provisional_income")


def install_timers(model, phases, timer) -> list[str]:
    """Replace each (owner, method) of ``phases`` that exists by a timed wrapper on the instance → names wrapped."""
    owners = {"model": model, "economy": getattr(model, "economy", None)}
    done = []
    for owner, name in phases:
        obj = owners[owner]
        if obj is not None and callable(getattr(obj, name, None)):
            setattr(obj, name, timer.wrap(name, getattr(obj, name)))
            done.append(name)
    return done


# --- measurements (run inside the worker subprocess) -------------------------------------------
def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (Linux ru_maxrss is in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def current_rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


class PhaseTimer:
    """Accumulated wall seconds per name, from wrapped callables."""

    def __init__(self):
        self.seconds: dict[str, float] = {}

    def wrap(self, name, fn):
        self.seconds.setdefault(name, 0.0)

        def timed(*args, **kwargs):
            t0 = time.perf_counter()
            try:
                return fn(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - t0
        return timed


def _log(msg: str):
    print(f"[{time.strftime('%H:%M:%S')}] {msg}", file=sys.stderr, flush=True)


def warm_numba(seed: int, spec: dict | None = None):
    from sim.model import FertilityModel
    FertilityModel(**{**(spec or {}), "scale": WARM_SCALE, "years": 1, "seed": seed + 1}).run()


def run_spec(config: str, scenario: str, scale: float, years: int, seed: int) -> dict:
    """FertilityModel keyword arguments of ``scenario`` in ``config`` (its policy and parameters), at
    this scale, years and seed."""
    from experiments.config import load_config
    spec = load_config(config).run_spec(scenario, seed)
    return {**spec, "scale": scale, "years": years, "seed": seed}


def measure_numba(scale: float, years: int, seed: int, config: str = str(DEFAULT_CONFIG),
                  scenario: str = DEFAULT_SCENARIO) -> dict:
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from stream_pass import stream_pass_seconds

    from sim import model as model_mod
    from sim.model import FertilityModel

    load_start = os.getloadavg()[0]
    spec = run_spec(config, scenario, scale, years, seed)
    warm_numba(seed, spec)
    base_rss = peak_rss_mb()
    setup = PhaseTimer()
    model_mod.synthesize = setup.wrap("synthesis", model_mod.synthesize)
    FertilityModel._prepare_tables = setup.wrap("tables", FertilityModel._prepare_tables)
    FertilityModel._burn_in_pregnancies = setup.wrap("burn_in", FertilityModel._burn_in_pregnancies)
    _log(f"numba scale {scale}: setup")
    t0 = time.perf_counter()
    m = FertilityModel(**spec)
    setup_s = time.perf_counter() - t0
    setup_peak = peak_rss_mb()
    n0 = int(m.pop.person("alive").sum())
    _log(f"numba scale {scale}: {n0:,} persons, setup {setup_s:.1f} s, peak {setup_peak:,.0f} MB")
    stream = stream_pass_seconds(m.pop)
    _log(f"numba scale {scale}: streaming pass {stream['seconds'] * 1000:.1f} ms ({stream['gb_per_s']:.1f} GB/s)")

    run = PhaseTimer()
    nested = PhaseTimer()
    install_timers(m, RUN_PHASES, run)
    install_timers(m, NESTED_PHASES, nested)
    m.indicators.close_year = run.wrap("close_year", m.indicators.close_year)
    person_months = [0]
    add_exposure = m.indicators.add_exposure

    def counting_exposure(by_age_sex):
        person_months[0] += int(by_age_sex.sum())
        add_exposure(by_age_sex)
    m.indicators.add_exposure = counting_exposure
    t0 = time.perf_counter()

    def progress(done, total):
        if done % 12 == 0:
            _log(f"numba scale {scale}: year {done // 12}/{total // 12}, {time.perf_counter() - t0:.0f} s, "
                 f"{m.pop.n:,} rows, rss {current_rss_mb():,.0f} MB, peak {peak_rss_mb():,.0f} MB")
    m.run(progress=progress)
    run_s = time.perf_counter() - t0
    run.seconds["other"] = run_s - sum(run.seconds.values())
    economy_s = sum(t.seconds.get(k, 0.0) for t in (run, nested) for k in ECONOMY_TIME)
    stream_end = stream_pass_seconds(m.pop)
    month_s = run_s / m.n_months
    return {
        "engine": "numba", "scale": scale, "years": years, "seed": seed, "config": config, "scenario": scenario,
        "start_year": m.start_year, "load_start": load_start, "load_end": os.getloadavg()[0],
        "month_s": month_s, "stream_pass_s": stream["seconds"], "stream_pass_gb_per_s": stream["gb_per_s"],
        "stream_pass_end_s": stream_end["seconds"], "month_over_stream": month_s / stream["seconds"],
        "compactions": m.pop.compactions, "rows_ever": int(m.pop.n_persons_ever),
        "scratch_mb": m.scratch.nbytes() / 2**20,
        "persons_start": n0, "persons_alive_end": int(m.pop.person("alive").sum()), "rows_end": int(m.pop.n),
        "months": m.n_months, "person_months": person_months[0],
        "setup_s": setup_s, "run_s": run_s, "person_months_per_s": person_months[0] / run_s,
        "economy_s": economy_s, "demography_person_months_per_s": person_months[0] / (run_s - economy_s),
        "base_rss_mb": base_rss, "setup_peak_rss_mb": setup_peak, "peak_rss_mb": peak_rss_mb(),
        "nbytes": int(m.pop.nbytes()), "bytes_per_person": m.pop.nbytes() / m.pop.n,
        "setup_phases_s": setup.seconds, "run_phases_s": run.seconds, "nested_phases_s": nested.seconds,
        "births_first_year": m.indicator_frame().query("indicator == 'births' and group == ''")["value"].iloc[0],
    }


def measure_per_object(scale: float, years: int, seed: int, config: str = str(DEFAULT_CONFIG),
                       scenario: str = DEFAULT_SCENARIO) -> dict:
    import gc

    sys.path.insert(0, str(Path(__file__).resolve().parent))
    from per_object_mesa import ECONOMY_FEEDBACK_OFF, PerObjectModel
    from sim.model import FertilityModel

    load_start = os.getloadavg()[0]
    spec = run_spec(config, scenario, scale, years, seed)
    spec["parameters"] = {**(spec.get("parameters") or {}), **ECONOMY_FEEDBACK_OFF}
    warm_numba(seed, spec)
    base_rss = peak_rss_mb()
    t0 = time.perf_counter()
    fm = FertilityModel(**spec)
    synth_s = time.perf_counter() - t0
    gc.collect()
    rss_before = current_rss_mb()
    obj = PerObjectModel(seed=seed, source=fm)
    gc.collect()
    object_mb = current_rss_mb() - rss_before
    n0 = len(obj.persons)
    del fm
    gc.collect()
    setup_peak = peak_rss_mb()
    _log(f"per-object scale {scale}: {n0:,} persons, setup {synth_s + obj.setup_seconds:.1f} s")
    t0 = time.perf_counter()
    obj.run()
    run_s = time.perf_counter() - t0
    return {
        "engine": "per_object", "scale": scale, "years": years, "seed": seed, "config": config, "scenario": scenario,
        "load_start": load_start, "load_end": os.getloadavg()[0], "month_s": run_s / obj.n_months,
        "persons_start": n0, "persons_alive_end": len(obj.persons), "months": obj.n_months,
        "person_months": obj.person_months,
        "setup_s": synth_s + obj.setup_seconds, "setup_synthesis_s": synth_s, "setup_copy_s": obj.setup_seconds,
        "run_s": run_s, "person_months_per_s": obj.person_months / run_s,
        "base_rss_mb": base_rss, "setup_peak_rss_mb": setup_peak, "peak_rss_mb": peak_rss_mb(),
        "bytes_per_person": object_mb * 2**20 / n0,
        "births_first_year": obj.indicator_frame().query("indicator == 'births' and group == ''")["value"].iloc[0],
    }


# --- the driver ------------------------------------------------------------------------------------------
def run_worker(engine: str, scale: float, years: int, seed: int, config: str = str(DEFAULT_CONFIG),
               scenario: str = DEFAULT_SCENARIO) -> dict:
    """One measurement in a fresh interpreter → its result dict (or an error record)."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(REPO), env.get("PYTHONPATH", "")]))
    cmd = [sys.executable, str(Path(__file__).resolve()), "--worker", engine,
           "--scales", repr(scale), "--years", str(years), "--seed", str(seed), "--config", config,
           "--scenario", scenario]
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, stdout=subprocess.PIPE, text=True, env=env)
    if proc.returncode != 0:
        reason = "killed by signal %d (SIGKILL: likely out of memory)" % -proc.returncode \
            if proc.returncode < 0 else f"exit {proc.returncode}"
        return {"engine": engine, "scale": scale, "years": years, "seed": seed, "error": reason,
                "wall_s": time.perf_counter() - t0}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def _fmt(x, spec):
    return "—" if x is None else format(x, spec)


def format_table(results: list[dict]) -> str:
    cols = [("engine", "<10", "engine"), ("scale", ">6", "scale"), ("years", ">5", "years"),
            ("persons_start", ">11,", "persons"), ("setup_s", ">8.1f", "setup s"), ("run_s", ">8.1f", "run s"),
            ("month_s", ">8.3f", "s/month"), ("person_months", ">14,", "person-months"),
            ("person_months_per_s", ">12,.0f", "p-months/s"), ("peak_rss_mb", ">8,.0f", "peak MB"),
            ("bytes_per_person", ">8.0f", "B/person"), ("stream_pass_s", ">10.4f", "stream s"),
            ("month_over_stream", ">8.1f", "x stream"), ("load_start", ">6.2f", "load0"), ("load_end", ">6.2f", "load1")]
    head = "  ".join(format(label, re.match(r"[<>]\d+", spec).group()) for _, spec, label in cols)
    lines = [head, "-" * len(head)]
    for r in results:
        if "error" in r:
            lines.append(f"{r['engine']:<10}  {r['scale']:>6}  {r['years']:>5}  FAILED: {r['error']} "
                         f"after {r['wall_s']:.0f} s")
            continue
        lines.append("  ".join(_fmt(r.get(key), spec) for key, spec, _ in cols))
    return "\n".join(lines)


def format_phases(results: list[dict]) -> str:
    runs = [r for r in results if r.get("engine") == "numba" and "error" not in r]
    if not runs:
        return ""
    names = []
    for kind in ("setup", "run", "nested"):
        for r in runs:
            names += [(kind, k) for k in r[kind + "_phases_s"] if (kind, k) not in names]
    head = f"{'numba phase (wall s)':<40}" + "".join(f"{'scale ' + str(r['scale']):>14}" for r in runs)
    lines = [head, "-" * len(head)]
    for kind, key in names:
        label = {"setup": "setup: ", "run": "month: ", "nested": "  of which "}[kind] + key.lstrip("_")
        label += " (economy)" if key in ECONOMY_TIME else ""
        vals = "".join(f"{r[kind + '_phases_s'].get(key, 0.0):>14.2f}" for r in runs)
        lines.append(f"{label:<40}{vals}")
    rows = (("economy total (issue #3)", "economy_s", "14.2f"),
            ("demography p-months/s", "demography_person_months_per_s", "14,.0f"),
            ("peak MB after setup", "setup_peak_rss_mb", "14,.0f"),
            ("peak MB after warm-up (baseline)", "base_rss_mb", "14,.0f"))
    for label, key, spec in rows:
        lines.append(f"{label:<40}" + "".join(format(r[key], spec) for r in runs))
    return "\n".join(lines)


def speed_ratios(results: list[dict]) -> list[str]:
    """numba ÷ per-object person-months/s: the whole month, and the numba month without the economy
    (which the per-object version does not have)."""
    objs = [r for r in results if r.get("engine") == "per_object" and "error" not in r]
    nums = [r for r in results if r.get("engine") == "numba" and "error" not in r]
    out = []
    for o in objs:
        po = o["person_months_per_s"]
        candidates = [("same scale", r) for r in nums if r["scale"] == o["scale"] and r["years"] == o["years"]]
        best = max(nums, key=lambda r: r["demography_person_months_per_s"]) if nums else None
        if best is not None and all(best is not r for _, r in candidates):
            candidates.append(("numba's best scale", best))
        for label, r in candidates:
            out.append(f"speed ratio, {label} (numba {r['scale']} x {r['years']} y vs per-object {o['scale']} x "
                       f"{o['years']} y): whole month {r['person_months_per_s']:,.0f} / {po:,.0f} = "
                       f"{r['person_months_per_s'] / po:,.0f}x; demography only "
                       f"{r['demography_person_months_per_s']:,.0f} / {po:,.0f} = "
                       f"{r['demography_person_months_per_s'] / po:,.0f}x")
    return out


def environment() -> dict:
    import mesa
    import numba
    import numpy
    try:
        rev = subprocess.run(["git", "-C", str(REPO), "rev-parse", "--short", "HEAD"], capture_output=True,
                             text=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "-C", str(REPO), "status", "--porcelain", "--untracked-files=no"],
                                    capture_output=True, text=True).stdout.strip())
    except OSError:
        rev, dirty = "", False
    with open("/proc/meminfo") as f:
        mem_gb = int(f.readline().split()[1]) / 2**20
    return {"date": datetime.datetime.now().isoformat(timespec="seconds"), "git": rev + ("+dirty" if dirty else ""),
            "cpus": os.cpu_count(), "memory_gb": round(mem_gb, 1), "cpu": platform.processor() or platform.machine(),
            "python": platform.python_version(), "numpy": numpy.__version__, "numba": numba.__version__,
            "mesa": mesa.__version__, "numba_threads": numba.config.NUMBA_NUM_THREADS,
            "load_average_1min_at_start": os.getloadavg()[0],
            "memory_env": {k: v for k, v in os.environ.items() if k.startswith(MEMORY_ENV_PREFIXES)}}


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--scales", default="0.01,0.1,1.0", help="comma-separated scales of the numba model")
    ap.add_argument("--years", type=int, default=30, help="simulated years from the config's start year")
    ap.add_argument("--config", default=str(DEFAULT_CONFIG), help="experiment config whose scenario is run")
    ap.add_argument("--scenario", default=DEFAULT_SCENARIO, help="the scenario of --config (or 'baseline')")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--per-object-scale", type=float, default=0.001)
    ap.add_argument("--per-object-years", type=int, default=2)
    ap.add_argument("--no-per-object", action="store_true", help="skip the per-object comparison")
    ap.add_argument("--json", help="also write the results and the environment to this file")
    ap.add_argument("--worker", choices=("numba", "per_object"), help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    scales = [float(s) for s in args.scales.split(",") if s.strip()]

    if args.worker:
        measure = measure_numba if args.worker == "numba" else measure_per_object
        print(json.dumps(measure(scales[0], args.years, args.seed, args.config, args.scenario)))
        return

    env = environment()           # before the runs, so the load average is the other processes'
    results = [run_worker("numba", s, args.years, args.seed, args.config, args.scenario) for s in scales]
    if not args.no_per_object:
        if not any(r["scale"] == args.per_object_scale and r["years"] == args.per_object_years for r in results):
            results.append(run_worker("numba", args.per_object_scale, args.per_object_years, args.seed, args.config,
                                      args.scenario))
        results.append(run_worker("per_object", args.per_object_scale, args.per_object_years, args.seed, args.config,
                                  args.scenario))
    print(f"\n{env['date']}  git {env['git']}  {env['cpus']} cpus ({env['cpu']}), {env['memory_gb']} GB, "
          f"load {env['load_average_1min_at_start']:.2f} at start, python {env['python']}, numpy {env['numpy']}, "
          f"numba {env['numba']} ({env['numba_threads']} threads), mesa {env['mesa']}"
          + "".join(f", {k}={v}" for k, v in env["memory_env"].items()))
    print(f"{Path(args.config).name} scenario {args.scenario}; person-months = sum over months of living persons; "
          "B/person: numba = pop.nbytes() / rows at the end (rows of the dead and emigrated are compacted away once a "
          "year), per-object = RSS growth when the agents are built / persons; stream s = one read-and-write pass over "
          "the state arrays after the setup, x stream = s/month / stream s; load0/load1 = 1-min load average at the "
          "start/end\n")
    print(format_table(results))
    print()
    phases = format_phases(results)
    if phases:
        print(phases)
        print()
    for line in speed_ratios(results):
        print(line)
    if args.json:
        Path(args.json).write_text(json.dumps({"environment": env, "results": results}, indent=2))


if __name__ == "__main__":
    main()
