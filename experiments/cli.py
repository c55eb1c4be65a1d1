"""The ``fertsim`` command line: run, list, export, compare, reproduce, sensitivity, calibrate,
validate, quickstart, dashboard.

``main(argv) -> exit code``. A user error (bad config, lever, database, flag or output
file) prints one line ``fertsim: error: <message>`` to stderr and returns 2, before any
run starts and without writing to the database.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
from importlib import resources
from pathlib import Path

import pandas as pd
from tqdm import tqdm

from experiments.compare import (CompareError, append_paired, comparison_table, format_comparison, paired_results,
                                 seed_summary)
from experiments.config import BASELINE, ConfigError, load_config
from experiments.executors import DaskExecutor, ExecutorError, ProcessExecutor
from experiments.reproduce import (ReproduceError, describe_difference, first_difference, load_stored_run, rerun,
                                   version_note)
from experiments.runner import run_experiment
from experiments.sensitivity import SensitivityError, analyse, format_indices
from experiments.store import ENV_VAR, Store, StoreError, database_url
from experiments.validate import DEFAULT_SCALE, DEFAULT_SEEDS, ValidateError
from policies.levers import LeverError

QUICKSTART_DB = "fertsim-quickstart.db"
QUICKSTART_OVERRIDES = {"name": "quickstart", "scale": 0.005, "years": 10, "seeds": [1]}
KEY_INDICATORS = ("population", "births", "crude_birth_rate", "tfr", "mean_age_first_birth",
                  "mean_age_first_marriage", "old_age_dependency_ratio")
DB_HELP = f"database URL (e.g. postgresql+psycopg://user@host/db) or SQLite file; default ${ENV_VAR} or ./fertsim.db"


class UsageError(Exception):
    """A user error found by the CLI itself (e.g. an output file that cannot be written)."""


class _Parser(argparse.ArgumentParser):
    """An ArgumentParser whose errors are one line, like every other user error."""

    def error(self, message: str):
        self.exit(2, f"fertsim: error: {message}\n")


def main(argv: list[str] | None = None) -> int:
    """Run the command in ``argv`` (default: sys.argv[1:]); return the exit code."""
    try:
        args = _parser().parse_args(argv)
    except SystemExit as exc:          # --help (0) or a bad flag (2), already printed
        return int(exc.code or 0)
    try:
        return args.handler(args)
    except (ConfigError, LeverError, StoreError, UsageError, CompareError, ExecutorError, ReproduceError,
            SensitivityError, ValidateError) as exc:
        print(f"fertsim: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("fertsim: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:            # e.g. `fertsim export | head`: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="fertsim", description="Agent-based simulation of fertility policy (Beijing).",
                     epilog="New here? Try `fertsim quickstart`. Help on a command: fertsim COMMAND --help")
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    run = commands.add_parser("run", help="run every scenario and seed of a config into the database")
    run.add_argument("config", metavar="CONFIG",
                     help="experiment config (TOML), e.g. experiments/configs/baseline.toml")
    run.add_argument("--scale", type=float, metavar="F",
                     help="share of the real population simulated, 0.001..1.0 (the china pack allows down to 0.00001)")
    run.add_argument("--years", type=int, metavar="N", help="simulated years, 1..100")
    run.add_argument("--seeds", type=_seed_list, metavar="LIST", help="comma-separated seeds, e.g. 1,2,3")
    run.add_argument("--db", metavar="URL", help=DB_HELP)
    run.add_argument("--quiet", action="store_true", help="no progress bar or summary")
    _executor_options(run)
    run.set_defaults(handler=_run)

    sensitivity = commands.add_parser(
        "sensitivity", help="global sensitivity (Sobol or Morris, SALib) of a config's [sensitivity] design",
        description="Runs the points of the config's [sensitivity] design (resumable, like `run`), then prints "
                    "SALib's indices for each output (Sobol: S1 and ST with 95% half-widths; Morris: mu_star, "
                    "mu, sigma) and stores them in the database.")
    sensitivity.add_argument("config", metavar="CONFIG", help="experiment config (TOML) with a [sensitivity] block")
    sensitivity.add_argument("--db", metavar="URL", help=DB_HELP)
    sensitivity.add_argument("--quiet", action="store_true", help="no progress bar")
    _executor_options(sensitivity)
    sensitivity.set_defaults(handler=_sensitivity)

    calibrate = commands.add_parser(
        "calibrate", help="fit behavioural parameters to the region pack's targets (simulated method of moments)",
        description="Optuna (TPE) over the config's [calibration] parameters, minimising the weighted squared "
                    "distances to the region pack's targets; trials run on the chosen executor and land in the "
                    "database (a restarted calibration reuses them). Writes sim/packs/REGION/calibrated/vN.toml "
                    "and a fit report (fit.md, fit.html) in --out.")
    calibrate.add_argument("config", metavar="CONFIG", help="experiment config (TOML) with a [calibration] block")
    calibrate.add_argument("--db", metavar="URL", help=DB_HELP)
    calibrate.add_argument("--out", metavar="DIR", help="folder for the fit report (default ./calibration-NAME)")
    calibrate.add_argument("--pack-dir", metavar="DIR",
                           help="write the parameter file into DIR/calibrated/ instead of the region pack's folder")
    calibrate.add_argument("--quiet", action="store_true", help="no progress bar or batch lines")
    _executor_options(calibrate)
    calibrate.set_defaults(handler=_calibrate)

    validate = commands.add_parser(
        "validate", help="standard experiments on the Beijing pack, to set against published effects",
        description="Runs a fixed set of paired experiments on the Beijing pack, 2021-2025: a monthly transfer "
                    "worth 10%% of household income, maternity leave of 730 instead of 365 days, full against no "
                    "ART coverage, nursery places for 10%% more of the under-3s; writes CSV rows check,value,unit "
                    "with each effect's mean over seeds and its 90%% interval (<check>_low90, <check>_high90). "
                    "See docs/validation.md.")
    validate.add_argument("--out", metavar="FILE", help="output CSV file (default: standard output)")
    validate.add_argument("--scale", type=float, default=DEFAULT_SCALE, metavar="F",
                          help=f"share of the real population simulated, 0.001..1.0 (default {DEFAULT_SCALE})")
    validate.add_argument("--seeds", type=_seed_list, default=list(DEFAULT_SEEDS), metavar="LIST",
                          help=f"comma-separated paired seeds, at least 2 (default {','.join(map(str, DEFAULT_SEEDS))})")
    validate.add_argument("--workers", type=_worker_count, default=1, metavar="N",
                          help="worker processes on this machine (default 1: runs one after another in this process)")
    validate.add_argument("--quiet", action="store_true", help="no progress bar or summary table")
    validate.set_defaults(handler=_validate)

    listing = commands.add_parser("list", help="list the experiments and runs in the database")
    listing.add_argument("--db", metavar="URL", help=DB_HELP)
    listing.set_defaults(handler=_list)

    export = commands.add_parser("export", help="write the indicator table of finished runs as CSV")
    export.add_argument("--experiment", metavar="NAME", help="only this experiment (default: all)")
    export.add_argument("--format", choices=["csv"], default="csv", help="output format (csv)")
    export.add_argument("--out", metavar="FILE", help="output file (default: standard output)")
    export.add_argument("--paired", action="store_true",
                        help="also write the paired-run results of experiments that have a baseline and "
                             "scenarios (additional_births, additional_fiscal_cost, cost_per_additional_birth: "
                             "per seed with group empty, and over seeds with seed empty and group "
                             "stat=mean/low90/high90), after the indicator rows, in the same columns; off by "
                             "default, so that the export is the indicator table alone")
    export.add_argument("--summary", action="store_true",
                        help="also write, per experiment, scenario, year, indicator and group, the mean over seeds "
                             "and its 90%% Student-t interval (seed empty; group with stat=mean/low90/high90 "
                             "appended, e.g. parity=2,stat=mean), after the indicator rows")
    export.add_argument("--db", metavar="URL", help=DB_HELP)
    export.set_defaults(handler=_export)

    compare = commands.add_parser(
        "compare", help="additional births and cost per additional birth of each scenario against the baseline",
        description="Pairs each scenario's runs with the baseline's on the same seeds (common random numbers) "
                    "and prints, per scenario, the cumulative additional births, the cumulative difference "
                    "in fiscal cost and the cost per additional birth, as the mean over seeds with a 90% "
                    "interval (Student t; delta method for the ratio). `fertsim export --paired` writes "
                    "the same results per seed and year.")
    compare.add_argument("experiment", metavar="EXPERIMENT", help="experiment name (see `fertsim list`)")
    compare.add_argument("--year", type=int, metavar="YEAR",
                         help="cumulate from the first simulated year to this year (default: the last year)")
    compare.add_argument("--db", metavar="URL", help=DB_HELP)
    compare.set_defaults(handler=_compare)

    reproduce = commands.add_parser(
        "reproduce", help="re-run a stored run and compare its indicator rows with the stored ones",
        description="Re-runs run RUN_ID from its stored config, scenario and seed and compares the new indicator "
                    "rows with the stored ones: prints 'identical' (exit 0) or the first row that differs "
                    "(exit 1), and notes if the code version differs from the stored run's. Writes nothing "
                    "to the database.")
    reproduce.add_argument("run_id", type=int, metavar="RUN_ID", help="a run id (see `fertsim list`)")
    reproduce.add_argument("--db", metavar="URL", help=DB_HELP)
    reproduce.add_argument("--quiet", action="store_true", help="no progress bar")
    reproduce.set_defaults(handler=_reproduce)

    quick = commands.add_parser("quickstart", help="a small 10-year Beijing run and its key indicators")
    quick.add_argument("--db", metavar="URL", help=f"database URL or SQLite file (default ./{QUICKSTART_DB})")
    quick.set_defaults(handler=_quickstart)

    board = commands.add_parser("dashboard", help="open the results in the Dash dashboard (a local web server)",
                                description="Serves the dashboard over the results database until Ctrl+C: "
                                            "overview against the plan's targets, scenario comparison, "
                                            "population, childcare, work, costs, a scenario builder that runs "
                                            "in the background, run provenance and downloads, and one family "
                                            "followed under two scenarios.")
    board.add_argument("--db", metavar="URL", help=DB_HELP)
    board.add_argument("--host", default="127.0.0.1",
                       help="address to listen on (default 127.0.0.1: this machine only; 0.0.0.0 opens it "
                            "to the network)")
    board.add_argument("--port", type=_port, default=8050, help="port to listen on (default 8050)")
    board.set_defaults(handler=_dashboard)
    return parser


def _port(text: str) -> int:
    if not text.isdigit() or not 1 <= int(text) <= 65535:
        raise argparse.ArgumentTypeError(f"expected a port number 1..65535, got {text!r}")
    return int(text)


def _seed_list(text: str) -> list[int]:
    try:
        return [int(part) for part in text.split(",")]
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected comma-separated whole numbers such as 1,2,3, got {text!r}")


def _worker_count(text: str) -> int:
    try:
        count = int(text)
    except ValueError:
        count = 0
    if count < 1:
        raise argparse.ArgumentTypeError(f"expected a whole number of processes, 1 or more, got {text!r}")
    return count


def _executor_options(command) -> None:
    where = command.add_mutually_exclusive_group()
    where.add_argument("--workers", type=_worker_count, default=1, metavar="N",
                       help="worker processes on this machine (default 1: runs one after another in this process)")
    where.add_argument("--dask", metavar="ADDRESS",
                       help="run on the workers of a Dask scheduler, e.g. tcp://10.0.0.5:8786 (start one with "
                            "`dask scheduler`, and workers with `dask worker ADDRESS`)")


def _executor(args):
    """The executor the flags ask for (None: runs in this process). Made before the store is
    opened, so that an unreachable scheduler leaves no new SQLite file behind."""
    return DaskExecutor(args.dask) if args.dask else ProcessExecutor(args.workers) if args.workers > 1 else None


def _sensitivity(args) -> int:
    config = load_config(args.config)
    if "sensitivity" not in config.resolved:
        raise UsageError(f"{args.config} has no [sensitivity] block; see experiments/configs/sensitivity-beijing.toml")
    executor = _executor(args)
    try:
        with Store(database_url(args.db)) as store:
            run_experiment(config, store, progress=not args.quiet, executor=executor)
            table = analyse(config, store.export(config.name))
            store.save_sensitivity(config.name, table)
            where = store.display_url
    finally:
        if executor is not None:
            executor.close()
    block = config.resolved["sensitivity"]
    year = f"in {block['year']}" if "year" in block else "mean over the simulated years"
    print(f"{config.name}: {block['method']} indices ({year}, mean over seeds {config.seeds}); stored in {where}\n")
    print(format_indices(table))
    return 0


def _calibrate(args) -> int:
    from experiments.calibrate import calibrate, moments     # late: imports optuna

    config = load_config(args.config)
    r = config.resolved
    if "calibration" not in r:
        raise UsageError(f"{args.config} has no [calibration] block; see experiments/configs/calibrate-beijing.toml")
    try:                                    # the targets first: a bad name must not leave a database behind
        moments(r["region"], r["start_year"], r["start_year"] + r["years"] - 1, r["calibration"]["targets"])
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    out = Path(args.out or f"calibration-{config.name}")
    executor = _executor(args)
    try:
        with Store(database_url(args.db)) as store:
            result = calibrate(config, store, out, executor=executor, progress=not args.quiet,
                               pack_dir=Path(args.pack_dir) if args.pack_dir else None,
                               log=(lambda *_: None) if args.quiet else print)
    finally:
        if executor is not None:
            executor.close()
    print(f"{config.name}: best loss {result['loss']:.4g}; parameters written to {result['parameter_file']} "
          f"(use `calibrated_parameters = {result['version']}` in a config); fit report in {result['report']}")
    return 0


def _run(args) -> int:
    config = load_config(args.config, {"scale": args.scale, "years": args.years, "seeds": args.seeds})
    # the executor first: an unreachable scheduler must not leave a new SQLite file behind
    executor = _executor(args)
    try:
        with Store(database_url(args.db)) as store:
            new = run_experiment(config, store, progress=not args.quiet, executor=executor)
            if not args.quiet:
                total = len(config.scenario_names()) * len(config.seeds)
                print(f"{config.name}: {len(new)} runs done, {total - len(new)} already stored; "
                      f"results in {store.display_url}")
    finally:
        if executor is not None:
            executor.close()
    return 0


def _reproduce(args) -> int:
    with Store(database_url(args.db), create=False) as store:
        stored = load_stored_run(store, args.run_id)
    print(f"run {stored.run_id}: experiment {stored.experiment}, scenario {stored.scenario}, seed {stored.seed}")
    if (note := version_note(stored)) is not None:
        print(note)
    with tqdm(total=stored.n_months, unit="month", disable=args.quiet) as bar:
        new = rerun(stored, progress=lambda months_done, n_months: bar.update(months_done - bar.n))
    difference = first_difference(stored.rows, new)
    if difference is None:
        print(f"identical: all {len(stored.rows)} indicator rows")
        return 0
    print(f"different: first at {describe_difference(difference)}")
    return 1


def _list(args) -> int:
    with Store(database_url(args.db), create=False) as store:
        experiments, runs = store.list_experiments(), store.list_runs()
        if experiments.empty:
            print(f"no experiments in {store.display_url}")
    for exp in experiments.itertuples():
        print(f"{exp.name}: {exp.finished} of {exp.runs} runs finished, created {exp.created_at:%Y-%m-%d %H:%M}, "
              f"config sha256 {exp.config_sha256[:12]}")
        for run in runs[runs["experiment"] == exp.name].itertuples():
            wall = "" if pd.isna(run.wall_seconds) else f"{run.wall_seconds:8.1f} s"
            print(f"  run {run.id:<5} {run.scenario:<24} seed {run.seed:<10} {run.status:<9} {wall}")
    return 0


def _export(args) -> int:
    with Store(database_url(args.db), create=False) as store:
        frame = store.export(args.experiment)
    indicator_rows = frame
    if args.paired:
        frame = append_paired(frame, args.experiment)
    if args.summary and not indicator_rows.empty:
        frame = pd.concat([frame.astype({"seed": "Int64"}), seed_summary(indicator_rows)], ignore_index=True)
    if args.out is None:
        frame.to_csv(sys.stdout, index=False)
        return 0
    out = Path(args.out).resolve()
    _write_atomically(out, frame.to_csv(index=False))
    print(f"wrote {len(frame)} rows to {out}")
    return 0


def _compare(args) -> int:
    with Store(database_url(args.db), create=False) as store:
        frame = store.export(args.experiment)
    paired = paired_results(frame, args.experiment)
    table = comparison_table(paired, args.year)
    print(format_comparison(table, args.experiment, int(paired["year"].min()),
                            fiscal_rows=bool((frame["indicator"] == "fiscal_cost").any())))
    return 0


def _validate(args) -> int:
    from experiments.validate import format_checks, validate     # late: imports the model

    out = Path(args.out).resolve() if args.out else None
    if out is not None and not out.parent.is_dir():
        raise UsageError(f"cannot write {out}: the folder {out.parent} does not exist")
    executor = ProcessExecutor(args.workers) if args.workers > 1 else None
    try:
        frame = validate(args.scale, args.seeds, executor=executor, progress=not args.quiet)
    finally:
        if executor is not None:
            executor.close()
    if out is None:
        frame.to_csv(sys.stdout, index=False)
        return 0
    _write_atomically(out, frame.to_csv(index=False))
    if not args.quiet:
        print(format_checks(frame))
        print(f"wrote {len(frame)} rows to {out}")
    return 0


def _write_atomically(path: Path, text: str) -> None:
    """Write ``text`` to a temporary file beside ``path``, then rename it into place."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "w", encoding="utf-8", newline="") as f:
            f.write(text)
        os.replace(tmp, path)
    except OSError as exc:
        if tmp.exists():
            tmp.unlink()
        raise UsageError(f"cannot write {path}: {exc.strerror or exc}") from None


def _quickstart(args) -> int:
    with resources.as_file(resources.files("experiments") / "configs" / "baseline.toml") as path:
        config = load_config(path, QUICKSTART_OVERRIDES)
    db = args.db or str(Path(QUICKSTART_DB).resolve())
    with Store(database_url(db)) as store:
        run_experiment(config, store, progress=True)
        frame = store.export(config.name)
        where = store.display_url if args.db else db
    r = config.resolved
    print(f"\nBeijing quickstart: scale {r['scale']}, {r['start_year']}-{r['start_year'] + r['years'] - 1}, "
          f"seed {config.seeds[0]}, baseline policy\n")
    print(key_indicator_table(frame, BASELINE, config.seeds[0], r["start_year"], r["years"]))
    print(f"\nResults are in {where}\nNext:\n"
          f"  fertsim export --db {shlex.quote(db)} --out results.csv   # all indicators as CSV\n"
          f"  fertsim list --db {shlex.quote(db)}                       # experiments and runs\n"
          f"  fertsim dashboard --db {shlex.quote(db)}                  # explore them in the browser")
    return 0


def _dashboard(args) -> int:
    from dashboard.app import create_app, serve     # late: only this command needs Dash

    url = database_url(args.db)
    try:
        with Store(url, create=False) as store:
            source, problem = store.display_url, None
    except StoreError as exc:
        source, problem = "the database named by --db", exc
    app = create_app(url)

    def ready():
        print(f"fertsim dashboard: http://{args.host}:{args.port}/ (results from {source}); Ctrl+C to stop",
              flush=True)
        if problem is not None:
            print(f"fertsim dashboard: warning: {problem}; the pages say so until it can be read", file=sys.stderr)

    try:
        serve(app, args.host, args.port, ready)
    except OSError as exc:
        raise UsageError(f"cannot listen on {args.host}:{args.port}: {exc.strerror or exc}; "
                         "choose another --port") from None
    except KeyboardInterrupt:
        print("fertsim dashboard: stopped")
    return 0


def key_indicator_table(frame: pd.DataFrame, scenario: str, seed: int, start_year: int, years: int) -> str:
    """KEY_INDICATORS (city-wide) of one run in its first, middle and last year, as text."""
    shown_years = sorted({start_year, start_year + (years - 1) // 2, start_year + years - 1})
    rows = frame[(frame["scenario"] == scenario) & (frame["seed"] == seed) & (frame["group"] == "")]
    table = (rows.pivot_table(index="indicator", columns="year", values="value", aggfunc="first")
             .reindex(index=list(KEY_INDICATORS), columns=shown_years))
    return table.map(_format_number).rename_axis(index=None, columns=None).to_string()


def _format_number(value: float) -> str:
    if pd.isna(value):
        return "n/a"
    return f"{value:,.0f}" if abs(value) >= 1000 else f"{value:.2f}"


if __name__ == "__main__":
    sys.exit(main())
